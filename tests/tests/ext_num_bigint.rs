//! num-bigint's `BigUint` and `BigInt` against the allocator: inline small
//! values, digit buffers through arithmetic, growth and shrinking.
#![cfg(feature = "num-bigint")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::{check_history, Lcg};
use num_bigint::{BigInt, BigUint, Sign};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn small_values_are_inline() {
    assert_heap_exact(BigUint::ZERO);
    assert_eq!(BigUint::from(7u8).heap_size(), 0);
    assert_heap_exact(BigUint::from(u64::MAX));
    assert_heap_exact(BigInt::from(-5));
}

#[test]
fn built_values() {
    let mut rng = Lcg(7);
    for len in [1, 2, 3, 8, 33, 200] {
        let digits: Vec<u32> = (0..len).map(|_| rng.next_u64() as u32 | 1).collect();
        let n = BigUint::from_slice(&digits);
        assert_heap_exact(n.clone());
        assert_heap_exact(BigUint::from_bytes_le(&n.to_bytes_le()));
        assert_heap_exact(n.to_string().parse::<BigUint>().unwrap());
        assert_heap_exact(BigInt::from_biguint(Sign::Minus, n.clone()));
        assert_heap_exact(n);
    }
}

#[test]
fn arithmetic_results() {
    let a = BigUint::from(3u8).pow(500);
    let b = BigUint::from(7u8).pow(333);
    assert_heap_exact(&a * &b);
    assert_heap_exact(&a + &b);
    assert_heap_exact(&b - &a);
    assert_heap_exact(&b / &a);
    assert_heap_exact(&b % &a);
    assert_heap_exact(&a >> 700);
    assert_heap_exact(&a << 3000);
    assert_heap_exact(a.sqrt());
    assert_heap_exact(BigInt::from(-2).pow(1000) * BigInt::from(b));
}

#[test]
fn histories() {
    check_history::<BigUint>(
        || BigUint::from(1u8),
        &[
            &|n| *n <<= 64 * 5,
            &|n| n.set_bit(64 * 9 + 3, true),
            &|n| *n *= BigUint::from(u64::MAX).pow(20),
            &|n| *n >>= 64 * 20,
            &|n| *n += 1u8,
            &|n| n.set_bit(64 * 30, false),
            &|n| *n %= BigUint::from(1_000_003u32),
            &|n| *n -= n.clone(),
        ],
    );
    check_history::<BigInt>(
        || BigInt::from(-1),
        &[
            &|n| *n *= BigInt::from(10).pow(100),
            &|n| *n = -n.clone() * 3,
            &|n| *n /= BigInt::from(7).pow(40),
            &|n| *n >>= 200,
        ],
    );
    let v: Vec<BigUint> = (0..50u32)
        .map(|i| BigUint::from(i + 2).pow(i * 10))
        .collect();
    assert_heap_exact(v);
}
