//! `Slab` of the `slab` crate (0.4).
//!
//! Layout facts of slab 0.4.12, held against the allocator in
//! `tests/tests/ext_slab.rs`: a `Slab<T>` owns one `Vec` of entries, an enum
//! `{ Vacant(usize), Occupied(T) }` (vacant entries keep the next free key),
//! of `capacity()` slots. Removed entries stay in the `Vec` as vacant ones:
//! they are capacity, counted like the rest.

use slab::Slab;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The entry slab allocates its `Vec` of: an enum with the same variants as
/// slab's, so rustc gives it the same size and alignment.
#[allow(dead_code)] // Only its layout is used.
enum Entry<T> {
    Vacant(usize),
    Occupied(T),
}

/// The entries' buffer, then what the occupied entries own. Constant time
/// when the values own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "slab")))]
impl<T: SizeOf> SizeOf for Slab<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Ok(layout) = Layout::array::<Entry<T>>(self.capacity()) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for (_, v) in self {
                    cx.add_element(v);
                }
            });
        }
    }
}
