//! arrayvec's `ArrayVec` and `ArrayString` against the allocator.
#![cfg(feature = "arrayvec")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::NeverVisited;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use arrayvec::{ArrayString, ArrayVec};

#[test]
fn inline_arrays_own_nothing() {
    let mut v: ArrayVec<u64, 8> = ArrayVec::new();
    v.extend(0..5);
    assert_eq!(v.heap_size(), 0);
    assert!(<ArrayVec<u64, 8> as SizeOf>::is_heap_free());
    assert_heap_exact(v);
    let s: ArrayString<16> = ArrayString::from("hello").unwrap();
    assert_eq!(s.heap_size(), 0);
    assert_heap_exact(s);
}

#[test]
fn elements_that_own_heap() {
    let mut v: ArrayVec<String, 4> = ArrayVec::new();
    v.push("x".repeat(40));
    v.push(String::with_capacity(9));
    v.push("short".into());
    assert!(!<ArrayVec<String, 4> as SizeOf>::is_heap_free());
    assert_heap_exact(v.clone());
    v.pop();
    v.remove(0);
    assert_heap_exact(v);
    let nested: ArrayVec<Vec<u32>, 3> = (0..3).map(|i| vec![i; i as usize * 10]).collect();
    assert_heap_exact(nested);
}

#[test]
fn heap_free_elements_are_not_visited() {
    let a: ArrayVec<NeverVisited, 4> = (0..4).map(NeverVisited).collect();
    assert_heap_exact(a);
}
