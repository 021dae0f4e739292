//! Owning pointers, shared pointers and single-threaded cells.

use core::cell::{Cell, LazyCell, OnceCell, RefCell};
use core::pin::Pin;
use std_alloc::borrow::{Cow, ToOwned};
use std_alloc::rc::Rc;
use std_alloc::sync::Arc;

use crate::lib::{Box, Layout};
use crate::{Context, SizeOf};

impl<T: SizeOf + ?Sized> SizeOf for Box<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        // A box allocates exactly the pointee's layout, nothing for a
        // zero-sized one (`add_alloc` skips size 0). Unsized pointees
        // (`[T]`, `str`, `dyn Trait`) report their size at run time.
        let pointee: &T = self;
        cx.add_alloc(pointee as *const T as *const u8, Layout::for_value(pointee));
        cx.add(pointee);
    }
}

/// The block an `Rc` or `Arc` allocates: the strong and weak counters, then
/// the value, padded to the block's alignment.
///
/// Layout fact (std `RcInner`/`ArcInner`, `repr(C)`): two `usize` counters
/// then the value. Held against the allocator for sized and unsized
/// pointees in `tests/tests/std_impls.rs`.
#[inline]
fn counted_block<T: ?Sized>(value: &T) -> Layout {
    match Layout::new::<[usize; 2]>().extend(Layout::for_value(value)) {
        Ok((layout, _)) => layout.pad_to_align(),
        // Unreachable for a value that exists: its block was allocated.
        Err(_) => Layout::for_value(value),
    }
}

/// `Rc` and `Arc`: the block once per traversal, then what the value owns.
macro_rules! counted {
    ($($p:ident)*) => {$(
        impl<T: SizeOf + ?Sized> SizeOf for $p<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                let value: &'a T = self;
                if cx.add_shared($p::as_ptr(self) as *const u8, counted_block(value)) {
                    cx.add(value);
                }
            }
        }
    )*};
}

counted!(Rc Arc);

/// `Pin` does not give out the pointer it wraps, only the pointee, so each
/// owning pointer is covered on its own, the same as unpinned.
impl<T: SizeOf + ?Sized> SizeOf for Pin<Box<T>> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let value: &'a T = self.as_ref().get_ref();
        cx.add_alloc(value as *const T as *const u8, Layout::for_value(value));
        cx.add(value);
    }
}

/// The pinned pointee's block, counted once like an unpinned `Rc`'s.
macro_rules! pinned_shared {
    ($($p:ident)*) => {$(
        impl<T: SizeOf + ?Sized> SizeOf for Pin<$p<T>> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                let value: &'a T = self.as_ref().get_ref();
                if cx.add_shared(value as *const T as *const u8, counted_block(value)) {
                    cx.add(value);
                }
            }
        }
    )*};
}

pinned_shared!(Rc Arc);

impl<B> SizeOf for Cow<'_, B>
where
    B: ToOwned + ?Sized,
    B::Owned: SizeOf,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Cow::Owned(owned) = self {
            owned.add_heap(cx);
        }
    }
}

/// A `Cell` adds nothing. For a heap-free `T`, or any `Copy` `T` (a `Copy`
/// type has no drop, so it never owns heap), that is exact.
///
/// A `Cell` of a type that owns heap (`Cell<Vec<u8>>`,
/// `Cell<Option<Box<Node>>>`) is not measured: its contents are reachable
/// only by moving them out (`take`, `replace`), which measuring must not do,
/// or through a reference made by unsafe code, which any safe code reached
/// during the traversal (another `SizeOf` impl holding the same `&Cell`)
/// could invalidate with `set`. Its inline bytes count as part of its owner;
/// what it owns does not. Use a `RefCell` to have the contents counted.
impl<T: SizeOf> SizeOf for Cell<T> {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// The contents are measured under a shared borrow, held only while they
/// are traversed. A `RefCell` that is mutably borrowed at the time can't be
/// read without panicking, and only this thread can hold that borrow
/// (`RefCell` is not `Sync`), so waiting would not help: its contents are
/// then left out and counted in [`HeapStats::skipped`](crate::HeapStats::skipped)
/// (its inline bytes count, as part of its owner). A `RefCell` around
/// contents that own no heap is heap-free: never borrowed, and constant time
/// inside a container.
impl<T: SizeOf> SizeOf for RefCell<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !T::is_heap_free() {
            cx.add_guarded(move |_| self.try_borrow().ok());
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Like `RefCell<T>`, for slices.
impl<T: SizeOf> SizeOf for RefCell<[T]> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !T::is_heap_free() {
            cx.add_guarded(move |_| self.try_borrow().ok());
        }
    }
}

/// A `str` owns no heap.
impl SizeOf for RefCell<str> {
    #[inline]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
}

/// Once-cells own what they hold, once it is set.
macro_rules! once_cells {
    ($($(#[$m:meta])* $t:ident,)*) => {$(
        $(#[$m])*
        impl<T: SizeOf> SizeOf for $t<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if let Some(v) = self.get() {
                    v.add_heap(cx);
                }
            }
            #[inline]
            fn is_heap_free() -> bool {
                T::is_heap_free()
            }
        }
    )*};
}

#[cfg(feature = "std")]
use std::sync::{LazyLock, OnceLock};

once_cells! {
    OnceCell,
    #[cfg(feature = "std")]
    OnceLock,
}

/// Lazy cells add nothing: std 1.85 shows a `LazyCell`'s or `LazyLock`'s
/// value only by forcing it (`LazyCell::get` is unstable there), and
/// measuring must not run the initializer. A lazy value that owns heap is
/// therefore not counted once initialized; its inline bytes are, as part of
/// its owner.
macro_rules! lazy_cells {
    ($($(#[$m:meta])* $t:ident,)*) => {$(
        $(#[$m])*
        impl<T: SizeOf, F> SizeOf for $t<T, F> {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
        }
    )*};
}

lazy_cells! {
    LazyCell,
    #[cfg(feature = "std")]
    LazyLock,
}
