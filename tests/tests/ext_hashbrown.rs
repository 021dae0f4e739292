//! hashbrown's `HashMap`, `HashSet` and `HashTable` against the allocator.
#![cfg(feature = "hashbrown")]

use std::alloc::System;
use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, SizeOf};
use memsize_tests::{check_history, Lcg, NeverVisited};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn empty_and_with_capacity() {
    assert_heap_exact(HashMap::<u64, u64>::new());
    assert_heap_exact(HashSet::<u32>::new());
    assert_heap_exact(HashTable::<u64>::new());
    for cap in [0, 1, 3, 4, 7, 8, 14, 15, 28, 29, 100, 1000] {
        assert_heap_exact(HashMap::<u64, u64>::with_capacity(cap));
        assert_heap_exact(HashMap::<u8, ()>::with_capacity(cap));
        assert_heap_exact(HashSet::<[u8; 3]>::with_capacity(cap));
        assert_heap_exact(HashMap::<u128, [u64; 5]>::with_capacity(cap));
        assert_heap_exact(HashTable::<u16>::with_capacity(cap));
    }
}

#[test]
fn growth_and_owned_elements() {
    for n in [1usize, 7, 8, 100, 897, 5000] {
        assert_heap_exact((0..n as u64).map(|i| (i, i)).collect::<HashMap<_, _>>());
        assert_heap_exact((0..n as u32).collect::<HashSet<_>>());
    }
    let m: HashMap<String, Vec<u32>> = (0..500)
        .map(|i| (format!("key{i}"), vec![i; i as usize % 7]))
        .collect();
    assert_heap_exact(m);
    let s: HashSet<String> = (0..50).map(|i| i.to_string()).collect();
    assert_heap_exact(s);
}

#[test]
fn churn_leaves_tombstones() {
    check_history(
        HashMap::<u64, String>::new,
        &[
            &|m| m.extend((0..1800).map(|i| (i, i.to_string()))),
            &|m| {
                let mut rng = Lcg(7);
                for _ in 0..100_000 {
                    let k = rng.next_u64() % 4000;
                    if m.len() > 1700 {
                        m.remove(&k);
                    } else {
                        m.insert(k, k.to_string());
                    }
                }
            },
            &|m| m.retain(|k, _| k % 3 == 0),
            &|m| m.shrink_to_fit(),
        ],
    );
}

#[test]
fn hash_table_of_strings() {
    let hasher = DefaultHashBuilder::default();
    let mut t: HashTable<String> = HashTable::new();
    for i in 0..300 {
        let s = format!("value {i}");
        let h = hasher.hash_one(&s);
        t.insert_unique(h, s, |v| hasher.hash_one(v));
    }
    for i in (0..300).step_by(2) {
        let s = format!("value {i}");
        let h = hasher.hash_one(&s);
        if let Ok(e) = t.find_entry(h, |v| *v == s) {
            e.remove();
        }
    }
    assert_heap_exact(t);
}

/// A hasher that owns heap memory, to see that maps count their hasher.
#[derive(Clone, Default)]
struct Boxed(Box<[u64; 4]>);

impl BuildHasher for Boxed {
    type Hasher = std::collections::hash_map::DefaultHasher;
    fn build_hasher(&self) -> Self::Hasher {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write_u64(self.0[0]);
        h
    }
}

impl SizeOf for Boxed {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("seed", &self.0);
    }
}

#[test]
fn the_hasher_is_counted() {
    let mut m: HashMap<u32, u32, Boxed> = HashMap::with_hasher(Boxed::default());
    assert_eq!(m.heap_size(), 32);
    m.extend((0..100).map(|i| (i, i)));
    assert_heap_exact(m);
    let s: HashSet<u32, Boxed> = (0..10).collect();
    assert_heap_exact(s);
}

#[test]
fn heap_free_elements_are_constant_time() {
    assert!(<DefaultHashBuilder as SizeOf>::is_heap_free());
    let m: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    let size = m.heap_size();
    assert_eq!(size, m.allocation_size());
}

#[test]
fn heap_free_elements_are_not_visited() {
    let m: HashMap<NeverVisited, NeverVisited> = (0..100)
        .map(|i| (NeverVisited(i), NeverVisited(i)))
        .collect();
    assert_heap_exact(m);
    let s: HashSet<NeverVisited> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(s);
}
