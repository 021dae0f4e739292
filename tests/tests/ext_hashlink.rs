//! hashlink's `LinkedHashMap`, `LinkedHashSet` and `LruCache` against the
//! allocator: the table, a node per entry, the guard and the free list.
#![cfg(feature = "hashlink")]

use std::alloc::System;
use std::hash::{BuildHasher, DefaultHasher};

use hashlink::{LinkedHashMap, LinkedHashSet, LruCache};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, SizeOf};
use memsize_tests::{check_history, Lcg, NeverVisited};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// A heap-free hasher.
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

type Map<K, V> = LinkedHashMap<K, V, Fixed>;

#[test]
fn empty_and_with_capacity() {
    assert_heap_exact(Map::<u64, u64>::default());
    assert_heap_exact(LinkedHashMap::<u8, u8>::new());
    for cap in [0, 1, 3, 7, 8, 14, 15, 100, 1000] {
        assert_heap_exact(Map::<u64, String>::with_capacity_and_hasher(cap, Fixed));
        assert_heap_exact(LinkedHashSet::<u32, Fixed>::with_capacity_and_hasher(
            cap, Fixed,
        ));
    }
}

#[test]
fn growth_removal_and_the_free_list() {
    for n in [1u64, 7, 8, 100, 3000] {
        assert_heap_exact((0..n).map(|i| (i, i.to_string())).collect::<Map<_, _>>());
    }
    check_history::<Map<u64, String>>(
        || (0..500).map(|i| (i, "v".repeat(i as usize % 20))).collect(),
        &[
            // Removals leave nodes on the free list, and tombstones.
            &|m| {
                let mut rng = Lcg(2);
                for _ in 0..300 {
                    m.remove(&(rng.next_u64() % 500));
                }
            },
            // Inserts take nodes from the free list again.
            &|m| {
                for i in 1000..1100 {
                    m.insert(i, i.to_string());
                }
            },
            &|m| {
                for _ in 0..50 {
                    m.pop_front();
                }
                for _ in 0..50 {
                    m.pop_back();
                }
            },
            &|m| m.retain(|k, _| k % 3 == 0),
            // Churn at the table's limit.
            &|m| {
                let mut rng = Lcg(8);
                for _ in 0..20_000 {
                    let k = rng.next_u64() % 2000;
                    if m.len() > 400 {
                        m.remove(&k);
                    } else {
                        m.insert(k, k.to_string());
                    }
                }
            },
            &|m| m.clear(),
            &|m| m.shrink_to_fit(),
        ],
    );
}

#[test]
fn moves_to_the_back_and_front() {
    let mut m: Map<String, Vec<u8>> = Map::default();
    for i in 0..100 {
        m.insert(i.to_string(), vec![0; i]);
    }
    for i in (0..100).step_by(7) {
        m.to_back(&i.to_string());
        m.to_front(&(99 - i).to_string());
    }
    m.replace("5".to_string(), vec![1; 300]);
    assert_heap_exact(m);
}

#[test]
fn sets() {
    check_history::<LinkedHashSet<String, Fixed>>(
        LinkedHashSet::default,
        &[
            &|s| {
                for i in 0..200 {
                    s.insert(format!("item {i}"));
                }
            },
            &|s| {
                for i in 0..150 {
                    s.remove(&format!("item {i}"));
                }
            },
            &|s| s.shrink_to_fit(),
        ],
    );
}

#[test]
fn lru_caches() {
    assert_heap_exact(LruCache::<u64, u64>::new(10));
    assert_heap_exact(LruCache::<u64, u64>::new_unbounded());
    check_history::<LruCache<u64, String, Fixed>>(
        || LruCache::with_hasher(64, Fixed),
        &[
            // Past its capacity: evictions free the oldest.
            &|c| {
                for i in 0..1000 {
                    c.insert(i, i.to_string().repeat(3));
                }
            },
            &|c| {
                for i in 900..1000 {
                    c.get(&i);
                }
                for i in 950..970 {
                    c.remove(&i);
                }
            },
            &|c| c.set_capacity(10),
            &|c| {
                c.remove_lru();
            },
        ],
    );
}

#[test]
fn the_default_hasher_and_heap_free_entries() {
    let m: LinkedHashMap<NeverVisited, NeverVisited> = (0..100)
        .map(|i| (NeverVisited(i), NeverVisited(i)))
        .collect();
    assert_heap_exact(m);
}
