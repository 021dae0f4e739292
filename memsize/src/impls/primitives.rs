//! Types that never own heap memory, and thin wrappers that own what their
//! contents own.

use core::cmp::{Ordering, Reverse};
use core::marker::{PhantomData, PhantomPinned};
use core::mem::ManuallyDrop;
use core::num::{NonZero, Wrapping};
use core::sync::atomic;
use core::time::Duration;

use crate::{Context, SizeOf};

/// `SizeOf` for types that own no heap memory: nothing to add, and
/// containers of them are measured in constant time.
macro_rules! heap_free {
    ($([$($g:tt)*] $t:ty,)*) => {$(
        impl<$($g)*> SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
        }
    )*};
}

heap_free! {
    [] u8, [] u16, [] u32, [] u64, [] u128, [] usize,
    [] i8, [] i16, [] i32, [] i64, [] i128, [] isize,
    [] f32, [] f64, [] bool, [] char, [] (),
    [] NonZero<u8>, [] NonZero<u16>, [] NonZero<u32>, [] NonZero<u64>,
    [] NonZero<u128>, [] NonZero<usize>,
    [] NonZero<i8>, [] NonZero<i16>, [] NonZero<i32>, [] NonZero<i64>,
    [] NonZero<i128>, [] NonZero<isize>,
    [] atomic::AtomicBool, [] atomic::AtomicU8, [] atomic::AtomicU16,
    [] atomic::AtomicU32, [] atomic::AtomicU64, [] atomic::AtomicUsize,
    [] atomic::AtomicI8, [] atomic::AtomicI16, [] atomic::AtomicI32,
    [] atomic::AtomicI64, [] atomic::AtomicIsize, [] atomic::Ordering,
    [T] atomic::AtomicPtr<T>,
    [] Duration, [] Ordering, [] PhantomPinned,
    // Markers and pointers own nothing: what they point to belongs to
    // someone else. (References are below.)
    [T: ?Sized] PhantomData<T>,
    [T: ?Sized] *const T,
    [T: ?Sized] *mut T,
    [T: ?Sized] core::ptr::NonNull<T>,
    [T: ?Sized] core::pin::Pin<&T>,
    // A `Weak` owns nothing: its block belongs to the strong owners and is
    // counted where one of them is reached. (A block kept alive only by
    // `Weak`s holds a dropped value and is not counted.)
    [T: ?Sized] std_alloc::rc::Weak<T>,
    [T: ?Sized] std_alloc::sync::Weak<T>,
    [] core::any::TypeId,
    [] core::alloc::Layout,
}

#[cfg(feature = "std")]
heap_free! {
    [] std::time::Instant,
    [] std::time::SystemTime,
}

/// A reference stored in a value owns nothing: `Vec<&str>` owns its buffer
/// of references, and a struct with a `&'a str` field owns nothing through
/// it. But the methods called *on* a reference measure what it points to,
/// as auto-deref would: in `names.iter().filter(|s| s.heap_size() > 50)`
/// the `s` is a `&&String`, and `heap_size` measures the `String`.
macro_rules! references {
    ($($r:ty),*) => {$(
        impl<T: SizeOf + ?Sized> SizeOf for $r {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
            #[inline]
            fn shallow_size(&self) -> usize { T::shallow_size(self) }
            #[inline]
            fn heap_size(&self) -> usize { T::heap_size(self) }
            #[inline]
            fn deep_size(&self) -> usize { T::deep_size(self) }
            #[inline]
            fn heap_stats(&self) -> crate::HeapStats { T::heap_stats(self) }
        }
    )*};
}

references!(&T, &mut T);

/// Function pointers own nothing. (Higher-ranked ones, `for<'x> fn(&'x T)`,
/// are distinct types that these impls don't cover.)
macro_rules! fn_ptrs {
    ($($arg:ident)*) => {
        heap_free! {
            [R, $($arg),*] fn($($arg),*) -> R,
            [R, $($arg),*] unsafe fn($($arg),*) -> R,
            [R, $($arg),*] extern "C" fn($($arg),*) -> R,
            [R, $($arg),*] unsafe extern "C" fn($($arg),*) -> R,
        }
    };
}
fn_ptrs!();
fn_ptrs!(A);
fn_ptrs!(A B);
fn_ptrs!(A B C);
fn_ptrs!(A B C D);
fn_ptrs!(A B C D E);
fn_ptrs!(A B C D E F);

/// Wrappers that own exactly what their one field owns. Inline values
/// (wrappers, options, tuples) call `add_heap` directly: they nest only as
/// deep as their type. Pointers and containers go through `Context::add` or
/// `Context::descend`, which keep the machine stack flat.
macro_rules! transparent {
    ($([$($g:tt)*] $t:ty => |$s:ident| $inner:expr,)*) => {$(
        impl<$($g)*> SizeOf for $t {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                let $s = self;
                $inner.add_heap(cx);
            }
            #[inline]
            fn is_heap_free() -> bool { T::is_heap_free() }
        }
    )*};
}

transparent! {
    [T: SizeOf] Reverse<T> => |s| &s.0,
    [T: SizeOf] Wrapping<T> => |s| &s.0,
    [T: SizeOf] ManuallyDrop<T> => |s| &**s,
}

/// Unsized types that own nothing.
macro_rules! unsized_heap_free {
    ($($t:ty),*) => {$(
        impl SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
        }
    )*};
}

unsized_heap_free!(str, core::ffi::CStr);

impl<T: SizeOf> SizeOf for Option<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Some(v) = self {
            v.add_heap(cx);
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

impl<T: SizeOf, E: SizeOf> SizeOf for Result<T, E> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            Ok(v) => v.add_heap(cx),
            Err(e) => e.add_heap(cx),
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free() && E::is_heap_free()
    }
}

impl<T: SizeOf> SizeOf for [T] {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for v in self {
                    v.add_heap(cx);
                }
            });
        }
    }
}

impl<T: SizeOf, const N: usize> SizeOf for [T; N] {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.as_slice().add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        N == 0 || T::is_heap_free()
    }
}

/// Tuples own what their fields own.
macro_rules! tuples {
    ($(($($n:tt $t:ident)+))*) => {$(
        impl<$($t: SizeOf),+> SizeOf for ($($t,)+) {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                $(self.$n.add_heap(cx);)+
            }
            #[inline]
            fn is_heap_free() -> bool {
                $($t::is_heap_free())&&+
            }
        }
    )*};
}

tuples! {
    (0 A)
    (0 A 1 B)
    (0 A 1 B 2 C)
    (0 A 1 B 2 C 3 D)
    (0 A 1 B 2 C 3 D 4 E)
    (0 A 1 B 2 C 3 D 4 E 5 F)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O)
    (0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P)
}
