//! tinyvec's `TinyVec` and `ArrayVec` against the allocator.
#![cfg(feature = "tinyvec")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use memsize_tests::{check_history, NeverVisited};
use tinyvec::{tiny_vec, ArrayVec, TinyVec};

#[test]
fn array_vec_is_inline() {
    let mut v: ArrayVec<[u32; 8]> = ArrayVec::new();
    v.extend(0..6);
    assert_eq!(v.heap_size(), 0);
    assert!(<ArrayVec<[u32; 8]> as SizeOf>::is_heap_free());
    assert_heap_exact(v);
    check_history::<ArrayVec<[String; 4]>>(
        ArrayVec::<[String; 4]>::new,
        &[
            &|s| s.push("a".repeat(20)),
            &|s| s.push("b".repeat(3)),
            &|s| s.push(String::with_capacity(11)),
            &|s| drop(s.pop()),
            &|s| drop(s.remove(0)),
        ],
    );
}

#[test]
fn tiny_vec_inline_then_heap() {
    check_history::<TinyVec<[u64; 4]>>(
        || -> TinyVec<[u64; 4]> { tiny_vec![1, 2] },
        &[
            &|v| assert!(v.is_inline()),
            &|v| {
                v.extend(0..20);
                assert!(v.is_heap());
            },
            &|v| v.truncate(1),
            &|v| v.shrink_to_fit(),
        ],
    );
    assert_heap_exact(TinyVec::<[u8; 16]>::with_capacity(100));
}

#[test]
fn tiny_vec_of_strings() {
    check_history::<TinyVec<[String; 2]>>(
        TinyVec::<[String; 2]>::new,
        &[
            &|v| v.push("inline".repeat(4)),
            &|v| v.push("two".into()),
            &|v| {
                v.push("moves to the heap".into());
                assert!(v.is_heap());
            },
            &|v| v.retain(|s| s.len() > 3),
        ],
    );
}

#[test]
fn heap_free_elements_are_not_visited() {
    let v: TinyVec<[NeverVisited; 4]> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(v);
    let a: ArrayVec<[NeverVisited; 4]> = (0..4).map(NeverVisited).collect();
    assert_heap_exact(a);
}
