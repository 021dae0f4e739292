//! `OrderedFloat<T>` and `NotNan<T>` own what their float owns: nothing.
#![cfg(feature = "ordered-float")]

use std::alloc::System;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use ordered_float::{NotNan, OrderedFloat};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn wrappers_follow_their_float() {
    assert!(OrderedFloat::<f64>::is_heap_free());
    assert!(NotNan::<f32>::is_heap_free());
    assert_eq!(OrderedFloat(1.5f64).deep_size(), 8);
    assert_eq!(NotNan::new(2.5f32).unwrap().heap_size(), 0);
    assert_heap_exact(OrderedFloat(0.0f32));
}

#[test]
fn containers_keyed_by_floats() {
    let set: BTreeSet<OrderedFloat<f64>> =
        (0..1000).map(|i| OrderedFloat(i as f64 / 7.0)).collect();
    let hashed: HashSet<OrderedFloat<f32>> = (0..300).map(|i| OrderedFloat(i as f32)).collect();
    let mut scores: BTreeMap<NotNan<f64>, String> = BTreeMap::new();
    for i in 0..200 {
        scores.insert(NotNan::new(f64::from(i) * 0.25).unwrap(), format!("{i}"));
        if i % 3 == 0 {
            scores.remove(&NotNan::new(f64::from(i / 2) * 0.25).unwrap());
        }
    }
    assert_heap_exact(set);
    assert_heap_exact(hashed);
    assert_heap_exact(scores);
    assert_heap_exact(vec![NotNan::new(1.0f64).unwrap(); 33]);
}
