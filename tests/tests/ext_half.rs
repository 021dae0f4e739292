//! half's floats own no heap: containers of them are O(1) and exact.
#![cfg(feature = "half")]

use std::alloc::System;
use std::collections::VecDeque;

use half::{bf16, f16};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn half_floats_own_nothing() {
    assert!(f16::is_heap_free());
    assert!(bf16::is_heap_free());
    assert_eq!(f16::from_f32(1.5).deep_size(), 2);
    let mut v: Vec<f16> = Vec::new();
    for i in 0..1000 {
        v.push(f16::from_f32(i as f32));
    }
    assert_heap_exact(v);
    let d: VecDeque<(bf16, f16)> = (0..77)
        .map(|i| (bf16::from_f32(i as f32), f16::from_f32(0.5)))
        .collect();
    assert_heap_exact(d);
    assert_heap_exact(vec![Box::new(bf16::ONE); 3]);
}
