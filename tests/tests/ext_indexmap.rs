//! indexmap's `IndexMap` and `IndexSet` against the allocator.
#![cfg(feature = "indexmap")]

use std::alloc::System;
use std::hash::{BuildHasher, DefaultHasher, Hasher};

use indexmap::{IndexMap, IndexSet};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, SizeOf};
use memsize_tests::{check_history, Lcg, NeverVisited};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// A heap-free hasher (std's `RandomState` is measured in another place).
#[derive(Clone, Default)]
struct Fixed;

impl BuildHasher for Fixed {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

impl SizeOf for Fixed {
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    fn is_heap_free() -> bool {
        true
    }
}

/// A hasher that owns heap memory, to see that it is counted.
#[derive(Clone, Default)]
struct Boxed(Box<u64>);

impl BuildHasher for Boxed {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        let mut h = DefaultHasher::new();
        h.write_u64(*self.0);
        h
    }
}

impl SizeOf for Boxed {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("seed", &self.0);
    }
}

type Map<K, V> = IndexMap<K, V, Fixed>;
type Set<T> = IndexSet<T, Fixed>;

#[test]
fn empty_and_with_capacity() {
    assert_heap_exact(Map::<u64, u64>::default());
    assert_heap_exact(Set::<u8>::default());
    for cap in [0, 1, 3, 4, 6, 7, 8, 14, 15, 29, 100, 1000] {
        assert_heap_exact(Map::<u64, u64>::with_capacity_and_hasher(cap, Fixed));
        assert_heap_exact(Map::<u8, ()>::with_capacity_and_hasher(cap, Fixed));
        assert_heap_exact(Set::<[u8; 3]>::with_capacity_and_hasher(cap, Fixed));
        let mut m = Map::<u32, String>::with_capacity_and_hasher(cap, Fixed);
        m.insert(1, "one".repeat(9));
        assert_heap_exact(m);
    }
}

#[test]
fn growth() {
    for n in [1u64, 3, 4, 7, 8, 15, 16, 100, 897, 5000] {
        assert_heap_exact((0..n).map(|i| (i, i)).collect::<Map<_, _>>());
        assert_heap_exact((0..n as u16).collect::<Set<_>>());
        let mut m = Map::default();
        for i in 0..n {
            m.insert(i as u8, [i; 3]);
        }
        assert_heap_exact(m);
    }
}

#[test]
fn swap_and_shift_removal_keep_buffers() {
    let new = || -> Map<u64, String> { (0..1000).map(|i| (i, i.to_string())).collect() };
    check_history(
        new,
        &[
            &|m| {
                let mut rng = Lcg(3);
                for _ in 0..600 {
                    let k = rng.next_u64() % 1000;
                    if k & 1 == 0 {
                        m.swap_remove(&k);
                    } else {
                        m.shift_remove(&k);
                    }
                }
            },
            // Churn at the limit of the table, so that tombstones eat its
            // reported capacity below the entries'.
            &|m| {
                let mut rng = Lcg(4);
                for _ in 0..50_000 {
                    let k = rng.next_u64() % 3000;
                    if m.len() > 850 {
                        m.swap_remove(&k);
                    } else {
                        m.insert(k, k.to_string());
                    }
                }
            },
            &|m| m.retain(|k, _| k % 5 == 0),
            &|m| m.shrink_to_fit(),
        ],
    );
    check_history::<Set<u32>>(
        || -> Set<u32> { (0..200).collect() },
        &[
            &|s| {
                (0..150).for_each(|i| {
                    s.swap_remove(&i);
                })
            },
            &|s| {
                (150..160).for_each(|i| {
                    s.shift_remove(&i);
                })
            },
        ],
    );
}

#[test]
fn reserve_and_clear() {
    check_history(
        Map::<String, Vec<u8>>::default,
        &[
            &|m| m.reserve(37),
            &|m| {
                m.insert("a".into(), vec![1; 40]);
            },
            &|m| m.clear(),
            &|m| m.shrink_to_fit(),
        ],
    );
    check_history::<Map<u8, u8>>(
        || Map::<u8, u8>::with_capacity_and_hasher(100, Fixed),
        &[
            &|m| m.extend((0..100).map(|i| (i, i))),
            &|m| {
                m.insert(200, 0);
            },
            &|m| {
                m.swap_remove(&3);
            },
        ],
    );
}

#[test]
fn the_hasher_is_counted() {
    let mut m: IndexMap<u32, u32, Boxed> = IndexMap::with_hasher(Boxed::default());
    assert_eq!(m.heap_size(), 8);
    m.extend((0..100).map(|i| (i, i)));
    assert_heap_exact(m);
    let s: IndexSet<String, Boxed> = (0..10).map(|i| i.to_string()).collect();
    assert_heap_exact(s);
}

#[test]
fn heap_free_elements_are_not_visited() {
    let m: Map<NeverVisited, NeverVisited> = (0..100)
        .map(|i| (NeverVisited(i), NeverVisited(i)))
        .collect();
    assert_heap_exact(m);
    let s: Set<NeverVisited> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(s);
}
