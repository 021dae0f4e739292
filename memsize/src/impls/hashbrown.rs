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
/// `K` and `S` are those hashbrown puts on `allocation_size()`.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<K, V, S> SizeOf for HashMap<K, V, S>
where
    K: SizeOf + Eq + Hash,
    V: SizeOf,
    S: SizeOf + BuildHasher,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_table::<(K, V)>(cx, self.allocation_size());
        cx.add_field("hasher", self.hasher());
        if !(K::is_heap_free() && V::is_heap_free()) {
            cx.descend(move |cx| {
                for (k, v) in self {
                    cx.add_entry(k, v);
                }
            });
        }
    }
}

/// Exact after any history (hashbrown's `allocation_size()`), plus the
/// hasher. Constant time when the elements own no heap. The bounds on `T`
/// and `S` are those hashbrown puts on `allocation_size()`.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<T, S> SizeOf for HashSet<T, S>
where
    T: SizeOf + Eq + Hash,
    S: SizeOf + BuildHasher,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_table::<(T, ())>(cx, self.allocation_size());
        cx.add_field("hasher", self.hasher());
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for v in self {
                    cx.add_element(v);
                }
            });
        }
    }
}

/// Exact after any history (hashbrown's `allocation_size()`). Constant time
/// when the elements own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl<T: SizeOf> SizeOf for HashTable<T> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_table::<T>(cx, self.allocation_size());
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for v in self {
                    cx.add_element(v);
                }
            });
        }
    }
}

/// hashbrown's default `BuildHasher`: a seed, held inline.
#[cfg_attr(docsrs, doc(cfg(feature = "hashbrown")))]
impl SizeOf for DefaultHashBuilder {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        true
    }
}
