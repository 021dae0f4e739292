//! `LinkedHashMap`, `LinkedHashSet` and `LruCache` of the `hashlink` crate
//! (0.12).
//!
//! Layout facts of hashlink 0.12.2 (with hashbrown 0.17), read from its
//! source and held against the allocator in `tests/tests/ext_hashlink.rs`:
//!
//! 1. A `LinkedHashMap<K, V, S>` is a hashbrown `HashTable` of node
//!    pointers, the hasher `S`, and two node pointers: `values`, the guard
//!    node of the circular list of entries (allocated at the first insert,
//!    kept by `clear`), and `free`, a singly linked list of nodes that
//!    removals left for reuse (dropped by `shrink_to_fit`). Every node,
//!    guard and free ones included, is its own allocation,
//!    `{ entry: MaybeUninit<(K, V)>, links: union { value: { next, prev },
//!    free: { next } } }`. A `LinkedHashSet<T, S>` is a struct of exactly
//!    one `LinkedHashMap<T, (), S>`; an `LruCache<K, V, S>` is a
//!    `LinkedHashMap<K, V, S>` and its maximum size.
//! 2. The table's allocation is the hashbrown crate's (see `hash_table`),
//!    of buckets of one pointer. Its bucket count is not public, and
//!    `capacity()` (items plus growth left) falls below it after removals
//!    leave tombstones. Nor is the free list's length.
//! 3. So both are read from the map itself: outside the hasher (located by
//!    `hasher()`), the map is six words, the table's four (bucket mask,
//!    control pointer, growth left, items) and the two node pointers, all
//!    integers and pointers, in an order rustc chooses and the same for
//!    every `K`, `V` and `S` (none of those fields' types depends on them
//!    but through pointers). Which word is which is learned once from probe
//!    maps whose words are known; a free node's `next` sits where a mirror
//!    of the node with the same field types puts it, which the probe
//!    checks by freeing two nodes and following the list.
//! 4. An `LruCache` does not give out its map or hasher, but its
//!    `raw_entry()` builder is a struct of exactly one field, a reference
//!    to the map (size checked), through which the map is reached.
//! 5. A map whose words do not fit what the probe learned (a future
//!    hashlink) is measured from `capacity()` and `len()`: the table no
//!    smaller than its capacity and one node per entry plus the guard, a
//!    lower bound.

use core::hash::{BuildHasher, Hash};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};

use hashlink::linked_hash_map::RawEntryBuilder;
use hashlink::{LinkedHashMap, LinkedHashSet, LruCache};

use super::hash_table::{
    from_capacity, table_layout, usable, words_beside, ProbeHasher, CRATE_GROUP_WIDTH,
};
use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// A node, with the same field types as hashlink's `Node<K, V>` (fact 1),
/// so rustc gives it the same layout.
#[allow(dead_code)] // Only its layout is used.
struct Node<K, V> {
    entry: MaybeUninit<(K, V)>,
    links: Links,
}

/// hashlink's `Links<K, V>`: two node pointers, or one optional one.
#[allow(dead_code)] // Only its layout is used.
union Links {
    value: [*const (); 2],
    free: *const (),
}

/// Words of a map outside its hasher (fact 3).
const WORDS: usize = 6;

/// The word indices learned by the probe, one byte each (plus one):
/// mask, items, growth left, values, free. 0 before the probe ran,
/// `usize::MAX` when it failed.
static SLOTS: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Copy)]
struct Slots {
    mask: usize,
    items: usize,
    growth: usize,
    values: usize,
    free: usize,
}

/// A zero-sized hasher for the probe maps.
struct ProbeState;

impl BuildHasher for ProbeState {
    type Hasher = ProbeHasher;
    fn build_hasher(&self) -> ProbeHasher {
        ProbeHasher(0xcbf2_9ce4_8422_2325)
    }
}

/// The six words of a map or set whose hasher is `hasher`, read as
/// pointers (keeping the provenance of the node pointers among them).
fn words<M, S>(map: &M, hasher: &S) -> Option<[*const u8; WORDS]> {
    // SAFETY: `hasher` is the map's `hasher()`, inside it; outside it the
    // map (or the set, a struct of one map) holds only the table's four
    // word-sized fields and two optional node pointers (fact 3), all
    // initialized, with no padding between them. A map of another shape
    // gets `None` from the size check inside.
    unsafe { words_beside::<M, S, WORDS>(map, hasher) }
}

/// The addresses of `words`: the integers among them, as integers.
fn addrs(words: [*const u8; WORDS]) -> [usize; WORDS] {
    words.map(|p| p.addr())
}

/// The next node of the free list after the free node at `node`.
///
/// # Safety
///
/// `node` must be a free node of a live `LinkedHashMap<K, V, _>` that is
/// not changed meanwhile, and [`Node`] must have the layout of hashlink's
/// node (the probe checks it before any map is walked).
unsafe fn next_free<K, V>(node: *const u8) -> *const u8 {
    let at = core::mem::offset_of!(Node<K, V>, links);
    // SAFETY: a free node's `links.free.next`, an optional node pointer
    // written when the node was freed, sits at `at` (the caller's
    // contract), inside the node's allocation, aligned like a pointer.
    unsafe { node.add(at).cast::<*const u8>().read() }
}

/// The number of nodes on the free list that starts at `free`.
///
/// # Safety
///
/// As for [`next_free`], for every node on the list.
unsafe fn free_len<K, V>(mut free: *const u8) -> usize {
    let mut n = 0;
    while !free.is_null() {
        n += 1;
        // SAFETY: `free` is on the map's free list (our contract).
        free = unsafe { next_free::<K, V>(free) };
    }
    n
}

fn only(words: &[usize; WORDS], f: impl Fn(usize) -> bool) -> Option<usize> {
    let mut found = words.iter().enumerate().filter(|&(_, &w)| f(w));
    match (found.next(), found.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// Learns which word is which (fact 3).
fn probe() -> Option<Slots> {
    // A fresh map: only the control pointer (the static empty group) is
    // not zero.
    let fresh: LinkedHashMap<u64, u64, ProbeState> = LinkedHashMap::with_hasher(ProbeState);
    let w = addrs(words(&fresh, fresh.hasher())?);
    let ctrl = only(&w, |w| w != 0)?;
    // 14 slots: 16 buckets (mask 15); three entries: growth left 11; the
    // guard allocated; nothing freed.
    let mut map: LinkedHashMap<u64, u64, ProbeState> =
        LinkedHashMap::with_capacity_and_hasher(14, ProbeState);
    for i in 0..3 {
        map.insert(i, i);
    }
    let w = addrs(words(&map, map.hasher())?);
    let (mask, items, growth) = (
        only(&w, |w| w == 15)?,
        only(&w, |w| w == 3)?,
        only(&w, |w| w == 11)?,
    );
    let free = only(&w, |w| w == 0)?;
    let known = [ctrl, mask, items, growth, free];
    // The one word left: the guard, allocated by the first insert.
    let values = only(
        &core::array::from_fn(|i| usize::from(!known.contains(&i))),
        |x| x == 1,
    )?;
    if w[values] == 0 || (0..WORDS).any(|i| known.iter().filter(|&&k| k == i).count() > 1) {
        return None;
    }
    let slots = Slots {
        mask,
        items,
        growth,
        values,
        free,
    };
    // Free two nodes: the list is the second, then the first, then null.
    map.remove(&0);
    let first = words(&map, map.hasher())?[slots.free];
    map.remove(&1);
    let second = words(&map, map.hasher())?[slots.free];
    if first.is_null() || second.is_null() || first == second {
        return None;
    }
    // SAFETY: `second` is the head of `map`'s free list (the word the probe
    // found to stay null until a removal), a live node not changed
    // meanwhile. Whether `Node` mirrors hashlink's node is what is checked
    // here: the read stays inside the node's allocation either way (the
    // link is the node's last field, or its first, and the node holds
    // `(u64, u64)` and two pointers: any word-aligned offset below its
    // size is inside), and every word of a free node is initialized.
    let after_second = unsafe { next_free::<u64, u64>(second) };
    // SAFETY: as above, for `first`, the next node on the list.
    let after_first = unsafe { next_free::<u64, u64>(first) };
    (after_second == first && after_first.is_null()).then_some(slots)
}

fn slots() -> Option<Slots> {
    let mut known = SLOTS.load(Ordering::Relaxed);
    if known == 0 {
        known = probe().map_or(usize::MAX, |s| {
            [s.mask, s.items, s.growth, s.values, s.free]
                .iter()
                .enumerate()
                .fold(0, |acc, (i, &slot)| acc | (slot + 1) << (8 * i))
        });
        SLOTS.store(known, Ordering::Relaxed);
    }
    if known == usize::MAX {
        return None;
    }
    let at = |i: usize| ((known >> (8 * i)) & 0xff) - 1;
    Some(Slots {
        mask: at(0),
        items: at(1),
        growth: at(2),
        values: at(3),
        free: at(4),
    })
}

/// The table's bucket count and the number of nodes of a map of `K -> V`
/// with `len` entries and public capacity `capacity` (facts 3, 5).
fn shape<M, S, K, V>(map: &M, hasher: &S, len: usize, capacity: usize) -> (usize, usize) {
    let read = || {
        let s = slots()?;
        let p = words(map, hasher)?;
        let w = addrs(p);
        let buckets = w[s.mask].checked_add(1)?;
        let fits = w[s.items] == len
            && w[s.growth] == capacity.checked_sub(len)?
            && buckets.is_power_of_two()
            && (buckets == 1 || (buckets >= 4 && usable(buckets) >= capacity));
        if !fits {
            return None;
        }
        let guard = usize::from(w[s.values] != 0);
        // SAFETY: `w[s.free]` is the head of this map's free list (the word
        // the probe identified, in a map of the same shape), whose nodes
        // the map owns and, borrowed, does not change; the probe checked
        // that `Node` mirrors hashlink's node.
        let free = unsafe { free_len::<K, V>(p[s.free]) };
        Some((if buckets == 1 { 0 } else { buckets }, len + guard + free))
    };
    read().unwrap_or_else(|| (from_capacity(capacity), len + usize::from(len != 0)))
}

/// Adds the table and the nodes.
fn add_shape<K, V>(cx: &mut Context<'_>, (buckets, nodes): (usize, usize)) {
    if buckets != 0 {
        if let Some(layout) = table_layout::<*const ()>(buckets, CRATE_GROUP_WIDTH) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
    cx.add_allocs(Layout::new::<Node<K, V>>(), nodes);
}

/// The table, every node (guard and free list included) and the hasher,
/// exact after any history (fact 3), then what the entries own.
#[cfg_attr(docsrs, doc(cfg(feature = "hashlink")))]
impl<K: SizeOf, V: SizeOf, S: SizeOf> SizeOf for LinkedHashMap<K, V, S> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let shape = shape::<_, _, K, V>(self, self.hasher(), self.len(), self.capacity());
        add_shape::<K, V>(cx, shape);
        cx.add_field("hasher", self.hasher());
        if !(K::is_heap_free() && V::is_heap_free()) {
            cx.descend(move |cx| {
                for (k, v) in self.iter() {
                    cx.add_entry(k, v);
                }
            });
        }
    }
}

/// As its map (fact 1): exact after any history.
#[cfg_attr(docsrs, doc(cfg(feature = "hashlink")))]
impl<T: SizeOf + Eq + Hash, S: SizeOf + BuildHasher> SizeOf for LinkedHashSet<T, S> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let shape = shape::<_, _, T, ()>(self, self.hasher(), self.len(), self.capacity());
        add_shape::<T, ()>(cx, shape);
        cx.add_field("hasher", self.hasher());
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for v in self.iter() {
                    cx.add_element(v);
                }
            });
        }
    }
}

/// As its map, reached through `raw_entry()` (fact 4): exact after any
/// history.
#[cfg_attr(docsrs, doc(cfg(feature = "hashlink")))]
impl<K, V, S> SizeOf for LruCache<K, V, S>
where
    K: SizeOf + Eq + Hash,
    V: SizeOf,
    S: SizeOf + BuildHasher,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let builder: RawEntryBuilder<'a, K, V, S> = self.raw_entry();
        if size_of::<RawEntryBuilder<'a, K, V, S>>() != size_of::<&LinkedHashMap<K, V, S>>() {
            return;
        }
        // SAFETY: `RawEntryBuilder` is a struct of exactly one field, a
        // `&'a LinkedHashMap<K, V, S>` (fact 4; the sizes agree, checked
        // above), so its bytes are that reference, valid for `'a`.
        let map: &'a LinkedHashMap<K, V, S> = unsafe { core::mem::transmute_copy(&builder) };
        cx.add_field("map", map);
    }
}

heap_free_ext! { "hashlink":
    [] hashlink::DefaultHashBuilder,
    [] hashlink::DefaultHasher,
}
