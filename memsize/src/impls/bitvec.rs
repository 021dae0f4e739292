//! `BitVec` and `BitBox` of the `bitvec` crate (1.x).
//!
//! Layout facts of bitvec 1.1, held against the allocator in
//! `tests/tests/ext_bitvec.rs`:
//!
//! 1. A `BitVec<T, O>` owns one buffer of `T` elements, a `Vec<T>`'s (it
//!    converts to and from one without touching the allocator), whose
//!    element capacity it keeps. Its public `capacity()` is in bits:
//!    that element capacity times the bits of a `T`, less the bit the live
//!    bits start at in the first element (`as_bitptr().bit()`, nonzero
//!    only for vectors made from a slice that starts mid-element). So the
//!    element capacity is exactly `(capacity() + head) / bits`.
//! 2. A `BitBox<T, O>` owns a `Box<[T]>` of exactly the elements its bits
//!    touch (`as_raw_slice()`).
//! 3. Bits own no heap: nothing is visited.

use bitvec::boxed::BitBox;
use bitvec::order::BitOrder;
use bitvec::store::BitStore;
use bitvec::vec::BitVec;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The buffer by its element capacity (fact 1): exact after any history.
#[cfg_attr(docsrs, doc(cfg(feature = "bitvec")))]
impl<T: BitStore, O: BitOrder> SizeOf for BitVec<T, O> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let bits = core::mem::size_of::<T>() * 8;
        let head = self.as_bitptr().bit().into_inner() as usize;
        let elements = self.capacity().saturating_add(head) / bits;
        if let Ok(layout) = Layout::array::<T>(elements) {
            cx.add_alloc(self.as_raw_slice().as_ptr().cast(), layout);
        }
    }
}

/// The boxed elements (fact 2).
#[cfg_attr(docsrs, doc(cfg(feature = "bitvec")))]
impl<T: BitStore, O: BitOrder> SizeOf for BitBox<T, O> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let raw = self.as_raw_slice();
        cx.add_alloc(raw.as_ptr().cast(), Layout::for_value(raw));
    }
}
