//! DashMap and DashSet against the allocator: the shard slice, each shard's
//! table and the entries' heap, after growth and removal.
#![cfg(feature = "dashmap")]

use std::alloc::System;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher};

use dashmap::{DashMap, DashSet};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{heap_stats, Context, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn maps_of_any_history() {
    assert_heap_exact(DashMap::<u64, u64>::new());
    assert_heap_exact(DashMap::<u64, u64>::with_capacity(1000));
    for n in [1u64, 10, 100, 5000] {
        let m: DashMap<u64, String> = (0..n).map(|i| (i, "v".repeat(i as usize % 13))).collect();
        for i in (0..n).step_by(3) {
            m.remove(&i);
        }
        assert_heap_exact(m);
        let heap_free: DashMap<u32, [u8; 3]> = (0..n as u32).map(|i| (i, [0; 3])).collect();
        assert_heap_exact(heap_free);
    }
}

#[test]
fn sets() {
    let s: DashSet<String> = (0..300).map(|i| i.to_string()).collect();
    s.retain(|k| k.len() > 1);
    assert_heap_exact(s);
    assert_heap_exact(DashSet::<u8>::new());
}

/// A hasher that owns a table on the heap.
#[derive(Clone)]
struct Keyed(Vec<u64>);

impl BuildHasher for Keyed {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        let mut h = BuildHasherDefault::<DefaultHasher>::default().build_hasher();
        h.write_u64(self.0[0]);
        h
    }
}

impl SizeOf for Keyed {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("table", &self.0);
    }
}

#[test]
fn the_hasher_counts() {
    let m = DashMap::with_hasher(Keyed(vec![7; 2048]));
    m.insert(1u8, 2u8);
    assert_heap_exact(m);
}

#[test]
fn a_shard_a_writer_holds_is_skipped() {
    let m: DashMap<u64, Vec<u8>> = (0..64).map(|i| (i, vec![0; 10])).collect();
    let held = m.get_mut(&3).unwrap();
    let stats = heap_stats(&m);
    assert_eq!(stats.skipped, 1);
    drop(held);
    assert_eq!(heap_stats(&m).skipped, 0);
}
