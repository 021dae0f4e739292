//! Owning pointers, shared pointers and single-threaded cells.

use core::cell::{Cell, LazyCell, OnceCell, RefCell};
use core::pin::Pin;
use std_alloc::borrow::{Cow, ToOwned};
use std_alloc::rc::Rc;
use std_alloc::sync::Arc;

use crate::adapt::{via_adapter, As, AsGuard, Same, SizeOfAs};
use crate::lib::{Box, Layout};
use crate::{Context, SizeOf};

/// A box's block and what its pointee owns. `pointee` is the box's
/// pointee, seen as itself or through an adapter (same address, same
/// layout).
#[inline]
fn add_boxed<'a, P: SizeOf + ?Sized>(cx: &mut Context<'a>, pointee: &'a P) {
    // A box allocates exactly the pointee's layout, nothing for a zero-sized
    // one (`add_alloc` skips size 0). Unsized pointees (`[T]`, `str`, `dyn
    // Trait`) report their size at run time.
    cx.add_alloc(pointee as *const P as *const u8, Layout::for_value(pointee));
    cx.add(pointee);
}

impl<T: SizeOf + ?Sized> SizeOf for Box<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_boxed(cx, &**self);
    }
}

impl<T: ?Sized, A: SizeOfAs<T> + ?Sized> SizeOfAs<Box<T>> for Box<A> {
    #[inline]
    fn add_heap_as<'a>(b: &'a Box<T>, cx: &mut Context<'a>) {
        add_boxed(cx, As::<A, T>::new(b));
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

/// An `Rc`'s or `Arc`'s block once per traversal, then what the value
/// owns: `value` is the pointee, seen as itself or through an adapter.
#[inline]
fn add_counted<'a, P: SizeOf + ?Sized>(cx: &mut Context<'a>, value: &'a P) {
    if cx.add_shared(value as *const P as *const u8, counted_block(value)) {
        cx.add(value);
    }
}

/// `Rc` and `Arc`: the block once per traversal, then what the value owns.
macro_rules! counted {
    ($($p:ident)*) => {$(
        impl<T: SizeOf + ?Sized> SizeOf for $p<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                add_counted(cx, &**self);
            }
        }

        impl<T: ?Sized, A: SizeOfAs<T> + ?Sized> SizeOfAs<$p<T>> for $p<A> {
            #[inline]
            fn add_heap_as<'a>(p: &'a $p<T>, cx: &mut Context<'a>) {
                add_counted(cx, As::<A, T>::new(p));
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
impl<T, A: SizeOfAs<T>> SizeOfAs<Cell<T>> for Cell<A> {
    #[inline(always)]
    fn add_heap_as<'a>(_: &'a Cell<T>, _: &mut Context<'a>) {}
    #[inline]
    fn is_heap_free_as() -> bool {
        A::is_heap_free_as()
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
impl<T, A: SizeOfAs<T>> SizeOfAs<RefCell<T>> for RefCell<A> {
    #[inline]
    fn add_heap_as<'a>(c: &'a RefCell<T>, cx: &mut Context<'a>) {
        if !A::is_heap_free_as() {
            cx.add_guarded(move |_| c.try_borrow().ok().map(AsGuard::<A, _>::new));
        }
    }
    #[inline]
    fn is_heap_free_as() -> bool {
        A::is_heap_free_as()
    }
}

via_adapter! {
    [T: SizeOf] Cell<T> => Cell<Same>,
    [T: SizeOf] RefCell<T> => RefCell<Same>,
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
        impl<T, A: SizeOfAs<T>> SizeOfAs<$t<T>> for $t<A> {
            #[inline]
            fn add_heap_as<'a>(c: &'a $t<T>, cx: &mut Context<'a>) {
                if let Some(v) = c.get() {
                    A::add_heap_as(v, cx);
                }
            }
            #[inline]
            fn is_heap_free_as() -> bool {
                A::is_heap_free_as()
            }
        }

        $(#[$m])*
        via_adapter! {
            [T: SizeOf] $t<T> => $t<Same>,
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
