//! rust_decimal's `Decimal` owns no heap, alone or in containers.
#![cfg(feature = "rust_decimal")]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;
use rust_decimal::Decimal;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn decimal_is_heap_free() {
    assert!(<Decimal as SizeOf>::is_heap_free());
    assert_eq!(size_of::<Decimal>(), 16);
    let d = Decimal::new(-123_456_789, 4) * Decimal::from(1_000_000_007u64);
    assert_eq!(d.heap_size(), 0);
    assert_heap_exact(d);
    assert_heap_exact(Decimal::MAX);
}

#[test]
fn decimals_in_containers() {
    check_history::<Vec<Decimal>>(
        Vec::new,
        &[
            &|v| v.extend((0..100).map(|i| Decimal::new(i, 2))),
            &|v| v.truncate(10),
            &|v| v.shrink_to_fit(),
        ],
    );
    let prices: BTreeMap<String, Decimal> = (0..200)
        .map(|i| (format!("item{i}"), Decimal::new(i * 99, 2)))
        .collect();
    assert_heap_exact(prices);
    let totals: HashMap<u32, Decimal> = (0..200).map(|i| (i, Decimal::from(i))).collect();
    assert_heap_exact(totals);
}
