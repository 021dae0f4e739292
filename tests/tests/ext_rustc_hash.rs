//! rustc-hash's hashers own no heap, and maps that use them stay exact.
#![cfg(feature = "rustc-hash")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHasher, FxSeededState};

#[test]
fn hashers_are_heap_free() {
    assert!(<FxBuildHasher as SizeOf>::is_heap_free());
    assert!(<FxHasher as SizeOf>::is_heap_free());
    assert!(<FxSeededState as SizeOf>::is_heap_free());
    assert_eq!(FxBuildHasher.build_hasher().heap_size(), 0);
    assert_heap_exact(FxHasher::default());
    assert_heap_exact(FxSeededState::with_seed(9));
}

#[cfg(feature = "indexmap")]
#[test]
fn in_an_index_map() {
    let mut m: indexmap::IndexMap<u32, Vec<u8>, FxBuildHasher> = indexmap::IndexMap::default();
    m.extend((0..100).map(|i| (i, vec![0; i as usize % 9])));
    m.swap_remove(&3);
    assert_heap_exact(m);
}
