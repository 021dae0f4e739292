//! `BTreeMap`/`BTreeSet` against the allocator: the node count depends on
//! history, so every history is tried.
#![cfg(feature = "std")]

use std::alloc::System;
use std::collections::{BTreeMap, BTreeSet};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::Lcg;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn empty_trees() {
    assert_heap_exact(BTreeMap::<u64, u64>::new());
    assert_heap_exact(BTreeSet::<u8>::new());
    let mut m = BTreeMap::new();
    m.insert(1u64, 1u64);
    m.remove(&1);
    // Emptied by `remove`: std keeps the root leaf.
    assert!(m.heap_size() > 0);
    assert_heap_exact(m);
    let mut s = BTreeSet::new();
    s.insert(String::from("x"));
    s.remove("x");
    assert_heap_exact(s);
}

#[test]
fn sorted_collect_and_ascending_inserts_differ() {
    for n in [1u64, 5, 11, 12, 100, 1000, 10_000] {
        let collected: BTreeMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
        let mut inserted = BTreeMap::new();
        for i in 0..n {
            inserted.insert(i, i);
        }
        let mut descending = BTreeMap::new();
        for i in (0..n).rev() {
            descending.insert(i, i);
        }
        assert_heap_exact(collected);
        assert_heap_exact(inserted);
        assert_heap_exact(descending);
    }
}

#[test]
fn random_inserts_and_removals() {
    let mut rng = Lcg(1);
    for n in [10usize, 100, 3000, 20_000] {
        let mut m = BTreeMap::new();
        while m.len() < n {
            let k = rng.next_u64() as u32;
            m.insert(k, k as u8);
        }
        assert_heap_exact(m.clone());
        let keys: Vec<u32> = m.keys().copied().collect();
        for (i, k) in keys.iter().enumerate() {
            if i % 3 != 0 {
                m.remove(k);
            }
        }
        assert_heap_exact(m);
    }
}

#[test]
fn sets_of_many_key_sizes() {
    let mut rng = Lcg(5);
    let mut a = BTreeSet::new();
    let mut b = BTreeSet::new();
    let mut c = BTreeSet::new();
    let mut d = BTreeSet::new();
    for _ in 0..5000 {
        let r = rng.next_u64();
        a.insert(r as u8);
        b.insert(r as u16);
        c.insert((r, r as u8));
        d.insert([r as u128; 3]);
    }
    assert_heap_exact(a);
    assert_heap_exact(b);
    assert_heap_exact(c);
    assert_heap_exact(d);
}

#[test]
fn owned_keys_and_values() {
    let m: BTreeMap<String, Vec<u16>> = (0..700)
        .map(|i| (format!("k{i:05}"), vec![1; i % 5]))
        .collect();
    assert_heap_exact(m);
    let s: BTreeSet<Box<str>> = (0..300).map(|i| i.to_string().into_boxed_str()).collect();
    assert_heap_exact(s);
}

#[test]
fn zero_sized_keys_or_values() {
    let m: BTreeMap<u32, ()> = (0..1000).map(|i| (i, ())).collect();
    assert_heap_exact(m);
    let m: BTreeMap<(), u64> = [((), 1u64)].into_iter().collect();
    assert_heap_exact(m);
    let s: BTreeSet<()> = [()].into_iter().collect();
    assert_heap_exact(s);
}

#[test]
fn split_off_and_append() {
    let mut a: BTreeMap<u64, u64> = (0..5000).map(|i| (i, i)).collect();
    let b = a.split_off(&1234);
    assert_heap_exact(a.clone());
    assert_heap_exact(b.clone());
    let mut c: BTreeMap<u64, u64> = (10_000..10_100).map(|i| (i, i)).collect();
    let mut a2 = a;
    a2.append(&mut c);
    assert_heap_exact(a2);
    assert_heap_exact(c);
    let mut s: BTreeSet<u32> = (0..999).collect();
    s.retain(|x| x % 7 == 0);
    assert_heap_exact(s);
}
