//! lru's `LruCache` against the allocator: the map's table and hasher,
//! every entry and the two sigils.
#![cfg(feature = "lru")]

use std::alloc::System;
use std::hash::{BuildHasher, DefaultHasher};
use std::num::NonZeroUsize;

use lru::LruCache;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, SizeOf};
use memsize_tests::{check_history, Lcg, NeverVisited};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn cap(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// A hasher that owns heap memory, to see that it is counted.
#[derive(Clone, Default)]
struct Boxed(Box<u64>);

impl BuildHasher for Boxed {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

impl SizeOf for Boxed {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("seed", &self.0);
    }
}

#[test]
fn new_and_unbounded() {
    for n in [1, 2, 7, 8, 100, 5000] {
        assert_heap_exact(LruCache::<u64, u64>::new(cap(n)));
    }
    assert_heap_exact(LruCache::<String, String>::unbounded());
    assert_heap_exact(LruCache::<u8, u8, Boxed>::with_hasher(
        cap(3),
        Boxed::default(),
    ));
}

#[test]
fn eviction_churn_and_growth() {
    // A full bounded cache under churn: evictions leave tombstones, which
    // can make the table grow past what `cap` preallocated.
    for n in [1usize, 10, 100, 113, 1000] {
        check_history::<LruCache<u64, String>>(
            || LruCache::new(cap(n)),
            &[
                &|c| {
                    let mut rng = Lcg(n as u64);
                    for _ in 0..20_000 {
                        let k = rng.next_u64() % 5000;
                        c.put(k, k.to_string());
                    }
                },
                &|c| {
                    for _ in 0..n / 2 {
                        c.pop_lru();
                    }
                },
                &|c| c.resize(cap(n / 3 + 1)),
                &|c| c.clear(),
            ],
        );
    }
    check_history::<LruCache<String, Vec<u8>>>(
        LruCache::unbounded,
        &[
            &|c| {
                for i in 0..3000 {
                    c.push(i.to_string(), vec![0; i % 40]);
                }
            },
            &|c| {
                for i in (0..3000).step_by(2) {
                    c.pop(&i.to_string());
                }
            },
            &|c| {
                for i in 0..100 {
                    c.promote(&(i * 2 + 1).to_string());
                    c.demote(&(i * 4 + 1).to_string());
                }
            },
            &|c| c.resize(cap(10)),
        ],
    );
}

#[test]
fn gets_and_the_hasher() {
    let mut c: LruCache<u32, String, Boxed> = LruCache::with_hasher(cap(50), Boxed::default());
    for i in 0..80 {
        c.put(i, "v".repeat(i as usize));
        c.get(&(i / 2));
        c.get_or_insert(i + 1000, || "inserted".into());
    }
    assert_heap_exact(c);
}

#[test]
fn heap_free_entries_are_not_visited() {
    let mut c: LruCache<NeverVisited, NeverVisited> = LruCache::new(cap(64));
    for i in 0..100 {
        c.put(NeverVisited(i), NeverVisited(i));
    }
    assert_heap_exact(c);
}
