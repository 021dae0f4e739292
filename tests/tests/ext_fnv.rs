//! fnv's hasher owns no heap; `FnvHashMap` (a std map with
//! `BuildHasherDefault<FnvHasher>`) stays exact.
#![cfg(feature = "fnv")]

use std::alloc::System;

use fnv::{FnvBuildHasher, FnvHashMap, FnvHashSet, FnvHasher};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn hasher_is_heap_free() {
    assert!(<FnvHasher as SizeOf>::is_heap_free());
    assert!(<FnvBuildHasher as SizeOf>::is_heap_free());
    assert_heap_exact(FnvHasher::with_key(3));
    assert_heap_exact(FnvBuildHasher::default());
}

#[test]
fn fnv_maps_and_sets() {
    let mut m: FnvHashMap<String, Vec<u32>> = FnvHashMap::default();
    m.extend((0..300).map(|i| (i.to_string(), vec![i; i as usize % 7])));
    m.retain(|k, _| k.len() != 2);
    assert_heap_exact(m);
    let s: FnvHashSet<u64> = (0..1000).collect();
    assert_heap_exact(s);
}
