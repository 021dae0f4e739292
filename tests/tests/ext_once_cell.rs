//! once_cell's cells and `Lazy` against the allocator: a set cell owns its
//! value's heap, an unforced `Lazy` nothing.
#![cfg(feature = "once_cell")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::NeverVisited;
use once_cell::{sync, unsync};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn cells_before_and_after_set() {
    assert_heap_exact(unsync::OnceCell::<String>::new());
    assert_heap_exact(sync::OnceCell::<Vec<u8>>::new());
    let c = unsync::OnceCell::new();
    c.set("x".repeat(40)).unwrap();
    assert_heap_exact(c);
    let c = sync::OnceCell::new();
    c.get_or_init(|| vec![String::from("a"); 7]);
    assert_heap_exact(c);
    assert_heap_exact(vec![unsync::OnceCell::from(Box::new(3u64)); 5]);
    assert!(<unsync::OnceCell<NeverVisited>>::is_heap_free());
}

#[test]
fn lazy_counts_only_once_forced() {
    let l: unsync::Lazy<Vec<u64>> = unsync::Lazy::new(|| vec![1; 100]);
    assert_eq!(l.heap_size(), 0);
    // Measuring did not force it.
    assert!(unsync::Lazy::get(&l).is_none());
    assert_heap_exact(l);
    let l: unsync::Lazy<Vec<u64>> = unsync::Lazy::new(|| vec![1; 100]);
    assert_eq!(l.len(), 100);
    assert_heap_exact(l);
    let l: sync::Lazy<String> = sync::Lazy::new(|| "forced".repeat(11));
    assert_eq!(l.heap_size(), 0);
    assert!(sync::Lazy::get(&l).is_none());
    sync::Lazy::force(&l);
    assert_heap_exact(l);
}

#[test]
fn unforced_closures_are_not_counted() {
    // The documented bound: a closure's captures are out of reach until it
    // runs; the figure is short by exactly them.
    let captured = Box::new([0u8; 64]);
    let l = unsync::Lazy::new(move || captured.len());
    let check = memsize::alloc::check_heap(l);
    assert_eq!((check.heap_bytes, check.freed_bytes), (0, 64));
}
