//! `EcoVec` and `EcoString` of the `ecow` crate (0.3).
//!
//! Layout facts of ecow 0.3.1, held against the allocator in
//! `tests/tests/ext_ecow.rs`:
//!
//! 1. An `EcoVec<T>` that allocated owns, shared with its clones, one block:
//!    a header of two `usize`s (reference count and capacity), then the
//!    elements at offset `max(2 * size_of::<usize>(), align)`, where `align`
//!    is `max(align_of::<usize>(), align_of::<T>())`, the block's alignment.
//!    Its size is that offset plus `capacity() * size_of::<T>()`, unpadded.
//! 2. One that never allocated reports `capacity() == 0` and owns nothing.
//! 3. An `EcoString` is inline (`is_inline()`, up to 15 bytes) or an
//!    `EcoVec<u8>` whose capacity is its `capacity()`.
//! 4. Clones share the block and its data pointer (`as_ptr()` of the
//!    elements), which keys it.

use ecow::{EcoString, EcoVec};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// The block of an `EcoVec<T>` of `capacity` elements (fact 1).
fn block<T>(capacity: usize) -> Option<Layout> {
    let align = core::mem::align_of::<usize>().max(core::mem::align_of::<T>());
    let offset = (2 * size_of::<usize>()).max(align);
    let size = size_of::<T>().checked_mul(capacity)?.checked_add(offset)?;
    Layout::from_size_align(size, align).ok()
}

/// The shared block once per traversal, then what the elements own.
#[cfg_attr(docsrs, doc(cfg(feature = "ecow")))]
impl<T: SizeOf> SizeOf for EcoVec<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let capacity = self.capacity();
        if capacity == 0 {
            return;
        }
        let Some(layout) = block::<T>(capacity) else {
            return;
        };
        let elements = self.as_slice();
        if cx.add_shared(elements.as_ptr() as *const u8, layout) {
            elements.add_heap(cx);
        }
    }
}

/// Nothing when inline, else the shared block once per traversal.
#[cfg_attr(docsrs, doc(cfg(feature = "ecow")))]
impl SizeOf for EcoString {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if self.is_inline() {
            return;
        }
        if let Some(layout) = block::<u8>(self.capacity()) {
            cx.add_shared(self.as_str().as_ptr(), layout);
        }
    }
}
