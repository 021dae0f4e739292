//! ahash's hashers own no heap, and maps that use them stay exact.
#![cfg(feature = "ahash")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use std::hash::BuildHasher;

#[test]
fn hashers_are_heap_free() {
    assert!(<ahash::RandomState as SizeOf>::is_heap_free());
    assert!(<ahash::AHasher as SizeOf>::is_heap_free());
    let state = ahash::RandomState::new();
    let hasher = state.build_hasher();
    assert_eq!(state.heap_size(), 0);
    assert_eq!(hasher.heap_size(), 0);
    assert_heap_exact(state);
    assert_heap_exact(hasher);
    assert_heap_exact(vec![ahash::RandomState::with_seed(1); 3]);
}

#[test]
fn ahash_maps_and_sets() {
    let mut m: ahash::AHashMap<u64, String> = ahash::AHashMap::new();
    m.extend((0..300).map(|i| (i, i.to_string())));
    for i in 0..200 {
        m.remove(&i);
    }
    assert_heap_exact(m);
    let s: ahash::AHashSet<u32> = (0..1000).collect();
    assert_heap_exact(s);
}
