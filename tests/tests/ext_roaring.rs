//! roaring's bitmaps against the allocator: arrays and bitmaps exact, runs
//! and the containers' buffer held to the documented lower bound.
#![cfg(feature = "roaring")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::Lcg;
use roaring::{RoaringBitmap, RoaringTreemap};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// The bound of the impl's fact 3: never above what the drop frees, the
/// same allocations, and short by at most the spare capacity of the
/// containers' `Vec` and of the run stores (each at most double its length,
/// or 4 elements).
fn assert_bound(b: RoaringBitmap) {
    let s = b.statistics();
    let containers = s.n_containers as usize;
    let runs = (s.n_bytes_run_containers as usize - 2 * s.n_run_containers as usize) / 4;
    // roaring's `Container` on 64-bit targets: a `u16` key and a 32-byte
    // store enum.
    let container_size = 40;
    let slack = container_size * containers.max(4) + 4 * (runs + 4 * s.n_run_containers as usize);
    let c = check_heap(b);
    assert_eq!(c.allocation_difference(), 0, "{c}");
    assert!(c.byte_difference() >= 0, "{c}");
    assert!(c.byte_difference() <= slack as i128, "{c} (slack {slack})");
}

#[test]
fn empty_and_single_containers() {
    assert_heap_exact(RoaringBitmap::new());
    assert_heap_exact(RoaringTreemap::new());
    // One container, an array: exact if the containers' Vec is full.
    let b: RoaringBitmap = [1u32, 5, 9].into_iter().collect();
    assert_bound(b);
}

#[test]
fn arrays_bitmaps_and_runs() {
    // Arrays: sparse values over many high halves.
    assert_bound((0..100_000u32).step_by(1000).collect());
    // Bitmaps: dense halves.
    assert_bound((0..300_000u32).filter(|v| v % 3 != 0).collect());
    // Runs, after run optimization.
    let mut b: RoaringBitmap = (0..1_000_000u32).filter(|v| v % 10_000 < 5000).collect();
    b.optimize();
    assert!(b.statistics().n_run_containers > 0);
    assert_bound(b);
    // A random mix, then removals.
    let mut b = RoaringBitmap::new();
    let mut rng = Lcg(11);
    for _ in 0..50_000 {
        let v = (rng.next_u64() % 4_000_000) as u32;
        b.insert(v);
        b.insert_range(v..v + (rng.next_u64() % 50) as u32);
    }
    b.optimize();
    for _ in 0..20_000 {
        b.remove((rng.next_u64() % 4_000_000) as u32);
    }
    assert_bound(b);
}

#[test]
fn bitmaps_built_exactly_are_exact() {
    // Serialized and read back: the containers' Vec and the stores are
    // allocated to size.
    let b: RoaringBitmap = (0..200_000u32)
        .filter(|v| v % 7 == 0 || v % 5 == 0)
        .collect();
    let mut bytes = Vec::new();
    b.serialize_into(&mut bytes).unwrap();
    let back = RoaringBitmap::deserialize_from(bytes.as_slice()).unwrap();
    assert_eq!(back, b);
    assert_heap_exact(back);
}

#[test]
fn treemaps_count_their_tree_exactly() {
    let mut t = RoaringTreemap::new();
    for hi in 0..40u64 {
        t.insert(hi << 32 | 7);
    }
    // Every bitmap holds one array container of capacity 1 or 4 and one
    // container slot: check the bound bitmap by bitmap, and the tree
    // around them against the allocator.
    let bitmaps_bound: usize = t.bitmaps().map(|(_, b)| b.heap_size()).sum();
    let c = check_heap(t);
    assert_eq!(c.allocation_difference(), 0, "{c}");
    assert!(c.byte_difference() >= 0, "{c}");
    assert!(c.byte_difference() <= 40 * 40 * 3, "{c}");
    assert!(c.heap_bytes > bitmaps_bound);
    // Emptied by removals: the root leaf stays, and counts.
    let mut t = RoaringTreemap::new();
    t.insert(1 << 40);
    t.remove(1 << 40);
    assert_heap_exact(t);
}
