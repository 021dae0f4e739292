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
//! 4. A `SparseSecondaryMap<K, V, S>` is a std `HashMap<u32, { version:
//!    u32, value: V }, S>` and a marker, and gives out neither the map nor
//!    its hasher.
//! 5. So it is viewed as a struct of the same field types in the same
//!    order, which rustc lays out the same way, and its map measured as the
//!    std `HashMap` it is: exact after any history, hasher included. The
//!    view is checked once against a probe map whose every byte is known,
//!    and on every map its length and capacity are checked to be where the
//!    view says. A map that fails either check is measured with its table
//!    as the smallest with its `capacity()` (see `hash_table`): exact
//!    unless removals left tombstones, then a lower bound, and the hasher
//!    not counted.

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
        cx.add_bound("the slots' spare capacity");
    }
}

#[cfg(feature = "std")]
mod sparse {
    use std::collections::hash_map::RandomState;
    use std::collections::HashMap;
    use std::hash::BuildHasher;
    use std::marker::PhantomData;
    use std::sync::atomic::{AtomicU8, Ordering};

    use slotmap::{DefaultKey, Key, SlotMap, SparseSecondaryMap};

    use super::add_values;
    use crate::impls::hash_table::{from_capacity, table_layout, GROUP_WIDTH};
    use crate::lib::size_of;
    use crate::{Context, SizeOf};

    /// The value of a `SparseSecondaryMap`'s table (fact 4).
    struct Slot<T> {
        #[allow(dead_code)] // Only its layout is used.
        version: u32,
        value: T,
    }

    impl<T: SizeOf> SizeOf for Slot<T> {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            cx.add_field("value", &self.value);
        }
        #[inline]
        fn is_heap_free() -> bool {
            T::is_heap_free()
        }
    }

    /// A `SparseSecondaryMap`, field for field (fact 5).
    struct View<K, V, S> {
        slots: HashMap<u32, Slot<V>, S>,
        #[allow(dead_code)] // Only its layout is used.
        _k: PhantomData<fn(K) -> K>,
    }

    /// Whether the view holds: 0 before the probe ran, 1 if it holds, 2 if
    /// not.
    static VIEW: AtomicU8 = AtomicU8::new(0);

    /// Checks the view against a map of known contents (fact 5).
    fn probe() -> bool {
        type M = SparseSecondaryMap<DefaultKey, u64, RandomState>;
        type V = View<DefaultKey, u64, RandomState>;
        let mut primary: SlotMap<DefaultKey, ()> = SlotMap::new();
        let mut map: M = SparseSecondaryMap::with_capacity(6);
        for _ in 0..3 {
            map.insert(primary.insert(()), 1);
        }
        if size_of::<M>() != size_of::<V>() {
            return false;
        }
        // SAFETY: the sizes agree (checked above), and every byte of the
        // probe is initialized: a std `RandomState` (two `u64` keys) and
        // the table's four words (bucket mask 7, control pointer, growth
        // left 4, items 3: none zero), no padding. So whatever word the
        // view reads, as whichever field, is an initialized, valid integer
        // or pointer. Only the length and capacity are read, nothing is
        // dereferenced.
        let v = unsafe { &*(&map as *const M).cast::<V>() };
        v.slots.len() == 3 && v.slots.capacity() == map.capacity()
    }

    /// Exact through the view (fact 5), table and hasher; else the table
    /// as the smallest with its capacity, a lower bound after removals.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "slotmap", feature = "std"))))]
    impl<K: Key, V: SizeOf, S: BuildHasher + SizeOf> SizeOf for SparseSecondaryMap<K, V, S> {
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let mut known = VIEW.load(Ordering::Relaxed);
            if known == 0 {
                known = if probe() { 1 } else { 2 };
                VIEW.store(known, Ordering::Relaxed);
            }
            if known == 1 && size_of::<Self>() == size_of::<View<K, V, S>>() {
                // SAFETY: the view has the same field types in the same
                // order as `SparseSecondaryMap` (fact 5), which rustc lays
                // out alike, as the probe confirmed on a map whose every
                // byte is known, and the sizes agree. It is only read,
                // while `self` is borrowed.
                let v: &'a View<K, V, S> =
                    unsafe { &*(self as *const Self).cast::<View<K, V, S>>() };
                if v.slots.len() == self.len() && v.slots.capacity() == self.capacity() {
                    cx.add_field("slots", &v.slots);
                    return;
                }
            }
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
