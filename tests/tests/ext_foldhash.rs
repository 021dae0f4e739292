//! foldhash's hashers own no heap, and maps that use them stay exact.
#![cfg(feature = "foldhash")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use std::hash::BuildHasher;

#[test]
fn hashers_are_heap_free() {
    assert!(<foldhash::fast::RandomState as SizeOf>::is_heap_free());
    assert!(<foldhash::quality::FixedState as SizeOf>::is_heap_free());
    let fast = foldhash::fast::RandomState::default();
    assert_eq!(fast.heap_size(), 0);
    assert_eq!(fast.build_hasher().heap_size(), 0);
    let quality = foldhash::quality::SeedableRandomState::fixed();
    assert_eq!(quality.build_hasher().heap_size(), 0);
    assert_heap_exact(fast);
    assert_heap_exact(quality);
    assert_heap_exact(foldhash::fast::FixedState::with_seed(3));
    assert_heap_exact(foldhash::SharedSeed::global_fixed().clone());
}

#[cfg(feature = "hashbrown")]
#[test]
fn in_a_hashbrown_map() {
    let mut m: hashbrown::HashMap<u64, String, foldhash::fast::RandomState> =
        hashbrown::HashMap::default();
    m.extend((0..100).map(|i| (i, i.to_string())));
    assert_heap_exact(m);
}
