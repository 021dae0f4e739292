//! seahash's hasher owns no heap; a std map over it stays exact.
#![cfg(feature = "seahash")]

use std::alloc::System;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use seahash::SeaHasher;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn hasher_is_heap_free() {
    assert!(<SeaHasher as SizeOf>::is_heap_free());
    let mut h = SeaHasher::with_seeds(1, 2, 3, 4);
    h.write(&[5; 77]);
    assert_heap_exact(h);
    assert_heap_exact(seahash::State::new(1, 2, 3, 4));
}

#[test]
fn std_map_with_seahash() {
    let mut m: HashMap<u32, String, BuildHasherDefault<SeaHasher>> = HashMap::default();
    m.extend((0..700).map(|i| (i, i.to_string())));
    m.retain(|k, _| k % 5 != 1);
    assert_heap_exact(m);
}
