//! `ThinVec` of the `thin-vec` crate (0.2).
//!
//! Layout facts of thin-vec 0.2.21, held against the allocator in
//! `tests/tests/ext_thin_vec.rs`:
//!
//! 1. A `ThinVec<T>` with room for elements owns one allocation: a header
//!    of two `usize`s (length and capacity), padding up to `align_of::<T>()`,
//!    then `capacity()` elements, aligned to the larger of the two
//!    alignments. (The `gecko-ffi` feature, for Firefox, makes the header two
//!    `u32`s; it is not supported here.)
//! 2. An empty `ThinVec` that never allocated points at a static singleton
//!    header and owns nothing; `has_capacity()` is false for it alone.
//! 3. A `ThinVec` of a zero-sized `T` never allocates: its length is kept in
//!    the pointer.

use thin_vec::ThinVec;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The allocation of a `ThinVec<T>` of `capacity` elements (facts 1, 3).
fn allocation<T>(capacity: usize) -> Option<Layout> {
    if core::mem::size_of::<T>() == 0 {
        return None;
    }
    let header = Layout::new::<[usize; 2]>();
    let (layout, _) = header.extend(Layout::array::<T>(capacity).ok()?).ok()?;
    Some(layout)
}

/// The header and elements in one allocation; nothing for the empty
/// singleton. Constant time when the elements own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "thin-vec")))]
impl<T: SizeOf> SizeOf for ThinVec<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if self.has_capacity() {
            if let Some(layout) = allocation::<T>(self.capacity()) {
                cx.add_alloc(core::ptr::null(), layout);
            }
        }
        self.as_slice().add_heap(cx);
    }
}
