//! gxhash's hasher and builder own no heap; its maps stay exact. gxhash
//! builds only with AES and SSE2 (or NEON) enabled: `.ci/run` runs this
//! with `RUSTFLAGS="-C target-feature=+aes,+sse2"`.
#![cfg(all(
    feature = "gxhash",
    any(
        all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "aes",
            target_feature = "sse2"
        ),
        all(
            target_arch = "aarch64",
            target_feature = "aes",
            target_feature = "neon"
        )
    )
))]

use std::alloc::System;
use std::hash::{BuildHasher, Hasher};

use gxhash::{GxBuildHasher, GxHasher, HashMapExt, HashSetExt};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn hasher_and_builder_are_heap_free() {
    assert!(<GxBuildHasher as SizeOf>::is_heap_free());
    let state = GxBuildHasher::default();
    let mut h = state.build_hasher();
    h.write(&[1; 50]);
    assert_heap_exact(h);
    assert_heap_exact(state);
    assert_heap_exact(GxHasher::with_seed(3));
}

#[test]
fn gxhash_maps_and_sets() {
    let mut m: gxhash::HashMap<String, Vec<u8>> = gxhash::HashMap::new();
    m.extend((0..300).map(|i| (i.to_string(), vec![1; i % 11])));
    m.retain(|k, _| !k.ends_with('3'));
    assert_heap_exact(m);
    let mut s: gxhash::HashSet<u64> = gxhash::HashSet::with_capacity(10);
    s.extend(0..100);
    assert_heap_exact(s);
}
