//! Reports that follow paths to a depth only (`ReportBuilder::max_depth`,
//! what the registry's metrics use): the figures of the nodes shown stay
//! exact, against the full report and the allocator, and what lies below
//! the depth is traversed plainly, deep data and shared blocks included.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::HashMap;
use std::rc::Rc;

use memsize::alloc::{measure, CountingAlloc};
use memsize::{Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    score: Option<Box<u32>>,
    shared: Rc<Vec<u8>>,
}

#[derive(SizeOf)]
enum List {
    Cons(u64, Box<List>),
    Nil,
}

#[derive(SizeOf)]
struct State {
    records: HashMap<u64, Record>,
    list: List,
}

fn state() -> State {
    let shared = Rc::new(vec![0u8; 1000]);
    let mut list = List::Nil;
    for i in 0..200_000 {
        list = List::Cons(i, Box::new(list));
    }
    State {
        records: (0..500u64)
            .map(|i| {
                let r = Record {
                    id: i,
                    name: "n".repeat(i as usize % 40),
                    tags: vec!["t".repeat(3); i as usize % 4],
                    score: (i % 2 == 0).then(|| Box::new(1)),
                    shared: Rc::clone(&shared),
                };
                (i, r)
            })
            .collect(),
        list,
    }
}

#[test]
fn every_depth_keeps_the_figures_of_the_nodes_it_shows() {
    // A 200,000-deep list drops recursively: it is leaked rather than
    // overflow the test's stack, even when an assertion fails.
    let s = &*Box::leak(Box::new(state()));
    let full = Report::new(&s);
    let stats = s.heap_stats();
    assert_eq!(full.heap_bytes(), stats.bytes as u64);
    for depth in 0..6 {
        let (cut, _) = measure(|| Report::builder().max_depth(depth).root("state", &s).build());
        assert_eq!(cut.total_bytes(), full.total_bytes(), "depth {depth}");
        assert_eq!(cut.allocations(), full.allocations(), "depth {depth}");
        // Every node at the depth (the roots' children at least) has no
        // children and holds its whole heap.
        let last = depth.max(1);
        let mut stack = vec![(cut.root(), 0)];
        while let Some((n, d)) = stack.pop() {
            assert!(d <= last, "a node deeper than {last}");
            if d == last {
                assert_eq!(n.children().len(), 0);
                assert_eq!(n.own_bytes(), n.heap_bytes());
            }
            stack.extend(n.children().map(|c| (c, d + 1)));
        }
        // The nodes it shows have the full report's figures.
        let records = cut.root().child("records").unwrap();
        let full_records = full.root().child("records").unwrap();
        assert_eq!(
            records.heap_bytes(),
            full_records.heap_bytes(),
            "depth {depth}"
        );
    }
}

#[test]
fn a_shallow_report_of_deep_data_is_stack_safe() {
    // The 200,000-deep list below the depth runs as a plain traversal, on a
    // small stack.
    let (heap, report_heap, nodes) = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let s = state();
            let r = Report::builder().max_depth(1).root("state", &s).build();
            let out = (s.heap_size() as u64, r.heap_bytes(), r.nodes().len());
            // A 200,000-deep list drops recursively: leak it rather than
            // overflow this small stack.
            std::mem::forget(s);
            out
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(report_heap, heap);
    assert!(nodes < 10, "{nodes} nodes");
}
