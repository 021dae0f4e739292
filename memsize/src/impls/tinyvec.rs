//! `TinyVec` and `ArrayVec` of the `tinyvec` crate (1.x).
//!
//! Layout facts of tinyvec 1.13, held against the allocator in
//! `tests/tests/ext_tinyvec.rs`: an `ArrayVec<A>` keeps every slot of its
//! array inline; the slots past `len()` hold `Default` values (removals
//! put one back with `mem::take`), which own no heap for the element types
//! of std. A `TinyVec<A>` is either an inline `ArrayVec<A>` or a std
//! `Vec<A::Item>`, measured as that `Vec`.

use tinyvec::{Array, ArrayVec, TinyVec};

use crate::{Context, SizeOf};

/// What the elements in use own; the array itself is inline.
#[cfg_attr(docsrs, doc(cfg(feature = "tinyvec")))]
impl<A: Array> SizeOf for ArrayVec<A>
where
    A::Item: SizeOf,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.as_slice().add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        A::Item::is_heap_free()
    }
}

/// Inline: what the elements own. On the heap: the `Vec`'s buffer of
/// `capacity()` elements and what the elements own.
#[cfg_attr(docsrs, doc(cfg(feature = "tinyvec")))]
impl<A: Array> SizeOf for TinyVec<A>
where
    A::Item: SizeOf,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            TinyVec::Inline(inline) => inline.add_heap(cx),
            TinyVec::Heap(vec) => vec.add_heap(cx),
        }
    }
}
