//! bumpalo's `Bump` against the allocator: its chunks, from the crate's own
//! accounting; bump boxes and vectors own only what their contents own
//! outside the arena.
#![cfg(feature = "bumpalo")]

use std::alloc::System;

use bumpalo::Bump;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn empty_and_with_capacity() {
    assert_heap_exact(Bump::new());
    for cap in [0, 1, 100, 4096, 100_000] {
        assert_heap_exact(Bump::with_capacity(cap));
        assert_heap_exact(Bump::<16>::with_min_align_and_capacity(cap));
    }
}

#[test]
fn growth_over_many_chunks_and_reset() {
    for n in [1usize, 10, 1000, 100_000] {
        let bump = Bump::new();
        for i in 0..n {
            bump.alloc(i as u64);
        }
        assert_heap_exact(bump);
    }
    // Odd sizes and a large allocation that gets a chunk of its own.
    let build = || {
        let bump = Bump::new();
        for i in 0..500 {
            bump.alloc_slice_fill_copy(i % 37 + 1, 0u8);
        }
        bump.alloc_slice_fill_copy(1 << 20, 0u16);
        bump.alloc_str(&"z".repeat(3000));
        bump
    };
    let mut bump = build();
    assert!(bump.iter_allocated_chunks().count() > 3);
    assert_heap_exact(build());
    bump.reset();
    assert_heap_exact(bump);
}

#[test]
fn arena_values_own_what_lies_outside() {
    let mut bump = Bump::new();
    // Grow the arena first, so the values below do not allocate chunks.
    bump.alloc_slice_fill_copy(10_000, 0u8);
    bump.reset();
    let (boxed, vec, string) = memsize::alloc::measure(|| {
        let boxed = bumpalo::boxed::Box::new_in("outside".repeat(10), &bump);
        let mut vec = bumpalo::collections::Vec::new_in(&bump);
        for i in 0..20 {
            vec.push(i.to_string().repeat(i + 1));
        }
        let string = bumpalo::collections::String::from_str_in("inside", &bump);
        (boxed, vec, string)
    })
    .0;
    // Everything outside the arena is what the drops free.
    let outside = boxed.heap_size() + vec.heap_size() + string.heap_size();
    let ((), freed) = memsize::alloc::measure(|| drop((boxed, vec, string)));
    assert_eq!(outside as u64, freed.bytes_freed);
    assert_heap_exact(bump);
}

#[test]
fn bumps_in_containers() {
    let bumps: Vec<Bump> = (0..10)
        .map(|i| {
            let b = Bump::new();
            b.alloc_slice_fill_copy(i * 1000, 1u8);
            b
        })
        .collect();
    assert_heap_exact(bumps);
}
