//! Types that never own heap memory, and thin wrappers that own what their
//! contents own.

use core::cmp::{Ordering, Reverse};
use core::convert::Infallible;
use core::marker::{PhantomData, PhantomPinned};
use core::mem::ManuallyDrop;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::num::{NonZero, ParseFloatError, ParseIntError, Saturating, Wrapping};
use core::ops::{
    Bound, ControlFlow, Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive,
};
use core::pin::Pin;
use core::str::Utf8Error;
use core::sync::atomic;
use core::task::Poll;
use core::time::Duration;

use crate::adapt::{via_adapter, As, Same, SizeOfAs};
use crate::{Context, SizeOf};

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
    ['p, T: ?Sized] Pin<&'p T>,
    // A pinned `&mut` is a reference too; methods called on it measure the
    // `Pin` (nothing): reach the pointee with `Pin::get_ref(p.as_ref())`.
    ['p, T: ?Sized] Pin<&'p mut T>,
    // A `Weak` owns nothing: its block belongs to the strong owners and is
    // counted where one of them is reached. (A block kept alive only by
    // `Weak`s holds a dropped value and is not counted.)
    [T: ?Sized] std_alloc::rc::Weak<T>,
    [T: ?Sized] std_alloc::sync::Weak<T>,
    [] core::any::TypeId,
    [] core::alloc::Layout,
    [] Infallible,
    [] ParseIntError, [] ParseFloatError, [] Utf8Error,
    [] IpAddr, [] Ipv4Addr, [] Ipv6Addr,
    [] SocketAddr, [] SocketAddrV4, [] SocketAddrV6,
    [] RangeFull,
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
            #[inline]
            fn __add_root<'a>(&'a self, cx: &mut Context<'a>, name: Option<crate::context::Name>) {
                T::__add_root(self, cx, name)
            }
        }
    )*};
}

references!(&T, &mut T);

/// Function pointers own nothing. (Higher-ranked ones, `for<'x> fn(&'x T)`,
/// are distinct types, covered by `hr_fn_ptrs` below.)
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

/// Higher-ranked function pointers, `fn(&str) -> bool` (that is,
/// `for<'x> fn(&'x str) -> bool`), own nothing either: every shape of up to
/// three arguments, each taken by value or by reference. (A return type that
/// borrows from an argument, `fn(&str) -> &str`, is not covered.)
macro_rules! hr_fn_ptrs {
    ($([$($g:tt)*] ($($arg:ty),*),)*) => {$(
        // rustc's `coherence_leak_check` lint warns that `fn(&A)` and
        // `fn(A)` (with `A = &'x T`) may one day be treated as overlapping;
        // today they are distinct types, as the lint says.
        #[allow(coherence_leak_check)]
        impl<R, $($g)*> SizeOf for fn($($arg),*) -> R {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
        }
    )*};
}

hr_fn_ptrs! {
    [A: ?Sized] (&A),
    [A: ?Sized, B] (&A, B),
    [A, B: ?Sized] (A, &B),
    [A: ?Sized, B: ?Sized] (&A, &B),
    [A: ?Sized, B, C] (&A, B, C),
    [A, B: ?Sized, C] (A, &B, C),
    [A, B, C: ?Sized] (A, B, &C),
    [A: ?Sized, B: ?Sized, C] (&A, &B, C),
    [A: ?Sized, B, C: ?Sized] (&A, B, &C),
    [A, B: ?Sized, C: ?Sized] (A, &B, &C),
    [A: ?Sized, B: ?Sized, C: ?Sized] (&A, &B, &C),
}

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
    [T: SizeOf] Saturating<T> => |s| &s.0,
    [T: SizeOf] ManuallyDrop<T> => |s| &**s,
    [T: SizeOf] RangeFrom<T> => |s| &s.start,
    [T: SizeOf] RangeTo<T> => |s| &s.end,
    [T: SizeOf] RangeToInclusive<T> => |s| &s.end,
}

/// Ranges own what their bounds own.
impl<T: SizeOf> SizeOf for Range<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.start.add_heap(cx);
        self.end.add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

impl<T: SizeOf> SizeOf for RangeInclusive<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.start().add_heap(cx);
        self.end().add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

impl<T: SizeOf> SizeOf for Bound<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Bound::Included(v) | Bound::Excluded(v) = self {
            v.add_heap(cx);
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

impl<T: SizeOf> SizeOf for Poll<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Poll::Ready(v) = self {
            v.add_heap(cx);
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

impl<B: SizeOf, C: SizeOf> SizeOf for ControlFlow<B, C> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            ControlFlow::Continue(c) => c.add_heap(cx),
            ControlFlow::Break(b) => b.add_heap(cx),
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        B::is_heap_free() && C::is_heap_free()
    }
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

impl<T, A: SizeOfAs<T>> SizeOfAs<Option<T>> for Option<A> {
    #[inline]
    fn add_heap_as<'a>(o: &'a Option<T>, cx: &mut Context<'a>) {
        if let Some(v) = o {
            A::add_heap_as(v, cx);
        }
    }
    #[inline]
    fn is_heap_free_as() -> bool {
        A::is_heap_free_as()
    }
}

impl<T, E, A: SizeOfAs<T>, B: SizeOfAs<E>> SizeOfAs<Result<T, E>> for Result<A, B> {
    #[inline]
    fn add_heap_as<'a>(r: &'a Result<T, E>, cx: &mut Context<'a>) {
        match r {
            Ok(v) => A::add_heap_as(v, cx),
            Err(e) => B::add_heap_as(e, cx),
        }
    }
    #[inline]
    fn is_heap_free_as() -> bool {
        A::is_heap_free_as() && B::is_heap_free_as()
    }
}

impl<T, A: SizeOfAs<T>> SizeOfAs<[T]> for [A] {
    #[inline]
    fn add_heap_as<'a>(s: &'a [T], cx: &mut Context<'a>) {
        if !A::is_heap_free_as() {
            cx.descend(move |cx| {
                for v in s {
                    cx.add_element(As::<A, T>::new(v));
                }
            });
        }
    }
}

impl<T: SizeOf> SizeOf for [T] {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        <[Same]>::add_heap_as(self, cx);
    }
}

impl<T, A: SizeOfAs<T>, const N: usize> SizeOfAs<[T; N]> for [A; N] {
    #[inline]
    fn add_heap_as<'a>(a: &'a [T; N], cx: &mut Context<'a>) {
        <[A]>::add_heap_as(a.as_slice(), cx);
    }
    #[inline]
    fn is_heap_free_as() -> bool {
        N == 0 || A::is_heap_free_as()
    }
}

via_adapter! {
    [T: SizeOf] Option<T> => Option<Same>,
    [T: SizeOf, E: SizeOf] Result<T, E> => Result<Same, Same>,
    [T: SizeOf, const N: usize] [T; N] => [Same; N],
}

/// Tuples own what their fields own, each measured through its adapter.
macro_rules! tuples {
    (@same $t:ident) => { Same };
    ($(($($n:tt $t:ident $a:ident)+))*) => {$(
        impl<$($t, $a: SizeOfAs<$t>),+> SizeOfAs<($($t,)+)> for ($($a,)+) {
            #[inline]
            fn add_heap_as<'a>(t: &'a ($($t,)+), cx: &mut Context<'a>) {
                $(cx.add_field(stringify!($n), As::<$a, $t>::new(&t.$n));)+
            }
            #[inline]
            fn is_heap_free_as() -> bool {
                $($a::is_heap_free_as())&&+
            }
        }

        via_adapter! {
            [$($t: SizeOf),+] ($($t,)+) => ($(tuples!(@same $t),)+),
        }
    )*};
}

tuples! {
    (0 A AA)
    (0 A AA 1 B BB)
    (0 A AA 1 B BB 2 C CC)
    (0 A AA 1 B BB 2 C CC 3 D DD)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK 11 L LL)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK 11 L LL 12 M MM)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK 11 L LL 12 M MM 13 N NN)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK 11 L LL 12 M MM 13 N NN 14 O OO)
    (0 A AA 1 B BB 2 C CC 3 D DD 4 E EE 5 F FF 6 G GG 7 H HH 8 I II 9 J JJ 10 K KK 11 L LL 12 M MM 13 N NN 14 O OO 15 P PP)
}
