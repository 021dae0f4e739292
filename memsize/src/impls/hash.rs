//! `HashMap` and `HashSet`: hashbrown's table, to the byte.
//!
//! Layout facts of std's `HashMap` (hashbrown's `RawTable`), each held
//! against the allocator in `tests/tests/hash.rs`:
//!
//! 1. A table of `B` buckets (a power of two) of `T = (K, V)` is one
//!    allocation: the buckets, padded to `A = max(align_of::<T>(), W)`,
//!    then `B + W` control bytes, aligned to `A`. `W` is the group width
//!    of the target: 16 with SSE2 (x86, x86_64) or LSX (loongarch64), 8 with
//!    NEON (aarch64) and on other 64-bit targets, 4 on other 32-bit ones;
//!    std under Miri always uses the portable 8 (4 on 32-bit).
//! 2. A map that never allocated (`new`, or `with_capacity(0)`) has a bucket
//!    mask of 0 and points at a static empty group: no allocation.
//! 3. `capacity()` is `items + growth_left`, and removals that leave
//!    tombstones do not give `growth_left` back: after churn `capacity()`
//!    falls while the table keeps all its buckets, so the bucket count can't
//!    be inverted from it. The table itself is four words, `bucket_mask`,
//!    `ctrl`, `growth_left` and `items` (in an order rustc chooses), next to
//!    the hasher `S` inside the map. `hasher()` tells where `S` sits, so the
//!    four words are found without touching `S`; `items` and `growth_left`
//!    are known from `len()` and `capacity()`, which leaves `bucket_mask` as
//!    the one word of the form `2^k - 1`, checked against the rest.

use std::collections::hash_map::{DefaultHasher, RandomState};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU16, Ordering};

use super::hash_table::{from_capacity, table_layout, usable, words_beside, GROUP_WIDTH};
use crate::adapt::{via_adapter, As, Same, SizeOfAs};
use crate::lib::size_of;
use crate::{Context, SizeOf};

/// What is known of a table from std's public API.
struct Known {
    len: usize,
    capacity: usize,
    /// The address of the bucket of the first entry iteration yields, where
    /// it was looked up (only to learn the table's word order; see
    /// [`WORD_ORDER`]).
    first_bucket: Option<usize>,
}

/// Which of the table's four words is `bucket_mask` (bits 0 and 1), which
/// the control pointer (bits 2 and 3), and which the two counters (bits 4
/// to 7), once learned (bit 8).
///
/// std's `RawTableInner`, which holds the four words, is not generic: their
/// order is the same in every map of the program. The first map whose words
/// identify the two without ambiguity teaches it; every later call reads the
/// mask directly and checks it against `len()` and `capacity()`, instead of
/// trying every pair of words (and looking up the first entry to tell
/// candidates apart).
static WORD_ORDER: AtomicU16 = AtomicU16::new(0);
const LEARNED: u16 = 1 << 8;

/// The bucket count of the table inside `map` (0 if it never allocated).
/// `hasher` is the map's `hasher()`, `T` the bucket type.
/// Also returns the table's address where it is known.
fn bucket_count<M, S, T>(
    map: &M,
    hasher: &S,
    known: &mut Known,
    first_bucket: impl FnOnce() -> Option<usize>,
) -> (usize, *const u8) {
    match read_bucket_mask::<M, S, T>(map, hasher, known, first_bucket) {
        Some((0, _)) => (0, core::ptr::null()),
        Some((mask, ctrl)) => {
            let buckets = mask + 1;
            // The buckets lie before the control bytes (fact 1).
            let start = table_layout::<T>(buckets, GROUP_WIDTH).map_or(core::ptr::null(), |l| {
                ctrl.wrapping_sub(l.size() - buckets - GROUP_WIDTH)
            });
            (buckets, start)
        }
        // Not the expected shape (a future std): fall back on `capacity()`,
        // exact for tables without tombstones.
        None => (from_capacity(known.capacity), core::ptr::null()),
    }
}

/// Reads `bucket_mask` and the control pointer (null where ambiguous) from
/// the table's four words (fact 3), or `None` if the map does not look as
/// expected.
fn read_bucket_mask<M, S, T>(
    map: &M,
    hasher: &S,
    known: &mut Known,
    first_bucket: impl FnOnce() -> Option<usize>,
) -> Option<(usize, *const u8)> {
    const WORDS: usize = 4;
    // SAFETY: `hasher` is the map's `hasher()`, inside it; outside it the
    // map holds only the table's four word-sized fields (fact 3),
    // initialized integers and a pointer. A map of any other shape (a
    // future std that adds a field) gets `None`, and the fallback.
    let words = unsafe { words_beside::<M, S, WORDS>(map, hasher) }?;
    let addrs = words.map(|w| w.addr());
    let growth_left = known.capacity.checked_sub(known.len)?;
    let order = WORD_ORDER.load(Ordering::Relaxed);
    if order & LEARNED != 0 {
        // The common path: the words where they were, checked against what
        // the public API says.
        let at = |shift: u16| addrs[usize::from((order >> shift) & 3)];
        let (mask, ctrl, a, b) = (at(0), at(2), at(4), at(6));
        let counters = (a == known.len && b == growth_left) || (b == known.len && a == growth_left);
        if counters && mask.wrapping_add(1).is_power_of_two() && plausible::<T>(mask, ctrl, known) {
            return Some((mask, words[usize::from((order >> 2) & 3)]));
        }
    }
    known.first_bucket = first_bucket();
    search::<T>(words, known, growth_left)
}

/// Finds the mask and the control pointer among the table's four `words`
/// by trying every pair, and learns their order where only one pair fits.
#[cold]
#[inline(never)]
fn search<T>(
    words: [*const u8; 4],
    known: &Known,
    growth_left: usize,
) -> Option<(usize, *const u8)> {
    const WORDS: usize = 4;
    let addrs = words.map(|w| w.addr());
    let fits = |m: usize, c: usize, known: &Known| {
        let mask = addrs[m];
        if m == c || mask.checked_add(1).is_none_or(|b| !b.is_power_of_two()) {
            return false;
        }
        let mut others = (0..WORDS).filter(|&i| i != m && i != c).map(|i| addrs[i]);
        let (Some(a), Some(b)) = (others.next(), others.next()) else {
            return false;
        };
        let counters = (a == known.len && b == growth_left) || (b == known.len && a == growth_left);
        counters && plausible::<T>(mask, addrs[c], known)
    };
    let mut found = None;
    let mut matches = 0;
    // Try each word as the mask and each other word as the control pointer;
    // the two left must be `items` and `growth_left`.
    let mut learned = 0;
    for (m, &mask) in addrs.iter().enumerate() {
        for (c, &ctrl) in words.iter().enumerate() {
            if !fits(m, c, known) {
                continue;
            }
            matches += 1;
            let mut others = (0..WORDS).filter(|&i| i != m && i != c);
            let (a, b) = (others.next().unwrap_or(0), others.next().unwrap_or(0));
            learned = LEARNED | m as u16 | (c as u16) << 2 | (a as u16) << 4 | (b as u16) << 6;
            match found {
                None => found = Some((mask, ctrl)),
                Some((f, p)) if f == mask => {
                    if p != ctrl {
                        found = Some((f, core::ptr::null()));
                    }
                }
                Some(_) => return None,
            }
        }
    }
    if matches == 1 {
        WORD_ORDER.store(learned, Ordering::Relaxed);
    }
    found
}

/// Checks a candidate mask and control pointer against what is known.
#[inline]
fn plausible<T>(mask: usize, ctrl: usize, known: &Known) -> bool {
    if ctrl == 0 {
        return false;
    }
    if mask == 0 {
        // The static empty singleton: nothing allocated, nothing stored.
        return known.capacity == 0 && known.len == 0;
    }
    let buckets = mask + 1;
    if buckets < 4 || usable(buckets) < known.capacity || known.len > usable(buckets) {
        return false;
    }
    match known.first_bucket {
        // Bucket `i` sits at `ctrl - (i + 1) * size_of::<T>()`.
        Some(bucket) if size_of::<T>() != 0 => {
            let size = size_of::<T>();
            ctrl > bucket
                && (ctrl - bucket) % size == 0
                && (ctrl - bucket) / size <= buckets
                && ctrl % core::mem::align_of::<T>().max(GROUP_WIDTH) == 0
        }
        _ => true,
    }
}

/// Adds a table of `buckets` buckets of `T`.
#[inline]
fn add_table<T>(cx: &mut Context<'_>, (buckets, start): (usize, *const u8)) {
    if buckets != 0 {
        if let Some(layout) = table_layout::<T>(buckets, GROUP_WIDTH) {
            cx.add_alloc(start, layout);
        }
    }
}

/// Exact after any history of inserts and removals, hasher included (a
/// `BuildHasher` that owns heap, a table of keys say, counts it through its
/// own `SizeOf`). Constant time when keys, values and hasher own no heap
/// (one look at the first entry), else one pass.
impl<K, V, S, KA, VA, SA> SizeOfAs<HashMap<K, V, S>> for HashMap<KA, VA, SA>
where
    KA: SizeOfAs<K>,
    VA: SizeOfAs<V>,
    SA: SizeOfAs<S>,
{
    fn add_heap_as<'a>(map: &'a HashMap<K, V, S>, cx: &mut Context<'a>) {
        let first_bucket = || {
            let first = if map.is_empty() {
                None
            } else {
                map.iter().next()
            };
            first.map(|(k, v)| {
                if size_of::<K>() != 0 {
                    k as *const K as usize - core::mem::offset_of!((K, V), 0)
                } else {
                    v as *const V as usize - core::mem::offset_of!((K, V), 1)
                }
            })
        };
        let mut known = Known {
            len: map.len(),
            capacity: map.capacity(),
            first_bucket: None,
        };
        add_table::<(K, V)>(
            cx,
            bucket_count::<HashMap<K, V, S>, S, (K, V)>(
                map,
                map.hasher(),
                &mut known,
                first_bucket,
            ),
        );
        if !SA::is_heap_free_as() {
            cx.add_field("hasher", As::<SA, S>::new(map.hasher()));
        }
        if !(KA::is_heap_free_as() && VA::is_heap_free_as()) {
            cx.descend(move |cx| {
                for (k, v) in map {
                    cx.add_sized_entry(As::<KA, K>::new(k), As::<VA, V>::new(v));
                }
            });
        }
    }
}

/// A `HashSet<T>` is a `HashMap<T, ()>`: buckets of `(T, ())`, and the
/// hasher's own heap.
impl<T, S, A: SizeOfAs<T>, SA: SizeOfAs<S>> SizeOfAs<HashSet<T, S>> for HashSet<A, SA> {
    fn add_heap_as<'a>(set: &'a HashSet<T, S>, cx: &mut Context<'a>) {
        let first_bucket = || {
            let first = if set.is_empty() {
                None
            } else {
                set.iter().next()
            };
            first.map(|v| v as *const T as usize - core::mem::offset_of!((T, ()), 0))
        };
        let mut known = Known {
            len: set.len(),
            capacity: set.capacity(),
            first_bucket: None,
        };
        add_table::<(T, ())>(
            cx,
            bucket_count::<HashSet<T, S>, S, (T, ())>(set, set.hasher(), &mut known, first_bucket),
        );
        if !SA::is_heap_free_as() {
            cx.add_field("hasher", As::<SA, S>::new(set.hasher()));
        }
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
    [K: SizeOf, V: SizeOf, S: SizeOf] HashMap<K, V, S> => HashMap<Same, Same, Same>,
    [T: SizeOf, S: SizeOf] HashSet<T, S> => HashSet<Same, Same>,
}

// std's hashers hold a few integers (`RandomState` two keys,
// `DefaultHasher` its SipHash state) and never own heap.
heap_free! {
    [] RandomState,
    [] DefaultHasher,
    [H] BuildHasherDefault<H>,
}
