//! `IndexMap` and `IndexSet` of the `indexmap` crate (2.x).
//!
//! Layout facts of indexmap 2.14 (with hashbrown 0.17), each held against
//! the allocator in `tests/tests/ext_indexmap.rs`:
//!
//! 1. An `IndexMap<K, V, S>` is a core and the hasher `S`. The core is two
//!    fields: the entries, a `Vec` of `{ hash: usize, key: K, value: V }`,
//!    and the indices, a hashbrown `HashTable<usize>` mapping hashes to
//!    positions in the entries. An `IndexSet<T, S>` is an
//!    `IndexMap<T, (), S>`.
//! 2. The public `capacity()` is the smaller of the two capacities, and
//!    neither is public on its own: `with_capacity(n)` gives the entries
//!    exactly `n` slots but the indices a table of at least `n`; removals
//!    (`swap_remove`, `shift_remove`) keep the entries' buffer while leaving
//!    tombstones that lower the table's reported capacity. So the two are
//!    read from the core itself: seven words, the entries' `Vec` (pointer,
//!    capacity, length) and the table (bucket mask, control pointer, growth
//!    left, items), all integers and pointers, in an order rustc chooses
//!    and the same for every `K` and `V` (the field types are `Vec<_>` and
//!    `HashTable<usize>`, whose layouts do not depend on `K` and `V`).
//! 3. Which word is which is learned once, from a map whose words are all
//!    known: `with_capacity(6)` and two inserts give an entries capacity of
//!    6 and a table of 8 buckets (mask 7), growth left 5, length 2. A map
//!    whose size or words do not fit that shape (a future indexmap) is
//!    measured from the public `capacity()` instead, a lower bound.
//! 4. The table's allocation is the hashbrown crate's (see `hash_table`,
//!    with the crate's group width), of buckets of `usize`.

use core::hash::BuildHasher;
use core::sync::atomic::{AtomicUsize, Ordering};

use indexmap::{IndexMap, IndexSet};

use super::hash_table::{table_layout, words_beside, ProbeHasher, CRATE_GROUP_WIDTH};
use crate::adapt::{via_adapter, As, Same, SizeOfAs};
use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// The element of the entries' `Vec`: the same field types as indexmap's
/// `Bucket`, so rustc gives it the same size and alignment (fact 1).
#[allow(dead_code)] // Only its layout is used.
struct Bucket<K, V> {
    hash: usize,
    key: K,
    value: V,
}

/// Words in the core (fact 2).
const CORE_WORDS: usize = 7;

/// Where the entries' capacity and the table's bucket mask sit in the core,
/// as word indices: `1 + cap | (1 + mask) << 8`, 0 before the probe ran,
/// `usize::MAX` where the core did not have the expected shape.
static SLOTS: AtomicUsize = AtomicUsize::new(0);

/// A zero-sized hasher for the probe map.
struct ProbeState;

impl BuildHasher for ProbeState {
    type Hasher = ProbeHasher;
    fn build_hasher(&self) -> ProbeHasher {
        ProbeHasher(0xcbf2_9ce4_8422_2325)
    }
}

/// Reads the core's words out of `map`, whose hasher sits at `hasher`.
/// `None` if the map is not a core of seven words and the hasher.
fn core_words<M, S>(map: &M, hasher: &S) -> Option<[usize; CORE_WORDS]> {
    // SAFETY: `hasher` is the map's `hasher()`, inside it; outside it the
    // map holds only the core: seven word-sized integer and pointer fields
    // with no padding between them (fact 2).
    let words = unsafe { words_beside::<M, S, CORE_WORDS>(map, hasher) }?;
    Some(words.map(|w| w as usize))
}

/// The word indices of the entries' capacity and the bucket mask (fact 3).
fn slots() -> Option<(usize, usize)> {
    let mut known = SLOTS.load(Ordering::Relaxed);
    if known == 0 {
        known = probe().map_or(usize::MAX, |(c, m)| (1 + c) | (1 + m) << 8);
        SLOTS.store(known, Ordering::Relaxed);
    }
    if known == usize::MAX {
        None
    } else {
        Some(((known & 0xff) - 1, (known >> 8) - 1))
    }
}

/// Builds a map whose words are known and finds the two that matter.
fn probe() -> Option<(usize, usize)> {
    let mut map: IndexMap<u64, (), ProbeState> = IndexMap::with_capacity_and_hasher(6, ProbeState);
    map.insert(1, ());
    map.insert(2, ());
    let words = core_words(&map, map.hasher())?;
    let only = |f: &dyn Fn(usize) -> bool| {
        let mut found = words.iter().enumerate().filter(|&(_, &w)| f(w));
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    let cap = only(&|w| w == 6)?;
    let mask = only(&|w| w == 7)?;
    // The rest: growth left 5, the two lengths 2, and two pointers.
    let fives = words.iter().filter(|&&w| w == 5).count();
    let twos = words.iter().filter(|&&w| w == 2).count();
    (fives == 1 && twos == 2).then_some((cap, mask))
}

/// The usable capacity of a table of `buckets` buckets without tombstones.
fn usable(buckets: usize) -> usize {
    if buckets <= 8 {
        buckets - 1
    } else {
        buckets / 8 * 7
    }
}

/// The entries' capacity and the table's bucket count of a map with `len`
/// entries and public capacity `capacity` (fact 2), read from its words, or
/// the lower bound from `capacity` where the words do not fit.
fn capacities<M, S>(map: &M, hasher: &S, len: usize, capacity: usize) -> (usize, usize) {
    let read = || {
        let (c, m) = slots()?;
        let words = core_words(map, hasher)?;
        let (entries, mask) = (words[c], words[m]);
        let buckets = mask.checked_add(1)?;
        let fits = entries >= capacity
            && entries >= len
            && buckets.is_power_of_two()
            && if buckets == 1 {
                len == 0
            } else {
                buckets >= 4 && usable(buckets) >= capacity.max(len)
            };
        fits.then_some((entries, if buckets == 1 { 0 } else { buckets }))
    };
    read().unwrap_or_else(|| from_public(capacity))
}

/// The lower bound from the public `capacity()` alone: the entries' buffer
/// and the index table no smaller than it. Exact where the two capacities
/// agree and the table has no tombstones (a map only inserted into).
fn from_public(capacity: usize) -> (usize, usize) {
    let mut buckets = 0;
    if capacity > 0 {
        buckets = 4usize;
        while usable(buckets) < capacity {
            buckets = buckets.saturating_mul(2);
        }
    }
    (capacity, buckets)
}

/// Adds the entries' buffer and the index table of a map of `K -> V` that
/// is not reachable itself (inside another crate's type) from its public
/// `capacity()`: a lower bound, see [`from_public`].
#[allow(dead_code)] // Unused without the crates that hold maps privately.
pub(super) fn add_from_capacity<K, V>(cx: &mut Context<'_>, capacity: usize) {
    add_core::<K, V>(cx, from_public(capacity));
}

/// Adds the entries' buffer and the index table.
fn add_core<K, V>(cx: &mut Context<'_>, (entries, buckets): (usize, usize)) {
    if size_of::<Bucket<K, V>>() != 0 {
        if let Ok(layout) = Layout::array::<Bucket<K, V>>(entries) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
    if buckets != 0 {
        if let Some(layout) = table_layout::<usize>(buckets, CRATE_GROUP_WIDTH) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
}

/// The entries' buffer and the index table, exact after any history
/// (facts 2, 3), plus the hasher. Constant time when keys and values own no
/// heap. Through adapters for its keys, values and hasher (see
/// [`adapt`](crate::adapt)) too.
#[cfg_attr(docsrs, doc(cfg(feature = "indexmap")))]
impl<K, V, S, KA, VA, SA> SizeOfAs<IndexMap<K, V, S>> for IndexMap<KA, VA, SA>
where
    KA: SizeOfAs<K>,
    VA: SizeOfAs<V>,
    SA: SizeOfAs<S>,
{
    fn add_heap_as<'a>(map: &'a IndexMap<K, V, S>, cx: &mut Context<'a>) {
        let caps = capacities(map, map.hasher(), map.len(), map.capacity());
        add_core::<K, V>(cx, caps);
        cx.add_field("hasher", As::<SA, S>::new(map.hasher()));
        if !(KA::is_heap_free_as() && VA::is_heap_free_as()) {
            cx.descend(move |cx| {
                for (k, v) in map {
                    cx.add_sized_entry(As::<KA, K>::new(k), As::<VA, V>::new(v));
                }
            });
        }
    }
}

/// The entries' buffer and the index table, exact after any history
/// (facts 2, 3), plus the hasher. Constant time when the values own no
/// heap.
#[cfg_attr(docsrs, doc(cfg(feature = "indexmap")))]
impl<T, S, A: SizeOfAs<T>, SA: SizeOfAs<S>> SizeOfAs<IndexSet<T, S>> for IndexSet<A, SA> {
    fn add_heap_as<'a>(set: &'a IndexSet<T, S>, cx: &mut Context<'a>) {
        let caps = capacities(set, set.hasher(), set.len(), set.capacity());
        add_core::<T, ()>(cx, caps);
        cx.add_field("hasher", As::<SA, S>::new(set.hasher()));
        if !A::is_heap_free_as() {
            cx.descend(move |cx| {
                for v in set {
                    cx.add_element(As::<A, T>::new(v));
                }
            });
        }
    }
}

via_adapter! {
    [K: SizeOf, V: SizeOf, S: SizeOf] IndexMap<K, V, S> => IndexMap<Same, Same, Same>,
    [T: SizeOf, S: SizeOf] IndexSet<T, S> => IndexSet<Same, Same>,
}
