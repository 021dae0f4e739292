//! `Arc`, `UniqueArc` and `ThinArc` of the `triomphe` crate (0.1), and the
//! header types they hold.
//!
//! Layout facts of triomphe 0.1.17, held against the allocator in
//! `tests/tests/ext_triomphe.rs`: an `Arc<T>` owns, shared with its clones,
//! one block `repr(C) { count: AtomicUsize, data: T }` (one counter, no
//! weak count), padded to its alignment; unsized `T` (`str`, `[T]`,
//! `HeaderSlice<H, [T]>`) the same with the value's run-time layout. A
//! `UniqueArc<T>` is an `Arc<T>` with one owner. A `ThinArc<H, T>` is a
//! thin pointer to the block of an `Arc<HeaderSlice<HeaderWithLength<H>,
//! [T]>>`, which it derefs to.

use triomphe::{Arc, HeaderSlice, HeaderWithLength, ThinArc, UniqueArc};

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The block of a triomphe `Arc` holding `value`.
#[inline]
fn block<T: ?Sized>(value: &T) -> Layout {
    match Layout::new::<usize>().extend(Layout::for_value(value)) {
        Ok((layout, _)) => layout.pad_to_align(),
        // Unreachable for a value that exists: its block was allocated.
        Err(_) => Layout::for_value(value),
    }
}

/// The block once per traversal (clones share it), then what the value
/// owns.
#[cfg_attr(docsrs, doc(cfg(feature = "triomphe")))]
impl<T: SizeOf + ?Sized> SizeOf for Arc<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let value: &'a T = self;
        if cx.add_shared(value as *const T as *const u8, block(value)) {
            cx.add(value);
        }
    }
}

/// The block, owned alone, then what the value owns.
#[cfg_attr(docsrs, doc(cfg(feature = "triomphe")))]
impl<T: SizeOf + ?Sized> SizeOf for UniqueArc<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let value: &'a T = self;
        // The block starts before the value, at the counter.
        cx.add_alloc(core::ptr::null(), block(value));
        cx.add(value);
    }
}

/// The block once per traversal (clones share it), then what the header and
/// the elements own.
#[cfg_attr(docsrs, doc(cfg(feature = "triomphe")))]
impl<H: SizeOf, T: SizeOf> SizeOf for ThinArc<H, T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let value: &'a HeaderSlice<HeaderWithLength<H>, [T]> = self;
        if cx.add_shared(value as *const _ as *const u8, block(value)) {
            cx.add(value);
        }
    }
}

/// What the header and the slice own; both are inline in their block.
#[cfg_attr(docsrs, doc(cfg(feature = "triomphe")))]
impl<H: SizeOf, T: SizeOf + ?Sized> SizeOf for HeaderSlice<H, T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("header", &self.header);
        cx.add_field("slice", &self.slice);
    }
}

/// What the header owns; the length is inline.
#[cfg_attr(docsrs, doc(cfg(feature = "triomphe")))]
impl<H: SizeOf> SizeOf for HeaderWithLength<H> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("header", &self.header);
    }
    #[inline]
    fn is_heap_free() -> bool {
        H::is_heap_free()
    }
}
