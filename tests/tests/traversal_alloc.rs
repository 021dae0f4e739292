//! The traversal's own allocations (seen set, work list, guards kept on it)
//! are left out of the counting allocator's measurements.
#![cfg(feature = "std")]

use std::alloc::System;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;

use memsize::alloc::{assert_no_alloc, measure, CountingAlloc};
use memsize::{Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

struct Node {
    next: Option<Box<Node>>,
    payload: Rc<RefCell<Vec<u8>>>,
}

impl SizeOf for Node {
    fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
        cx.add_field("next", &self.next);
        cx.add_field("payload", &self.payload);
    }
}

#[test]
fn heap_size_runs_inside_assert_no_alloc() {
    // Shared cells (the seen set), deep data (the work list) and locks.
    let shared = Rc::new(RefCell::new(vec![1u8; 10]));
    let mut list = None;
    for _ in 0..10_000 {
        list = Some(Box::new(Node {
            next: list,
            payload: Rc::new(RefCell::new(vec![0; 3])),
        }));
    }
    let locks: Vec<Mutex<Vec<u8>>> = (0..1000).map(|i| Mutex::new(vec![0; i % 5])).collect();
    let value = (list, vec![Rc::clone(&shared); 100], locks);
    let heap = assert_no_alloc(|| value.heap_size());
    let (again, stats) = measure(|| value.heap_size());
    assert_eq!(heap, again);
    assert_eq!(
        (stats.allocations, stats.bytes_allocated, stats.net_bytes),
        (0, 0, 0)
    );
    // Reports build their tree on the heap: that is the caller's, counted.
    let (_report, stats) = measure(|| Report::new(&value));
    assert!(stats.net_bytes > 0);
    let mut next = value.0;
    while let Some(node) = next {
        next = node.next;
    }
}
