//! slab's `Slab` against the allocator: vacant entries are capacity.
#![cfg(feature = "slab")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use memsize_tests::{check_history, NeverVisited};
use slab::Slab;

#[test]
fn growth_and_vacant_entries() {
    assert_heap_exact(Slab::<u64>::new());
    for cap in [0, 1, 5, 64] {
        assert_heap_exact(Slab::<u8>::with_capacity(cap));
        assert_heap_exact(Slab::<Option<Box<u32>>>::with_capacity(cap));
    }
    check_history::<Slab<u64>>(
        Slab::<u64>::new,
        &[
            &|s| {
                (0..100).for_each(|i| {
                    s.insert(i);
                })
            },
            &|s| {
                (0..100).step_by(3).for_each(|k| {
                    s.remove(k);
                })
            },
            &|s| s.shrink_to_fit(),
            &|s| s.compact(|_, _, _| true),
            &|s| s.shrink_to_fit(),
        ],
    );
}

#[test]
fn heap_owning_values() {
    check_history::<Slab<String>>(
        || Slab::<String>::with_capacity(4),
        &[
            &|s| {
                s.insert("a".repeat(33));
            },
            &|s| {
                s.insert(String::with_capacity(3));
            },
            &|s| {
                s.insert("c".into());
            },
            &|s| {
                s.remove(0);
            },
            &|s| {
                s.insert("again".repeat(3));
            },
            &|s| {
                (0..3).for_each(|_| {
                    s.insert("grows".into());
                })
            },
        ],
    );
}

#[test]
fn heap_free_elements_are_not_visited() {
    let mut s: Slab<NeverVisited> = Slab::new();
    for i in 0..100 {
        s.insert(NeverVisited(i));
    }
    assert_heap_exact(s);
}
