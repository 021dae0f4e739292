//! `DashMap` and `DashSet` of `dashmap` 6.
//!
//! Layout facts of dashmap 6.2 (read from its source; the `raw-api` feature,
//! which this feature turns on, makes them public):
//!
//! 1. A map owns one boxed slice of shards, `Box<[CachePadded<RwLock<T>>]>`,
//!    given by `shards()`: one allocation of `Layout::for_value(shards)`.
//! 2. Each shard's table is a hashbrown 0.14 `RawTable<(K, SharedValue<V>)>`,
//!    whose `allocation_info()` gives the exact layout it was allocated with
//!    (zero-sized for a table that never allocated).
//! 3. A `DashSet<K>` is a `DashMap<K, ()>`; it has no public `hasher()`, so
//!    a set's hasher is not counted (std's and the usual hashers own no
//!    heap).
//!
//! Shards are read under `try_read`, by std's [lock policy](super::sync):
//! never blocking indefinitely, each shard's guard held only while its
//! entries are traversed, a shard a writer holds too long skipped and
//! counted in [`HeapStats::skipped`](crate::HeapStats::skipped).

use dashmap::{DashMap, DashSet, RwLock, SharedValue};
use hashbrown014::raw::RawTable;

use super::sync::acquire;
use crate::{Context, SizeOf};

/// One shard's table: its allocation (fact 2) and its entries.
#[cfg_attr(docsrs, doc(cfg(feature = "dashmap")))]
impl<K: SizeOf, V: SizeOf> SizeOf for RawTable<(K, SharedValue<V>)> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (ptr, layout) = self.allocation_info();
        cx.add_alloc(ptr.as_ptr(), layout);
        if !(K::is_heap_free() && V::is_heap_free()) {
            cx.descend(move |cx| {
                // SAFETY: the iterator and the buckets it yields do not
                // outlive `self` (they live inside this call, and the
                // references for `'a`, which `self` is borrowed for), and
                // `self` is not changed meanwhile: it is shared-borrowed, and
                // behind a shard's read guard that the traversal holds until
                // this work is done.
                for bucket in unsafe { self.iter() } {
                    // SAFETY: as above; a bucket from `iter` is full.
                    let (k, v): &'a (K, SharedValue<V>) = unsafe { bucket.as_ref() };
                    cx.add_entry(k, v.get());
                }
            });
        }
    }
}

/// The boxed slice of shards (fact 1), then each shard under its lock.
/// (`P` is crossbeam's `CachePadded`, which dereferences to the lock.)
fn add_shards<'a, P, K: SizeOf + 'a, V: SizeOf + 'a>(cx: &mut Context<'a>, shards: &'a [P])
where
    P: core::ops::Deref<Target = RwLock<RawTable<(K, SharedValue<V>)>>>,
{
    cx.add_alloc(
        shards.as_ptr() as *const u8,
        core::alloc::Layout::for_value(shards),
    );
    for shard in shards {
        cx.add_guarded(move |cx| acquire(cx, || shard.try_read()));
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "dashmap")))]
impl<K: SizeOf + Eq + core::hash::Hash, V: SizeOf, S: SizeOf + core::hash::BuildHasher + Clone>
    SizeOf for DashMap<K, V, S>
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("hasher", self.hasher());
        add_shards(cx, self.shards());
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "dashmap")))]
impl<K: SizeOf + Eq + core::hash::Hash, S: core::hash::BuildHasher + Clone> SizeOf
    for DashSet<K, S>
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_shards(cx, self.shards());
    }
}
