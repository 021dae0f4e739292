//! twox-hash's hashers: heap-free but for XXH3's boxed secret, and maps
//! that use them stay exact.
#![cfg(feature = "twox-hash")]

use std::alloc::System;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use twox_hash::{xxhash32, xxhash64, XxHash32, XxHash3_128, XxHash3_64, XxHash64};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn hashers_and_builders_are_heap_free() {
    assert!(<xxhash64::State as SizeOf>::is_heap_free());
    assert!(<xxhash64::RandomState as SizeOf>::is_heap_free());
    assert_heap_exact(XxHash32::with_seed(1));
    let mut h = XxHash64::with_seed(2);
    h.write(&[1; 100]);
    assert_heap_exact(h);
    assert_heap_exact(xxhash32::State::with_seed(3));
    assert_heap_exact(xxhash64::State::with_seed(4).build_hasher());
    assert_heap_exact(xxhash32::RandomState::default());
    assert_heap_exact(xxhash64::RandomState::default());
}

#[test]
fn xxh3_hashers_own_their_secret() {
    assert_heap_exact(XxHash3_64::new());
    assert_heap_exact(XxHash3_64::with_seed(5));
    assert_heap_exact(XxHash3_64::default().clone());
    assert_heap_exact(XxHash3_128::with_seed(6));
    let mut h = XxHash3_64::with_seed(7);
    h.write(&[2; 1000]);
    assert_heap_exact(h);
    // A secret of the user's: counted as 192 bytes, whatever its length.
    for len in [136, 192, 1000] {
        let h = XxHash3_64::with_seed_and_secret(8, vec![3u8; len]).unwrap();
        let check = check_heap(h);
        assert_eq!(check.heap_bytes, 192);
        assert_eq!(check.byte_difference(), len as i128 - 192, "{check}");
        assert_eq!(check.allocation_difference(), 0);
    }
}

fn filled<S: BuildHasher>(hasher: S) -> HashMap<u64, String, S> {
    let mut m = HashMap::with_hasher(hasher);
    m.extend((0..400).map(|i| (i, "v".repeat(i as usize % 30))));
    m.retain(|k, _| k % 4 != 0);
    m
}

#[test]
fn std_maps_with_each_hasher() {
    assert_heap_exact(filled(xxhash64::State::with_seed(1)));
    assert_heap_exact(filled(xxhash32::State::with_seed(1)));
    assert_heap_exact(filled(xxhash64::RandomState::default()));
    assert_heap_exact(filled(BuildHasherDefault::<XxHash64>::default()));
}
