//! `ArrayVec` and `ArrayString` of the `arrayvec` crate (0.7).
//!
//! Layout fact of arrayvec 0.7: both keep their elements inline in an array
//! of `CAP` slots and never allocate; the slots past `len()` are
//! uninitialized and own nothing.

use arrayvec::{ArrayString, ArrayVec};

use crate::{Context, SizeOf};

/// What the elements own; the array itself is inline.
#[cfg_attr(docsrs, doc(cfg(feature = "arrayvec")))]
impl<T: SizeOf, const CAP: usize> SizeOf for ArrayVec<T, CAP> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.as_slice().add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

heap_free_ext! { "arrayvec":
    [const CAP: usize] ArrayString<CAP>,
}
