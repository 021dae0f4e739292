//! bitvec's `BitVec` and `BitBox` against the allocator: the buffer by its
//! element capacity.
#![cfg(feature = "bitvec")]

use std::alloc::System;

use bitvec::prelude::*;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize_tests::check_history;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn growth_and_shrinking() {
    assert_heap_exact(BitVec::<usize, Lsb0>::new());
    for cap in [0, 1, 7, 8, 9, 64, 65, 1000] {
        assert_heap_exact(BitVec::<u8, Msb0>::with_capacity(cap));
        assert_heap_exact(BitVec::<u64, Lsb0>::with_capacity(cap));
        assert_heap_exact(BitVec::<u16, Lsb0>::repeat(true, cap));
    }
    check_history::<BitVec<u32, Lsb0>>(
        BitVec::new,
        &[
            &|b| (0..100).for_each(|i| b.push(i % 3 == 0)),
            &|b| b.truncate(10),
            &|b| b.shrink_to_fit(),
            &|b| b.extend_from_bitslice(bits![1; 500]),
            &|b| b.reserve(10_000),
            &|b| b.clear(),
        ],
    );
}

#[test]
fn vectors_that_start_mid_element() {
    // Copied from a slice that starts at bit 3 of its first byte: the head
    // is kept, and the bit capacity counts from it.
    let bytes = [0b1010_1010u8; 16];
    let slice = &bytes.view_bits::<Lsb0>()[3..100];
    let v = BitVec::from_bitslice(slice);
    assert_ne!(v.as_bitptr().bit().into_inner(), 0);
    assert_heap_exact(v);
    let mut v = BitVec::from_bitslice(&bytes.view_bits::<Msb0>()[5..]);
    v.push(true);
    v.extend_from_bitslice(bits![u8, Msb0; 0; 300]);
    assert_heap_exact(v);
}

#[test]
fn boxes() {
    assert_heap_exact(BitBox::<u8, Lsb0>::from_bitslice(bits![u8, Lsb0; 1, 0, 1]));
    assert_heap_exact(bitvec![u64, Lsb0; 1; 1000].into_boxed_bitslice());
    assert_heap_exact(BitVec::<u16, Lsb0>::new().into_boxed_bitslice());
    assert_heap_exact(vec![bitbox![0; 70]; 4]);
}
