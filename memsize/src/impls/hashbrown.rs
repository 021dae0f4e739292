//! `HashMap`, `HashSet` and `HashTable` of the `hashbrown` crate (0.17).
//!
//! Layout facts of hashbrown 0.17, each held against the allocator in
//! `tests/tests/ext_hashbrown.rs`:
//!
//! 1. Each of the three owns one table allocation, whose size the crate
//!    reports itself with `allocation_size()` (0 for a table that never
//!    allocated): the figure is hashbrown's own, exact after any history.
//! 2. The allocation is aligned to `max(align_of::<T>(), W)`, with the
//!    crate's group width `W` (see `hash_table`), which is all this impl
//!    adds to hashbrown's figure.
//!    Its address is not public, so the allocation is added without one.
//! 3. Maps and sets hold their `BuildHasher` inline, measured as a field.

use core::hash::{BuildHasher, Hash};

use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};

use super::hash_table::{table_align, CRATE_GROUP_WIDTH};
use crate::adapt::{via_adapter, As, Same, SizeOfAs};
use crate::lib::Layout;
use crate::{Context, SizeOf};

/// Adds the table of buckets of `T` that hashbrown reports as `size` bytes.
#[inline]
fn add_table<T>(cx: &mut Context<'_>, size: usize) {
    if let Ok(layout) = Layout::from_size_align(size, table_align::<T>(CRATE_GROUP_WIDTH)) {
        cx.add_alloc(core::ptr::null(), layout);
    }
}

/// Exact after any history (hashbrown's `allocation_size()`), plus the
/// hasher. Constant time when keys and values own no heap. The bounds on
/// `K` and `S` are those hashbrown puts on `allocation_size()`. Through
/// adapters for its keys, values and hasher (see [`adapt`](crate::adapt))
/// too.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<K, V, S, KA, VA, SA> SizeOfAs<HashMap<K, V, S>> for HashMap<KA, VA, SA>
where
    K: Eq + Hash,
    S: BuildHasher,
    KA: SizeOfAs<K>,
    VA: SizeOfAs<V>,
    SA: SizeOfAs<S>,
{
    fn add_heap_as<'a>(map: &'a HashMap<K, V, S>, cx: &mut Context<'a>) {
        add_table::<(K, V)>(cx, map.allocation_size());
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

/// Exact after any history (hashbrown's `allocation_size()`), plus the
/// hasher. Constant time when the elements own no heap. The bounds on `T`
/// and `S` are those hashbrown puts on `allocation_size()`.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<T, S, A, SA> SizeOfAs<HashSet<T, S>> for HashSet<A, SA>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: SizeOfAs<T>,
    SA: SizeOfAs<S>,
{
    fn add_heap_as<'a>(set: &'a HashSet<T, S>, cx: &mut Context<'a>) {
        add_table::<(T, ())>(cx, set.allocation_size());
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

/// Exact after any history (hashbrown's `allocation_size()`). Constant time
/// when the elements own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<T, A: SizeOfAs<T>> SizeOfAs<HashTable<T>> for HashTable<A> {
    fn add_heap_as<'a>(table: &'a HashTable<T>, cx: &mut Context<'a>) {
        add_table::<T>(cx, table.allocation_size());
        if !A::is_heap_free_as() {
            cx.descend(move |cx| {
                for v in table {
                    cx.add_element(As::<A, T>::new(v));
                }
            });
        }
    }
}

via_adapter! {
    [K: SizeOf + Eq + Hash, V: SizeOf, S: SizeOf + BuildHasher] HashMap<K, V, S> => HashMap<Same, Same, Same>,
    [T: SizeOf + Eq + Hash, S: SizeOf + BuildHasher] HashSet<T, S> => HashSet<Same, Same>,
    [T: SizeOf] HashTable<T> => HashTable<Same>,
}

// hashbrown's default `BuildHasher`: a seed, held inline.
heap_free_ext! { "hashbrown":
    [] DefaultHashBuilder,
}
