//! `HashMap`/`HashSet` against the allocator, after every kind of history.
#![cfg(feature = "std")]

use std::alloc::System;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher, RandomState};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::Lcg;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn empty_and_small_tables() {
    assert_heap_exact(HashMap::<u64, u64>::new());
    assert_heap_exact(HashMap::<u64, u64>::with_capacity(0));
    for cap in [1, 2, 3, 4, 7, 8, 13, 14, 15, 28, 29, 100, 1000] {
        assert_heap_exact(HashMap::<u64, u64>::with_capacity(cap));
        assert_heap_exact(HashMap::<u8, ()>::with_capacity(cap));
        assert_heap_exact(HashMap::<u16, u8>::with_capacity(cap));
        assert_heap_exact(HashSet::<[u8; 3]>::with_capacity(cap));
        assert_heap_exact(HashMap::<u128, [u64; 5]>::with_capacity(cap));
        assert_heap_exact(HashSet::<()>::with_capacity(cap));
    }
}

#[test]
fn growing_tables_of_many_element_sizes() {
    for n in [1usize, 3, 4, 7, 8, 15, 16, 100, 897, 5000] {
        assert_heap_exact((0..n as u64).map(|i| (i, i)).collect::<HashMap<_, _>>());
        assert_heap_exact((0..n as u32).collect::<HashSet<_>>());
        assert_heap_exact(
            (0..n as u16)
                .map(|i| (i as u8, ()))
                .collect::<HashMap<_, _>>(),
        );
        assert_heap_exact((0..n).map(|i| (i, [i as u8; 3])).collect::<HashMap<_, _>>());
        assert_heap_exact(
            (0..n as u128)
                .map(|i| (i, i as u8))
                .collect::<HashMap<_, _>>(),
        );
    }
}

#[test]
fn owned_keys_and_values() {
    let m: HashMap<String, Vec<u32>> = (0..500)
        .map(|i| (format!("key{i}"), vec![i; i as usize % 7]))
        .collect();
    assert_heap_exact(m);
    let s: HashSet<String> = (0..50).map(|i| i.to_string()).collect();
    assert_heap_exact(s);
}

/// A map churned at high load, so that removals leave tombstones and
/// `capacity()` falls far below what the table holds.
fn churned(seed: u64) -> HashMap<u64, u64> {
    let mut rng = Lcg(seed);
    let mut m: HashMap<u64, u64> = HashMap::new();
    for i in 0..1800 {
        m.insert(i, i);
    }
    for _ in 0..200_000 {
        let k = rng.next_u64() % 4000;
        if m.len() > 1700 {
            m.remove(&k);
        } else {
            m.insert(k, k);
        }
    }
    m
}

#[test]
fn churn_leaves_tombstones_and_capacity_shrinks() {
    let m = churned(7);
    // A table without tombstones reports a capacity of 3, 7, 14, 28, ... or
    // 7/8 of a power of two; anything else means removals ate growth_left.
    let cap = m.capacity();
    let clean = (2..40).any(|k| {
        let b = 1usize << k;
        cap == if b <= 8 { b - 1 } else { b / 8 * 7 }
    });
    assert!(!clean, "churn should have left tombstones: capacity {cap}");
    assert_heap_exact(m);
}

#[test]
fn churned_then_nearly_emptied() {
    for keep in [0usize, 1, 2, 5] {
        let mut m = churned(11 + keep as u64);
        let keys: Vec<u64> = m.keys().copied().collect();
        for k in &keys[keep..] {
            m.remove(k);
        }
        assert_eq!(m.len(), keep);
        assert_heap_exact(m);
    }
}

#[test]
fn churned_set_with_capacity_far_below_buckets() {
    let mut rng = Lcg(99);
    let mut s: HashSet<u32> = HashSet::new();
    for round in 0..50 {
        while s.len() < 1790 {
            s.insert(rng.next_u64() as u32);
        }
        let victims: Vec<u32> = s.iter().copied().take(600 + round).collect();
        for v in victims {
            s.remove(&v);
        }
    }
    let measured = s.heap_size();
    assert_heap_exact(s);
    assert!(measured > 0);
}

#[test]
fn shrink_and_clear() {
    let mut m: HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    m.retain(|k, _| k % 10 == 0);
    m.shrink_to_fit();
    assert_heap_exact(m.clone());
    m.clear();
    assert_heap_exact(m);
}

#[derive(Default, Clone)]
struct Padded {
    _a: u8,
    _b: u64,
}

impl BuildHasher for Padded {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

#[derive(Default, Clone)]
struct Wide(#[allow(dead_code)] [u64; 9]);

impl BuildHasher for Wide {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

#[derive(Default, Clone)]
struct Aligned16(#[allow(dead_code)] u128, #[allow(dead_code)] u8);

impl BuildHasher for Aligned16 {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

/// The test hashers hold only integers.
macro_rules! heap_free_hasher {
    ($($t:ty),*) => {$(
        impl SizeOf for $t {
            fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {}
            fn is_heap_free() -> bool {
                true
            }
        }
    )*};
}

heap_free_hasher!(Padded, Wide, Aligned16);

#[test]
fn any_hasher() {
    let mut m: HashMap<u8, u128, Aligned16> = HashMap::default();
    m.extend((0..200).map(|i| (i, 0)));
    m.retain(|k, _| k % 5 == 0);
    assert_heap_exact(m);
    let mut m: HashMap<u32, u8, BuildHasherDefault<DefaultHasher>> = HashMap::default();
    m.extend((0..300).map(|i| (i, 0)));
    assert_heap_exact(m);
    let mut m: HashMap<u32, String, Padded> = HashMap::default();
    m.extend((0..300).map(|i| (i, i.to_string())));
    for i in 0..250 {
        m.remove(&i);
    }
    assert_heap_exact(m);
    let mut s: HashSet<u64, Wide> = HashSet::default();
    s.extend(0..77);
    assert_heap_exact(s);
}

#[test]
fn heap_free_maps_do_not_iterate() {
    // A huge map of heap-free entries is measured from the table alone; this
    // checks the figure, the benches show the cost.
    let m: HashMap<u32, u32> = (0..200_000).map(|i| (i, i)).collect();
    assert_heap_exact(m);
}

/// A hasher that owns heap: a 16 KiB table of salts, as a tabulation hasher
/// would.
#[derive(Clone)]
struct Tabulated {
    salts: Vec<u64>,
}

impl BuildHasher for Tabulated {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        let mut h = DefaultHasher::new();
        h.write_u64(self.salts[0]);
        h
    }
}

impl SizeOf for Tabulated {
    fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
        cx.add_field("salts", &self.salts);
    }
}

fn tabulated() -> Tabulated {
    Tabulated {
        salts: (0..2048).collect(),
    }
}

#[test]
fn the_hasher_heap_counts() {
    let mut m: HashMap<u64, u64, Tabulated> = HashMap::with_hasher(tabulated());
    m.extend((0..5).map(|i| (i, i)));
    // The table and the salts, as dropping frees them.
    assert!(m.heap_size() > 2048 * 8);
    assert_heap_exact(m.clone());
    assert_heap_exact(HashMap::<u64, u64, Tabulated>::with_hasher(tabulated()));
    let mut s: HashSet<String, Tabulated> = HashSet::with_hasher(tabulated());
    s.extend((0..40).map(|i| i.to_string()));
    assert_heap_exact(s);
    assert_heap_exact(HashMap::<u8, u8>::with_capacity(10));
    assert_heap_exact(HashSet::<u8, RandomState>::default());
    assert!(<RandomState as SizeOf>::is_heap_free());
    assert!(<BuildHasherDefault<DefaultHasher> as SizeOf>::is_heap_free());
    assert!(DefaultHasher::is_heap_free());
}

/// A hasher that says it owns no heap and fails loudly if visited anyway.
#[derive(Default, Clone)]
struct UntouchableHasher;

impl BuildHasher for UntouchableHasher {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

impl SizeOf for UntouchableHasher {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {
        panic!("a heap-free hasher was visited");
    }
    fn is_heap_free() -> bool {
        true
    }
}

/// An entry that says it owns no heap and fails loudly if visited anyway.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct UntouchableKey(u32);

impl SizeOf for UntouchableKey {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {
        panic!("a heap-free key was visited");
    }
    fn is_heap_free() -> bool {
        true
    }
}

#[test]
fn heap_free_hashers_and_entries_are_not_visited() {
    let mut m: HashMap<UntouchableKey, u8, UntouchableHasher> = HashMap::default();
    m.extend((0..1000).map(|i| (UntouchableKey(i), 0)));
    assert_heap_exact(m);
    // A hasher that owns heap is measured; the heap-free entries still are
    // not visited.
    let mut m: HashMap<UntouchableKey, u8, Tabulated> = HashMap::with_hasher(tabulated());
    m.extend((0..1000).map(|i| (UntouchableKey(i), 0)));
    assert_heap_exact(m);
    let mut s: HashSet<UntouchableKey, Tabulated> = HashSet::with_hasher(tabulated());
    s.extend((0..100).map(UntouchableKey));
    assert_heap_exact(s);
}
