//! slotmap's maps against the allocator: slots by capacity, vacant slots
//! included; `DenseSlotMap` held to its bound.
#![cfg(feature = "slotmap")]
// `HopSlotMap` is deprecated (for slotmap 2.0) but still measured.
#![allow(deprecated)]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::{check_history, Lcg, NeverVisited};
use slotmap::{DefaultKey, DenseSlotMap, HopSlotMap, SecondaryMap, SlotMap, SparseSecondaryMap};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn slot_maps_by_capacity() {
    for cap in [0, 1, 5, 64, 1000] {
        assert_heap_exact(SlotMap::<DefaultKey, u8>::with_capacity(cap));
        assert_heap_exact(SlotMap::<DefaultKey, [u64; 3]>::with_capacity(cap));
        assert_heap_exact(HopSlotMap::<DefaultKey, u16>::with_capacity(cap));
        assert_heap_exact(SecondaryMap::<DefaultKey, u128>::with_capacity(cap));
    }
    check_history::<SlotMap<DefaultKey, String>>(
        SlotMap::new,
        &[
            &|m| {
                for i in 0..300 {
                    m.insert(i.to_string());
                }
            },
            &|m| m.retain(|_, v| v.len() > 2),
            &|m| {
                m.insert("x".repeat(100));
            },
            &|m| m.clear(),
        ],
    );
    check_history::<HopSlotMap<DefaultKey, Vec<u8>>>(
        HopSlotMap::new,
        &[
            &|m| {
                for i in 0..200 {
                    m.insert(vec![0; i % 17]);
                }
            },
            &|m| m.retain(|_, v| v.len() % 2 == 0),
            &|m| m.reserve(1000),
        ],
    );
}

#[test]
fn secondary_maps_follow_their_keys() {
    let mut primary: SlotMap<DefaultKey, u32> = SlotMap::new();
    let keys: Vec<DefaultKey> = (0..500).map(|i| primary.insert(i)).collect();
    let build = |every: usize| {
        let mut sec: SecondaryMap<DefaultKey, String> = SecondaryMap::new();
        for k in keys.iter().step_by(every) {
            sec.insert(*k, "v".repeat(every));
        }
        sec
    };
    for every in [1, 3, 50] {
        assert_heap_exact(build(every));
    }
    let mut sec = build(2);
    let mut rng = Lcg(5);
    for _ in 0..200 {
        sec.remove(keys[(rng.next_u64() % 500) as usize]);
    }
    assert_heap_exact(sec);
}

#[test]
fn dense_slot_maps_are_a_lower_bound() {
    // Exact where the slots have no spare capacity.
    assert_heap_exact(DenseSlotMap::<DefaultKey, u64>::new());
    // The bound: never above what the drop frees, the same allocations,
    // short by at most the slots' spare capacity (8 bytes a slot).
    let check = |m: DenseSlotMap<DefaultKey, String>, spare_slots: usize| {
        let c = check_heap(m);
        assert_eq!(c.allocation_difference(), 0, "{c}");
        assert!(c.byte_difference() >= 0, "{c}");
        assert!(c.byte_difference() <= 8 * spare_slots as i128, "{c}");
    };
    for n in [1usize, 3, 4, 5, 100, 1000] {
        let mut m = DenseSlotMap::new();
        for i in 0..n {
            m.insert(i.to_string());
        }
        // Slots grow like the keys: at most the keys' spare capacity and the
        // sentinel's doubling to spare.
        let spare = 2 * m.capacity() + 2 - m.len();
        check(m, spare);
    }
    let mut m = DenseSlotMap::with_capacity(64);
    let keys: Vec<_> = (0..60).map(|i| m.insert("e".repeat(i))).collect();
    for k in keys.iter().step_by(2) {
        m.remove(*k);
    }
    check(m, 65);
}

#[test]
fn sparse_secondary_maps() {
    let mut primary: SlotMap<DefaultKey, ()> = SlotMap::new();
    let keys: Vec<DefaultKey> = (0..2000).map(|_| primary.insert(())).collect();
    for n in [0usize, 1, 3, 7, 8, 100, 2000] {
        let mut sec: SparseSecondaryMap<DefaultKey, String> = SparseSecondaryMap::new();
        for k in &keys[..n] {
            sec.insert(*k, "s".repeat(n % 30));
        }
        assert_heap_exact(sec);
    }
    // Removals leave tombstones, which lower the reported capacity: still
    // exact.
    let mut sec: SparseSecondaryMap<DefaultKey, String> = SparseSecondaryMap::new();
    let mut rng = Lcg(9);
    for _ in 0..20_000 {
        let k = keys[(rng.next_u64() % 2000) as usize];
        if sec.len() > 700 {
            sec.remove(k);
        } else {
            sec.insert(k, "v".repeat(3));
        }
    }
    assert_heap_exact(sec);
}

#[test]
fn heap_free_values_are_not_visited() {
    let mut m: SlotMap<DefaultKey, NeverVisited> = SlotMap::new();
    for i in 0..100 {
        m.insert(NeverVisited(i));
    }
    assert_heap_exact(m);
    let d: DenseSlotMap<DefaultKey, NeverVisited> = DenseSlotMap::new();
    assert_eq!(d.heap_size(), 8);
}
