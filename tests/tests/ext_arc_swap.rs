//! arc-swap's `ArcSwap` and `ArcSwapOption` against the allocator: the
//! current `Arc` counted once, however many handles share it.
#![cfg(feature = "arc-swap")]

use std::alloc::System;
use std::sync::Arc;

use arc_swap::{ArcSwap, ArcSwapOption};
use memsize::alloc::{assert_heap_exact, assert_no_alloc, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// The first load of a thread may take arc-swap's per-thread bookkeeping
/// node, a global allocation (fact 2 of the impl): done before measuring.
fn warm_up() {
    let _ = ArcSwap::from_pointee(0u8).load();
}

#[test]
fn current_value_and_swaps() {
    warm_up();
    assert_heap_exact(ArcSwap::from_pointee(5u64));
    assert_heap_exact(ArcSwap::from_pointee("x".repeat(100)));
    let s = ArcSwap::from_pointee(vec![1u32; 10]);
    s.store(Arc::new(vec![2; 1000]));
    assert_heap_exact(s);
    let s = ArcSwap::from_pointee(String::from("old"));
    s.rcu(|old| format!("{old} and new {}", "n".repeat(40)));
    assert_heap_exact(s);
}

#[test]
fn options() {
    warm_up();
    assert_heap_exact(ArcSwapOption::<String>::empty());
    assert_heap_exact(ArcSwapOption::from_pointee("y".repeat(33)));
    let s = ArcSwapOption::from_pointee(vec![0u8; 64]);
    s.store(None);
    assert_heap_exact(s);
}

#[test]
fn shared_with_other_handles_once() {
    warm_up();
    let a = Arc::new(vec![7u64; 50]);
    let swaps = vec![ArcSwap::new(a.clone()), ArcSwap::new(a.clone())];
    assert_heap_exact((a, swaps));
    // A guard loaded elsewhere shares the block too.
    let s = ArcSwap::from_pointee("guarded".repeat(9));
    let kept = s.load_full();
    assert_heap_exact((s, kept));
}

#[test]
fn measuring_does_not_allocate_once_warm() {
    warm_up();
    let s = ArcSwap::from_pointee(vec![String::from("a"); 20]);
    let n = assert_no_alloc(|| s.heap_size());
    assert!(n > 0);
    assert_heap_exact(s);
}
