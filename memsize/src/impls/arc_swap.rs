//! `ArcSwap`, `ArcSwapOption` and any `ArcSwapAny` of the `arc-swap` crate
//! (1.x).
//!
//! Layout facts of arc-swap 1.9, held against the allocator in
//! `tests/tests/ext_arc_swap.rs`:
//!
//! 1. An `ArcSwapAny<T, S>` holds one pointer, taken out of a `T` (an
//!    `Arc`, an `Option<Arc>`, an `Rc`), and its strategy `S`, which owns no
//!    heap. What it owns is that `T`, shared with every `Arc` loaded from
//!    it: this impl loads the current one (`load`, never blocking) and
//!    measures it as the `T` it is, so an `Arc` block counts once across
//!    the swap and its other owners.
//! 2. A load may, the first time a thread loads from any `ArcSwap`, take
//!    one of arc-swap's global per-thread bookkeeping nodes, which are
//!    allocated once and never freed (they belong to no value and are not
//!    counted). A measurement of the traversal itself sees that allocation
//!    only on a thread that had never loaded before.
//! 3. The value is the one current at the load: a concurrent `store`
//!    swaps in another, which the next measurement sees.

use arc_swap::strategy::Strategy;
use arc_swap::{ArcSwapAny, RefCnt};

use crate::{Context, SizeOf};

/// The current value, loaded and measured as the `T` it is: an `Arc`'s
/// block once per traversal (fact 1). The guard of the load is held only
/// while the value is traversed.
#[cfg_attr(docsrs, doc(cfg(feature = "arc-swap")))]
impl<T, S> SizeOf for ArcSwapAny<T, S>
where
    T: RefCnt + SizeOf,
    S: Strategy<T>,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_kept(self.load());
    }
}
