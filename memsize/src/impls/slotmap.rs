//! `SlotMap`, `HopSlotMap`, `DenseSlotMap`, `SecondaryMap` and, with
//! `std`, `SparseSecondaryMap` of the `slotmap` crate (1.x).
//!
//! Layout facts of slotmap 1.1, held against the allocator in
//! `tests/tests/ext_slotmap.rs`:
//!
//! 1. A `SlotMap<K, V>` owns one `Vec` of slots, each a
//!    `{ u: union { value: ManuallyDrop<V>, next_free: u32 }, version: u32 }`;
//!    a `HopSlotMap` the same with a free-list entry of three `u32`s in the
//!    union. Slot 0 is a sentinel, and `capacity()` is the `Vec`'s capacity
//!    less one: the buffer is exactly `capacity() + 1` slots. Removed
//!    values leave vacant slots, which stay capacity.
//! 2. A `SecondaryMap<K, V>` owns one `Vec` of slots, an enum
//!    `{ Occupied { value: V, version: NonZeroU32 }, Vacant }`, with the
//!    same sentinel: `capacity() + 1` slots.
//! 3. A `DenseSlotMap<K, V>` owns three `Vec`s: the keys (`capacity()` is
//!    theirs), the values, and the slots (two `u32`s each, one a sentinel).
//!    The values are pushed, reserved and removed in step with the keys, and
//!    `Vec` grows alike for elements of 2 to 1,024 bytes, so for such `V`
//!    the values' capacity is the keys'. The slots' capacity is not public:
//!    they are taken as `len() + 1`, the fewest there can be. So a
//!    `DenseSlotMap` is a lower bound, short by the slots' spare capacity
//!    (and for a `V` of 1 byte or over 1,024 bytes, counted by `len()`, by
//!    the values' spare capacity too); the allocation count is exact.
//! 4. A `SparseSecondaryMap<K, V, S>` owns a std `HashMap<u32, { version:
//!    u32, value: V }, S>`, which it does not give out, nor its hasher: the
//!    table is taken as the smallest one with its `capacity()` (std's
//!    bucket rule, see `hash_table`), exact unless removals left tombstones
//!    that lowered the reported capacity, then a lower bound. The hasher
//!    `S` is not counted (std's `RandomState` owns no heap).

use core::num::NonZeroU32;

// slotmap 1.1 deprecates `HopSlotMap` (for its 2.0) but keeps it, and maps
// of it still live in programs.
#[allow(deprecated)]
use slotmap::HopSlotMap;
use slotmap::{DenseSlotMap, Key, SecondaryMap, SlotMap};

use core::mem::ManuallyDrop;

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// A slot of a `SlotMap` (fact 1): the same field types as slotmap's, so
/// rustc gives it the same size and alignment.
#[allow(dead_code)] // Only its layout is used.
struct Slot<U> {
    u: U,
    version: u32,
}

#[allow(dead_code)] // Only its layout is used.
union BasicUnion<T> {
    value: ManuallyDrop<T>,
    next_free: u32,
}

#[allow(dead_code)] // Only its layout is used.
#[derive(Clone, Copy)]
struct FreeListEntry {
    next: u32,
    prev: u32,
    other_end: u32,
}

#[allow(dead_code)] // Only its layout is used.
union HopUnion<T> {
    value: ManuallyDrop<T>,
    free: FreeListEntry,
}

/// A slot of a `SecondaryMap` (fact 2).
#[allow(dead_code)] // Only its layout is used.
enum SecondarySlot<T> {
    Occupied { value: T, version: NonZeroU32 },
    Vacant,
}

/// A slot of a `DenseSlotMap` (fact 3).
#[allow(dead_code)] // Only its layout is used.
struct DenseSlot {
    version: u32,
    idx_or_free: u32,
}

/// Adds a buffer of `n` elements of `T`.
#[inline]
fn add_buffer<T>(cx: &mut Context<'_>, n: usize) {
    if let Ok(layout) = Layout::array::<T>(n) {
        cx.add_alloc(core::ptr::null(), layout);
    }
}

/// Adds what the values own.
#[inline]
fn add_values<'a, V: SizeOf + 'a>(cx: &mut Context<'a>, values: impl Iterator<Item = &'a V> + 'a) {
    if !V::is_heap_free() {
        cx.descend(move |cx| {
            for v in values {
                cx.add_element(v);
            }
        });
    }
}

/// The slots by capacity, vacant ones included (fact 1): exact after any
/// history. Constant time when the values own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "slotmap")))]
impl<K: Key, V: SizeOf> SizeOf for SlotMap<K, V> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_buffer::<Slot<BasicUnion<V>>>(cx, self.capacity() + 1);
        add_values(cx, self.values());
    }
}

/// The slots by capacity, vacant ones included (fact 1): exact after any
/// history. Constant time when the values own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "slotmap")))]
#[allow(deprecated)] // See the `use`.
impl<K: Key, V: SizeOf> SizeOf for HopSlotMap<K, V> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_buffer::<Slot<HopUnion<V>>>(cx, self.capacity() + 1);
        add_values(cx, self.values());
    }
}

/// The slots by capacity (fact 2): exact after any history. Constant time
/// when the values own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "slotmap")))]
impl<K: Key, V: SizeOf> SizeOf for SecondaryMap<K, V> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_buffer::<SecondarySlot<V>>(cx, self.capacity() + 1);
        add_values(cx, self.values());
    }
}

/// A lower bound (fact 3): the keys exact, the values exact for a `V` of 2
/// to 1,024 bytes, the slots as few as there can be. The allocation count
/// is exact.
#[cfg_attr(docsrs, doc(cfg(feature = "slotmap")))]
impl<K: Key, V: SizeOf> SizeOf for DenseSlotMap<K, V> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let keys = self.capacity();
        add_buffer::<K>(cx, keys);
        let values = if (2..=1024).contains(&size_of::<V>()) {
            keys
        } else {
            self.len()
        };
        add_buffer::<V>(cx, values);
        add_buffer::<DenseSlot>(cx, self.len() + 1);
        add_values(cx, self.values());
    }
}

#[cfg(feature = "std")]
mod sparse {
    use std::hash::BuildHasher;

    use slotmap::{Key, SparseSecondaryMap};

    use super::add_values;
    use crate::impls::hash_table::{from_capacity, table_layout, GROUP_WIDTH};
    use crate::{Context, SizeOf};

    /// The value of a `SparseSecondaryMap`'s table (fact 4).
    #[allow(dead_code)] // Only its layout is used.
    struct Slot<T> {
        version: u32,
        value: T,
    }

    /// The table as the smallest with its capacity (fact 4): exact without
    /// tombstones, else a lower bound. The hasher is not counted.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "slotmap", feature = "std"))))]
    impl<K: Key, V: SizeOf, S: BuildHasher> SizeOf for SparseSecondaryMap<K, V, S> {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let buckets = from_capacity(self.capacity());
            if buckets != 0 {
                if let Some(layout) = table_layout::<(u32, Slot<V>)>(buckets, GROUP_WIDTH) {
                    cx.add_alloc(core::ptr::null(), layout);
                }
            }
            add_values(cx, self.values());
        }
    }
}
