//! `CompactString` of the `compact_str` crate (0.10).
//!
//! Layout facts of compact_str 0.10, held against the allocator in
//! `tests/tests/ext_compact_str.rs`:
//!
//! 1. Short strings (up to 24 bytes on 64-bit, 12 on 32-bit) and
//!    `&'static str`s are kept inline or borrowed: `is_heap_allocated()` is
//!    false and nothing is owned.
//! 2. A heap string owns one allocation of `capacity()` bytes (alignment 1),
//!    starting at `as_ptr()`, when the capacity fits in the string's inline
//!    capacity field: always on 64-bit targets, up to 16,777,214 on 32-bit
//!    ones. A larger capacity on a 32-bit target is kept on the heap, a
//!    `usize` in front of the bytes, in the same allocation.

use compact_str::CompactString;

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// The largest capacity kept inline on a 32-bit target (fact 2).
const MAX_INLINE_CAPACITY: usize = (1 << (8 * (size_of::<usize>() - 1))) - 2;

/// The heap buffer of a heap string, nothing otherwise.
#[cfg_attr(docsrs, doc(cfg(feature = "compact_str")))]
impl SizeOf for CompactString {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_heap_allocated() {
            return;
        }
        let capacity = self.capacity();
        let layout = if size_of::<usize>() < 8 && capacity > MAX_INLINE_CAPACITY {
            Layout::new::<usize>()
                .extend(Layout::array::<u8>(capacity).unwrap_or(Layout::new::<()>()))
                .map(|(l, _)| l.pad_to_align())
        } else {
            Layout::array::<u8>(capacity)
        };
        if let Ok(layout) = layout {
            // With the capacity on the heap, the block starts before the text.
            let start = if size_of::<usize>() < 8 && capacity > MAX_INLINE_CAPACITY {
                core::ptr::null()
            } else {
                self.as_ptr()
            };
            cx.add_alloc(start, layout);
        }
    }
}
