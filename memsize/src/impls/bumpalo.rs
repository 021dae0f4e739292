//! The `Bump` arena of the `bumpalo` crate (3.x), and its `boxed::Box`,
//! `collections::Vec` and `collections::String`.
//!
//! Layout facts of bumpalo 3.20, held against the allocator in
//! `tests/tests/ext_bumpalo.rs`:
//!
//! 1. A `Bump` owns a list of chunks, each one allocation from the global
//!    allocator with a footer at its end. A new `Bump` (or one given
//!    capacity 0) points at a static empty chunk and owns nothing.
//! 2. `allocated_bytes_including_metadata()` is the crate's own figure for
//!    the bytes requested from the allocator: the chunks' sizes without
//!    their footers, plus one footer per chunk. Exact after any history,
//!    `reset` included (which keeps the newest chunk only).
//! 3. The chunks are counted with `iter_allocated_chunks_raw()`. Their
//!    sizes one by one are not public: the chunks are added as that many
//!    allocations of their average size, and the remainder of the division
//!    as bytes, so bytes and allocation count are both exact.
//! 4. What is allocated *in* the arena is part of its chunks. A
//!    `bumpalo::boxed::Box`, `collections::Vec` or `collections::String`
//!    therefore owns no memory outside the arena: counting them adds only
//!    what their contents own elsewhere (a `String` inside a bump `Vec`
//!    keeps its buffer on the global heap). Values in the arena are never
//!    dropped by the `Bump`, so it does not visit them: their outside heap
//!    is counted where a bump `Box` or `Vec` holds them.

use bumpalo::Bump;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The chunks, from bumpalo's own accounting (facts 2, 3): exact bytes and
/// allocation count. What lives in the arena is inside them (fact 4).
#[cfg_attr(docsrs, doc(cfg(feature = "bumpalo")))]
impl<const MIN_ALIGN: usize> SizeOf for Bump<MIN_ALIGN> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        // SAFETY: the iterator is consumed here, and nothing allocates from
        // the arena meanwhile: `Bump` is not `Sync`, so no other thread
        // holds it, and this traversal does not allocate from it.
        let chunks = unsafe { self.iter_allocated_chunks_raw() }.count();
        if chunks == 0 {
            return;
        }
        let bytes = self.allocated_bytes_including_metadata();
        if let Ok(layout) = Layout::from_size_align(bytes / chunks, 1) {
            cx.add_allocs(layout, chunks);
        }
        cx.add_opaque(bytes % chunks);
    }
}

/// The pointee lives in the arena (fact 4): only what it owns elsewhere.
#[cfg_attr(docsrs, doc(cfg(feature = "bumpalo")))]
impl<T: SizeOf + ?Sized> SizeOf for bumpalo::boxed::Box<'_, T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let value: &'a T = self;
        cx.add(value);
    }
}

/// The buffer lives in the arena (fact 4): only what the elements own
/// elsewhere.
#[cfg_attr(docsrs, doc(cfg(feature = "bumpalo")))]
impl<T: SizeOf> SizeOf for bumpalo::collections::Vec<'_, T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for v in self.iter() {
                    cx.add_element(v);
                }
            });
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

heap_free_ext! { "bumpalo":
    ['b] bumpalo::collections::String<'b>,
}
