//! triomphe's `Arc` and `UniqueArc` against the allocator: one counter,
//! shared blocks counted once.
#![cfg(feature = "triomphe")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use triomphe::{Arc, HeaderSlice, HeaderWithLength, ThinArc, UniqueArc};

#[test]
fn sized_and_unsized_values() {
    assert_heap_exact(Arc::new(5u8));
    assert_heap_exact(Arc::new(7u64));
    assert_heap_exact(Arc::new([0u128; 3]));
    assert_heap_exact(Arc::new(()));
    assert_heap_exact(Arc::<str>::from("a str in an arc"));
    assert_heap_exact(Arc::<[u16]>::from(vec![1, 2, 3]));
    assert_heap_exact(Arc::new("owned".repeat(9)));
    assert_heap_exact(Arc::new(vec![String::from("x"); 4]));
}

#[test]
fn clones_share_one_block() {
    let a = Arc::new(vec![1u64; 100]);
    let v = vec![a.clone(), a.clone(), a];
    assert_heap_exact(v);
    let s: Arc<str> = Arc::from("shared text");
    let nested = vec![Arc::new(s.clone()), Arc::new(s)];
    assert_heap_exact(nested);
}

#[test]
fn unique_arc() {
    assert_heap_exact(UniqueArc::new(3u32));
    let mut u = UniqueArc::new(String::with_capacity(12));
    u.push_str("grows past twelve bytes");
    assert_heap_exact(u);
    let shared = UniqueArc::new(vec![0u8; 64]).shareable();
    assert_heap_exact(vec![shared.clone(), shared]);
}

#[test]
fn header_slices_and_thin_arcs() {
    let fat: Arc<HeaderSlice<String, [u32]>> =
        Arc::from_header_and_iter("header".repeat(5), 0..10u32);
    assert_heap_exact(vec![fat.clone(), fat]);
    let fat: Arc<HeaderSlice<u8, [String]>> =
        Arc::from_header_and_iter(1, (0..4).map(|i| "s".repeat(i * 9)));
    assert_heap_exact(fat);
    let thin: ThinArc<u16, u64> = ThinArc::from_header_and_iter(7, (0..33u32).map(u64::from));
    assert_heap_exact(thin);
    let thin: ThinArc<String, String> =
        ThinArc::from_header_and_iter("h".repeat(20), (0..3).map(|i| i.to_string()));
    assert_heap_exact(vec![thin.clone(), thin]);
    let h: HeaderWithLength<Vec<u8>> = HeaderWithLength::new(vec![1; 9], 0);
    assert_heap_exact(h);
}
