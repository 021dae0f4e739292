//! `LruCache` of the `lru` crate (0.19).
//!
//! Layout facts of lru 0.19.2 (with hashbrown 0.17, lru's default
//! `hashbrown` feature, which this feature keeps on), read from its source
//! and held against the allocator in `tests/tests/ext_lru.rs`:
//!
//! 1. An `LruCache<K, V, S>` is `{ map: hashbrown::HashMap<KeyRef<K>,
//!    NonNull<LruEntry<K, V>>, S>, cap: NonZeroUsize, head, tail }`, where
//!    `KeyRef<K>` is a pointer to the key inside its entry and `head` and
//!    `tail` point to two sigil entries. Every entry is a
//!    `Box<LruEntry<K, V>>`, `{ key: MaybeUninit<K>, val: MaybeUninit<V>,
//!    prev, next }`, one allocation each: `len()` entries plus the two
//!    sigils, always allocated.
//! 2. The map's table depends on history, not on `cap()` or `len()`: a
//!    bounded cache preallocates for `cap`, and eviction churn (a remove
//!    and an insert per put) leaves tombstones that can make hashbrown
//!    double the table. The map is not public, nor its hasher, but the
//!    hashbrown crate reports a table's size itself (`allocation_size()`),
//!    and the map is of the very `hashbrown::HashMap` type memsize measures.
//! 3. So the cache is viewed as [`Mirror`], a struct with the same field
//!    types in the same order (the map's key and value types are pointers,
//!    mirrored by pointers), which rustc lays out the same way, and its map
//!    is measured as the hashbrown map it is: table and hasher, exact. The
//!    mirror is checked once against a probe cache whose every byte is
//!    known (`-Zrandomize-layout` would fail the check), and on every cache
//!    its capacity and length are checked to be where the mirror says.
//!    A cache that fails either check is measured with its table taken as
//!    the smallest that holds `len()` entries, a lower bound.

use core::hash::{BuildHasher, Hash, Hasher};
use core::mem::MaybeUninit;
use core::num::NonZeroUsize;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU8, Ordering};

use lru::LruCache;

use super::hash_table::{from_capacity, table_layout, ProbeHasher, CRATE_GROUP_WIDTH};
use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// lru's `KeyRef<K>`: a pointer to a key.
struct KeyRef<K> {
    k: *const K,
}

// The mirror's map is only measured, never looked up in: these exist for
// the bounds hashbrown puts on `allocation_size()`.
impl<K> PartialEq for KeyRef<K> {
    fn eq(&self, other: &Self) -> bool {
        self.k == other.k
    }
}
impl<K> Eq for KeyRef<K> {}
impl<K> Hash for KeyRef<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.k.hash(state);
    }
}
impl<K> SizeOf for KeyRef<K> {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        true
    }
}

/// lru's `LruEntry<K, V>` (fact 1).
#[allow(dead_code)] // Only its layout is used.
struct Entry<K, V> {
    key: MaybeUninit<K>,
    val: MaybeUninit<V>,
    prev: *mut Entry<K, V>,
    next: *mut Entry<K, V>,
}

/// lru's `LruCache<K, V, S>`, field for field (fact 3).
#[allow(dead_code)] // Only `map` and `cap` are read.
struct Mirror<K, V, S> {
    map: hashbrown::HashMap<KeyRef<K>, NonNull<Entry<K, V>>, S>,
    cap: NonZeroUsize,
    head: *mut Entry<K, V>,
    tail: *mut Entry<K, V>,
}

/// Whether the mirror holds: 0 before the probe ran, 1 if it holds, 2 if
/// not.
static MIRROR: AtomicU8 = AtomicU8::new(0);

/// An eight-byte hasher whose bytes are known, for the probe.
struct ProbeState(u64);

impl BuildHasher for ProbeState {
    type Hasher = ProbeHasher;
    fn build_hasher(&self) -> ProbeHasher {
        ProbeHasher(self.0)
    }
}

const PROBE_SEED: u64 = 0x5eed_1234_abcd_0077;

/// Checks the mirror against a cache of known contents (fact 3).
fn probe() -> bool {
    let Some(cap) = NonZeroUsize::new(5) else {
        return false;
    };
    let mut cache: LruCache<u64, u64, ProbeState> =
        LruCache::with_hasher(cap, ProbeState(PROBE_SEED));
    cache.put(1, 10);
    cache.put(2, 20);
    if size_of::<LruCache<u64, u64, ProbeState>>() != size_of::<Mirror<u64, u64, ProbeState>>() {
        return false;
    }
    // SAFETY: the two types have the same size (checked above), and every
    // byte of the probe cache is initialized: all its fields are words
    // (the map's hasher, a `u64`; its table's four words; the capacity and
    // the two sigil pointers) and none has padding, and none is zero (a
    // seed, mask 7, growth left 5, two items, capacity 5, pointers). So
    // whatever word the mirror reads, as whichever field, is an
    // initialized, valid integer or pointer; it is only read, and nothing
    // read is dereferenced.
    let mirror = unsafe {
        &*(&cache as *const LruCache<u64, u64, ProbeState>).cast::<Mirror<u64, u64, ProbeState>>()
    };
    let buckets = from_capacity(5);
    let table = table_layout::<(KeyRef<u64>, NonNull<()>)>(buckets, CRATE_GROUP_WIDTH);
    mirror.map.hasher().0 == PROBE_SEED
        && mirror.cap == cap
        && mirror.map.len() == 2
        && Some(mirror.map.allocation_size()) == table.map(|l| l.size())
}

fn mirror_holds() -> bool {
    let mut known = MIRROR.load(Ordering::Relaxed);
    if known == 0 {
        known = if probe() { 1 } else { 2 };
        MIRROR.store(known, Ordering::Relaxed);
    }
    known == 1
}

/// The map (table and hasher) exact through the mirror (fact 3), every
/// entry and both sigils (fact 1), then what the keys and values own.
#[cfg_attr(docsrs, doc(cfg(feature = "lru")))]
impl<K, V, S> SizeOf for LruCache<K, V, S>
where
    K: SizeOf + Hash + Eq,
    V: SizeOf,
    S: SizeOf + BuildHasher,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let mut measured = false;
        if mirror_holds() && size_of::<Self>() == size_of::<Mirror<K, V, S>>() {
            // SAFETY: the mirror has the same field types in the same order
            // as `LruCache` (fact 3), which rustc lays out alike, as the
            // probe confirmed on a cache whose every byte is known, and the
            // sizes agree. The view is only read, for as long as `self` is
            // borrowed.
            let mirror: &'a Mirror<K, V, S> =
                unsafe { &*(self as *const Self).cast::<Mirror<K, V, S>>() };
            if mirror.cap == self.cap() && mirror.map.len() == self.len() {
                cx.add_field("map", &mirror.map);
                measured = true;
            }
        }
        if !measured {
            let buckets = from_capacity(self.len());
            if buckets != 0 {
                if let Some(layout) =
                    table_layout::<(KeyRef<K>, NonNull<()>)>(buckets, CRATE_GROUP_WIDTH)
                {
                    cx.add_alloc(core::ptr::null(), layout);
                }
            }
        }
        cx.add_allocs(Layout::new::<Entry<K, V>>(), self.len() + 2);
        if !(K::is_heap_free() && V::is_heap_free()) {
            cx.descend(move |cx| {
                for (k, v) in self.iter() {
                    cx.add_entry(k, v);
                }
            });
        }
    }
}
