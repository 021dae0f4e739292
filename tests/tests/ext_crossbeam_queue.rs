//! crossbeam-queue's queues against the allocator: `ArrayQueue`'s buffer,
//! `SegQueue`'s blocks through pushes and pops; queued values' heap is the
//! documented bound.
#![cfg(feature = "crossbeam-queue")]

use std::alloc::System;

use crossbeam_queue::{ArrayQueue, SegQueue};
use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn array_queue() {
    for cap in [1, 2, 7, 100, 1000] {
        let q = ArrayQueue::<u64>::new(cap);
        assert_heap_exact(q);
        let q = ArrayQueue::<(u8, [u16; 3])>::new(cap);
        for i in 0..cap + 3 {
            q.force_push((i as u8, [1; 3]));
        }
        let _ = q.pop();
        assert_heap_exact(q);
    }
}

fn seg_after(pushes: usize, pops: usize) -> SegQueue<u64> {
    let q = SegQueue::new();
    (0..pushes as u64).for_each(|i| q.push(i));
    for _ in 0..pops {
        q.pop().unwrap();
    }
    q
}

#[test]
fn seg_queue_blocks_through_pushes_and_pops() {
    assert_heap_exact(SegQueue::<u64>::new());
    for pushes in [1, 30, 31, 32, 61, 62, 63, 200, 1000] {
        for pops in [0, 1, 30, 31, 32, 62, 63, 199, 1000] {
            if pops <= pushes {
                assert_heap_exact(seg_after(pushes, pops));
            }
        }
    }
    // Interleaved, from several threads.
    let q = SegQueue::new();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let q = &q;
            s.spawn(move || {
                for i in 0..500 {
                    q.push(t * 1000 + i);
                    if i % 3 == 0 {
                        q.pop();
                    }
                }
            });
        }
    });
    assert_heap_exact(q);
}

#[test]
fn queued_values_heap_is_the_bound() {
    let q = SegQueue::new();
    (0..100).for_each(|i| q.push("x".repeat(i)));
    let own: usize = (0..100).sum();
    let check = check_heap(q);
    assert_eq!(check.byte_difference(), own as i128, "{check}");
    assert_eq!(check.allocation_difference(), 99);
    let q = ArrayQueue::new(10);
    (0..10).for_each(|i| q.push(vec![0u8; i + 1]).unwrap());
    let check = check_heap(q);
    assert_eq!(check.byte_difference(), 55, "{check}");
    assert_eq!(check.allocation_difference(), 10);
    assert_heap_exact(ArrayQueue::<String>::new(4));
}
