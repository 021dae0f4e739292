//! ecow's `EcoVec` and `EcoString` against the allocator: inline, heap,
//! and shared by clones.
#![cfg(feature = "ecow")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::NeverVisited;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use ecow::{eco_vec, EcoString, EcoVec};

#[test]
fn eco_vec_growth_and_sharing() {
    assert_heap_exact(EcoVec::<u64>::new());
    for cap in [0, 1, 3, 100] {
        assert_heap_exact(EcoVec::<u8>::with_capacity(cap));
        assert_heap_exact(EcoVec::<u128>::with_capacity(cap));
    }
    // A clone shares the block: measure a deep copy of each step instead.
    let grown = || {
        let mut v: EcoVec<u32> = EcoVec::new();
        for i in 0..500 {
            v.push(i);
        }
        v
    };
    assert_heap_exact(grown());
    let mut v = grown();
    v.truncate(3);
    assert_heap_exact(v);
    let v = grown();
    let shared = vec![v.clone(), v.clone(), v];
    assert_heap_exact(shared);
    let mut z: EcoVec<()> = EcoVec::new();
    z.push(());
    assert_heap_exact(z);
}

#[test]
fn eco_vec_of_strings_counts_elements_once() {
    let v: EcoVec<String> = eco_vec!["a".repeat(30), String::with_capacity(5)];
    let shared = vec![v.clone(), v];
    assert_heap_exact(shared);
    let strings: EcoVec<EcoString> = (0..10)
        .map(|i| EcoString::from("q".repeat(i * 4)))
        .collect();
    assert_heap_exact(strings);
}

#[test]
fn eco_string_inline_heap_shared() {
    let s = EcoString::from("inline");
    assert!(s.is_inline());
    assert_eq!(s.heap_size(), 0);
    assert_heap_exact(s);
    let s = EcoString::from("a string too long to be inline");
    assert!(!s.is_inline());
    assert_heap_exact(EcoString::from(s.as_str()));
    assert_heap_exact(vec![s.clone(), s.clone(), s]);
    let mut g = EcoString::new();
    for i in 0..100 {
        g.push_str(&i.to_string());
    }
    assert_heap_exact(g);
    assert_heap_exact(EcoString::with_capacity(64));
    assert_heap_exact(EcoString::with_capacity(3));
}

#[test]
fn heap_free_elements_are_not_visited() {
    let v: EcoVec<NeverVisited> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(v);
}
