//! `ArcStr` and `Substr` of the `arcstr` crate (1.x).
//!
//! Layout facts of arcstr 1.2, held against the allocator in
//! `tests/tests/ext_arcstr.rs`:
//!
//! 1. A non-static `ArcStr` points at one block shared with its clones:
//!    a `repr(C, align(8))` header of two words (the length and the count,
//!    each with a flag bit) then the bytes, allocated as exactly
//!    `2 * size_of::<usize>() + len` bytes aligned to 8, with no spare
//!    capacity. The bytes start at a fixed offset, so `as_ptr()` is the
//!    same for every clone and keys the block.
//! 2. A static `ArcStr` (a `literal!`, `ArcStr::new()`, or one made
//!    static by `leak`) points at memory that no drop frees: it owns
//!    nothing (`ArcStr::is_static`).
//! 3. A `Substr` is an `ArcStr` and a range: it owns, shared, the whole
//!    parent string's block, not only its slice.

use arcstr::{ArcStr, Substr};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// The block, once per traversal (fact 1); nothing for a static string
/// (fact 2).
#[cfg_attr(docsrs, doc(cfg(feature = "arcstr")))]
impl SizeOf for ArcStr {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if ArcStr::is_static(self) {
            return;
        }
        let size = self.len().saturating_add(2 * size_of::<usize>());
        if let Ok(layout) = Layout::from_size_align(size, 8) {
            cx.add_shared(self.as_ptr(), layout);
        }
    }
}

/// The parent string's block, shared with the parent and every other
/// substring of it (fact 3).
#[cfg_attr(docsrs, doc(cfg(feature = "arcstr")))]
impl SizeOf for Substr {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("parent", self.parent());
    }
}
