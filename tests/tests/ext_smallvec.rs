//! smallvec's `SmallVec` against the allocator: inline, spilled, shrunk back.
#![cfg(feature = "smallvec")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use memsize_tests::{check_history, NeverVisited};
use smallvec::{smallvec, SmallVec};

#[test]
fn inline_owns_nothing() {
    let v: SmallVec<[u64; 4]> = smallvec![1, 2, 3];
    assert!(!v.spilled());
    assert_eq!(v.heap_size(), 0);
    assert_heap_exact(v);
    assert_heap_exact(SmallVec::<[u8; 0]>::new());
}

#[test]
fn spilled_owns_its_buffer() {
    check_history(
        SmallVec::<[u32; 4]>::new,
        &[
            &|v| v.extend(0..4),
            &|v| {
                v.push(4);
                assert!(v.spilled());
            },
            &|v| v.extend(0..100),
            &|v| v.truncate(2),
            &|v| {
                v.shrink_to_fit();
                assert!(!v.spilled());
            },
            &|v| v.reserve_exact(33),
        ],
    );
    assert_heap_exact(SmallVec::<[u16; 2]>::with_capacity(50));
    assert_heap_exact(SmallVec::<[u16; 8]>::with_capacity(5));
}

#[test]
fn heap_owning_elements() {
    check_history(
        SmallVec::<[String; 2]>::new,
        &[
            &|v| v.push("a".repeat(30)),
            &|v| v.push(String::with_capacity(7)),
            &|v| {
                v.push("spills".to_string());
                assert!(v.spilled());
            },
            &|v| {
                v.remove(0);
                v.pop();
            },
            &|v| {
                v.shrink_to_fit();
                assert!(!v.spilled());
            },
        ],
    );
    let nested: SmallVec<[SmallVec<[u8; 4]>; 1]> = (0..3).map(|i| (0..i * 3).collect()).collect();
    assert_heap_exact(nested);
}

#[test]
fn heap_free_elements_are_not_visited() {
    let v: SmallVec<[NeverVisited; 2]> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(v);
}
