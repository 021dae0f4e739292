//! heapless's containers against the allocator: they own no heap, their
//! elements' heap counts, through growth, removal and wrap-around.
#![cfg(feature = "heapless")]

use std::alloc::System;

use heapless::binary_heap::Max;
use heapless::index_map::FnvIndexMap;
use heapless::index_set::FnvIndexSet;
use heapless::{BinaryHeap, Deque, HistoryBuf, LinearMap, Vec};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::{check_history, NeverVisited};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn text(i: usize) -> String {
    "t".repeat(i % 50)
}

#[test]
fn heap_free_elements_are_not_visited() {
    assert!(<Vec<u64, 8> as SizeOf>::is_heap_free());
    assert!(<heapless::String<32> as SizeOf>::is_heap_free());
    let mut v: Vec<NeverVisited, 64> = Vec::new();
    v.extend((0..64).map(NeverVisited));
    assert_heap_exact(v);
    let s: heapless::String<32> = heapless::String::try_from("inline text").unwrap();
    assert_eq!(s.heap_size(), 0);
    assert_heap_exact(s);
}

#[test]
fn vec_and_its_view() {
    check_history::<Vec<String, 16>>(
        Vec::new,
        &[
            &|v| (0..16).for_each(|i| v.push(text(i * 7)).unwrap()),
            &|v| v.truncate(5),
            &|v| {
                v.swap_remove(0);
            },
            &|v| v.push("again and again".repeat(4)).unwrap(),
            &|v| v.clear(),
        ],
    );
    let v: Vec<String, 8> = (0..8).map(text).collect();
    let view: &heapless::VecView<String> = v.as_view();
    let stats = memsize::heap_stats(view);
    assert_eq!(
        stats.bytes,
        (0..8).map(|i| text(i).capacity()).sum::<usize>()
    );
    assert_heap_exact(v);
}

#[test]
fn deque_wraps_around() {
    check_history::<Deque<Box<[u8]>, 8>>(
        Deque::new,
        &[
            &|d| (0..8).for_each(|i| d.push_back(vec![0; i * 3].into()).unwrap()),
            &|d| (0..5).for_each(|_| drop(d.pop_front())),
            &|d| (0..4).for_each(|i| d.push_back(vec![1; 100 + i].into()).unwrap()),
            &|d| drop(d.pop_back()),
        ],
    );
}

#[test]
fn maps_sets_and_the_rest() {
    check_history::<FnvIndexMap<String, Vec<u8, 4>, 32>>(
        FnvIndexMap::new,
        &[
            &|m| (0..30).for_each(|i| drop(m.insert(text(i * 3), Vec::new()).unwrap())),
            &|m| {
                (0..30)
                    .step_by(4)
                    .for_each(|i| drop(m.swap_remove(&text(i * 3))))
            },
            &|m| drop(m.insert("long key for the map".into(), Vec::new())),
        ],
    );
    let mut set: FnvIndexSet<String, 64> = FnvIndexSet::new();
    (0..50).for_each(|i| drop(set.insert(text(i))));
    assert_heap_exact(set);
    let mut lin: LinearMap<u32, String, 10> = LinearMap::new();
    (0..10).for_each(|i| drop(lin.insert(i, text(i as usize * 5))));
    lin.remove(&3);
    assert_heap_exact(lin);
    let mut heap: BinaryHeap<String, Max, 20> = BinaryHeap::new();
    (0..20).for_each(|i| heap.push(text(i * 2)).unwrap());
    heap.pop();
    assert_heap_exact(heap);
    let mut hist: HistoryBuf<String, 6> = HistoryBuf::new();
    (0..15).for_each(|i| hist.write(text(i * 4)));
    assert_heap_exact(hist);
    assert_heap_exact(heapless::CString::<16>::from_bytes_with_nul(b"abc\0").unwrap());
}

#[test]
fn spsc_queue() {
    check_history::<heapless::spsc::Queue<String, 8>>(
        heapless::spsc::Queue::new,
        &[
            &|q| (0..7).for_each(|i| q.enqueue(text(i * 9)).unwrap()),
            &|q| (0..4).for_each(|_| drop(q.dequeue())),
            &|q| (0..4).for_each(|i| q.enqueue(text(i + 30)).unwrap()),
        ],
    );
    // Split into producer and consumer, the queue still measures.
    let mut q: heapless::spsc::Queue<String, 4> = heapless::spsc::Queue::new();
    let (mut p, mut c) = q.split();
    p.enqueue("a".repeat(40)).unwrap();
    p.enqueue("b".repeat(41)).unwrap();
    drop(c.dequeue());
    assert_heap_exact(q);
}
