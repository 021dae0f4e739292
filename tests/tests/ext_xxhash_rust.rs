//! xxhash-rust's hashers own no heap, and maps that use them stay exact.
#![cfg(feature = "xxhash-rust")]

use std::alloc::System;
use std::collections::HashMap;
use std::hash::BuildHasher;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use xxhash_rust::{xxh3, xxh32, xxh64};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn hashers_are_heap_free() {
    assert!(<xxh3::Xxh3Builder as SizeOf>::is_heap_free());
    assert!(<xxh3::Xxh3 as SizeOf>::is_heap_free());
    assert_heap_exact(xxh32::Xxh32::new(1));
    assert_heap_exact(xxh64::Xxh64::new(2));
    assert_heap_exact(xxh64::Xxh64Builder::new(3).build_hasher());
    assert_heap_exact(xxh3::Xxh3Builder::new().with_seed(4).build());
    assert_heap_exact(xxh3::Xxh3Default::new());
    assert_heap_exact(xxh3::Xxh3DefaultBuilder::new());
    assert_eq!(
        xxh3::Xxh3Builder::new().with_secret([7; 192]).heap_size(),
        0
    );
}

fn filled<S: BuildHasher>(hasher: S) -> HashMap<String, Vec<u8>, S> {
    let mut m = HashMap::with_hasher(hasher);
    m.extend((0..500).map(|i| (i.to_string(), vec![0; i % 40])));
    for i in (0..500).step_by(3) {
        m.remove(&i.to_string());
    }
    m
}

#[test]
fn std_maps_with_each_hasher() {
    assert_heap_exact(filled(xxh3::Xxh3Builder::new().with_seed(9)));
    assert_heap_exact(filled(xxh3::Xxh3DefaultBuilder::new()));
    assert_heap_exact(filled(xxh64::Xxh64Builder::new(5)));
}
