//! `SmallVec` of the `smallvec` crate (1.x).
//!
//! Layout facts of smallvec 1.15, held against the allocator in
//! `tests/tests/ext_smallvec.rs`: a `SmallVec<A>` that has not spilled
//! (`spilled()` false) keeps its elements inline and owns no buffer; a
//! spilled one owns one buffer of `capacity()` elements allocated as
//! `Layout::array::<A::Item>(capacity())`. A spilled vector that shrinks
//! back to fit inline frees its buffer (`spilled()` is false again).

use smallvec::{Array, SmallVec};

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The buffer once spilled, then what the elements own. Constant time when
/// they own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "smallvec")))]
impl<A: Array> SizeOf for SmallVec<A>
where
    A::Item: SizeOf,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if self.spilled() {
            if let Ok(layout) = Layout::array::<A::Item>(self.capacity()) {
                cx.add_alloc(self.as_ptr() as *const u8, layout);
            }
        }
        self.as_slice().add_heap(cx);
    }
}
