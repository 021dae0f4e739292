//! `RoaringBitmap` and `RoaringTreemap` of the `roaring` crate (0.12).
//!
//! Layout facts of roaring 0.12.0, read from its source and held against
//! the allocator in `tests/tests/ext_roaring.rs`:
//!
//! 1. A `RoaringBitmap` owns a `Vec` of containers, one per 16-bit high
//!    half in use, each `{ key: u16, store }` with the store an enum of an
//!    array (a `Vec<u16>` of the low halves), a bitmap (a length and a
//!    `Box<[u64; 1024]>`, 8 KiB) or runs (a `Vec` of `{ start: u16, end:
//!    u16 }` intervals). Each store's buffer is one allocation; a bitmap's
//!    box always is.
//! 2. The crate's own accounting, `statistics()`, gives the containers of
//!    each kind and, for arrays, the sum of their capacities (reported as
//!    `capacity * 4` bytes, `size_of::<u32>()` per value, although the
//!    values are `u16`), so the arrays' buffers are exact: half that
//!    figure. For runs it reports `2 + 4 * runs` bytes per container: their
//!    length, not their capacity. The containers' `Vec` shows only its
//!    length (`n_containers`).
//! 3. So a bitmap is measured exactly in its arrays and bitmaps, and by
//!    length in its runs and its containers' `Vec`: a lower bound, short by
//!    those two buffers' spare capacity (each grows by doubling from 4
//!    elements, as `Vec` does). The allocation count is exact, and so are
//!    the bytes of a bitmap read with `deserialize_from`, which allocates
//!    every buffer to size.
//! 4. A `RoaringTreemap` is a `BTreeMap<u32, RoaringBitmap>`, whose nodes
//!    are counted exactly from where its bitmaps lie (see `btree`), and
//!    each bitmap as above.

use roaring::{RoaringBitmap, RoaringTreemap};

use crate::lib::{size_of, Box, Layout, Vec};
use crate::{Context, SizeOf};

/// Mirrors of roaring's private container types (fact 1), with the same
/// field types, so rustc gives them the same size and alignment.
#[allow(dead_code)] // Only their layouts are used.
mod mirror {
    use super::{Box, Vec};

    pub struct Interval {
        start: u16,
        end: u16,
    }
    pub struct ArrayStore {
        vec: Vec<u16>,
    }
    pub struct BitmapStore {
        len: u64,
        bits: Box<[u64; 1024]>,
    }
    pub struct IntervalStore(Vec<Interval>);
    pub enum Store {
        Array(ArrayStore),
        Bitmap(BitmapStore),
        Run(IntervalStore),
    }
    pub struct Container {
        key: u16,
        store: Store,
    }
}

/// Adds `count` allocations making `bytes` together.
#[inline]
fn add_spread(cx: &mut Context<'_>, bytes: usize, count: usize) {
    if count == 0 || bytes == 0 {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(bytes / count, 2) {
        cx.add_allocs(layout, count);
    }
    cx.add_opaque(bytes % count);
}

/// Exact in its arrays and bitmaps, a lower bound in its runs and its
/// containers' buffer, short by their spare capacity (fact 3). The
/// allocation count is exact.
#[cfg_attr(docsrs, doc(cfg(feature = "roaring")))]
impl SizeOf for RoaringBitmap {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let s = self.statistics();
        let n = |v: u32| v as usize;
        let containers = n(s.n_containers);
        if let Ok(layout) = Layout::array::<mirror::Container>(containers) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        // Arrays by capacity: statistics count 4 bytes a slot (fact 2).
        let array_slots = (s.n_bytes_array_containers / 4) as usize;
        add_spread(cx, array_slots * size_of::<u16>(), n(s.n_array_containers));
        cx.add_allocs(Layout::new::<[u64; 1024]>(), n(s.n_bitset_containers));
        // Runs by length: `2 + 4 * runs` bytes a container (fact 2).
        let runs =
            (s.n_bytes_run_containers as usize).saturating_sub(2 * n(s.n_run_containers)) / 4;
        add_spread(
            cx,
            runs * size_of::<mirror::Interval>(),
            n(s.n_run_containers),
        );
        if containers > 0 {
            cx.add_bound("spare capacity of runs, containers");
        }
    }
}

/// The tree's nodes exactly, and each bitmap as a `RoaringBitmap` (fact 4).
#[cfg_attr(docsrs, doc(cfg(feature = "roaring")))]
impl SizeOf for RoaringTreemap {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let len = self.bitmaps().count();
        // SAFETY: a `RoaringTreemap` is a struct of exactly one
        // `BTreeMap<u32, RoaringBitmap>` (fact 4), and `bitmaps()` yields
        // the values stored in it, in key order.
        unsafe {
            super::btree::add_tree_by_values::<Self, u32, RoaringBitmap, _>(cx, self, len, |t| {
                t.bitmaps().map(|(_, b)| b)
            })
        }
    }
}
