//! petgraph's graphs against the allocator: `Graph` and `StableGraph`
//! exact after any history, `GraphMap` exact for maps only added to and
//! `Csr` held to their documented lower bounds.
#![cfg(feature = "petgraph")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc, HeapCheck};
use memsize::SizeOf;
use memsize_tests::{check_history, Lcg, NeverVisited};
use petgraph::csr::Csr;
use petgraph::graph::{DiGraph, NodeIndex, UnGraph};
use petgraph::graphmap::{DiGraphMap, UnGraphMap};
use petgraph::stable_graph::StableGraph;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// A lower bound: never above what the drop frees, and within `slack`.
fn assert_bound(c: HeapCheck, slack: usize) {
    assert!(c.byte_difference() >= 0, "{c}");
    assert!(c.byte_difference() <= slack as i128, "{c}");
}

#[test]
fn graphs_by_capacity() {
    assert_heap_exact(DiGraph::<u8, u8>::new());
    for (n, e) in [(0, 0), (1, 0), (5, 17), (100, 1000)] {
        assert_heap_exact(DiGraph::<u32, ()>::with_capacity(n, e));
        assert_heap_exact(UnGraph::<String, u64, u16>::with_capacity(n, e));
    }
    check_history::<DiGraph<String, Vec<u8>>>(
        DiGraph::new,
        &[
            &|g| {
                for i in 0..100 {
                    g.add_node(i.to_string());
                }
            },
            &|g| {
                let mut rng = Lcg(1);
                for _ in 0..400 {
                    let a = NodeIndex::new((rng.next_u64() % 100) as usize);
                    let b = NodeIndex::new((rng.next_u64() % 100) as usize);
                    g.add_edge(a, b, vec![0; (rng.next_u64() % 9) as usize]);
                }
            },
            &|g| {
                for i in (0..50).rev() {
                    g.remove_node(NodeIndex::new(i * 2));
                }
            },
            &|g| g.retain_edges(|g, e| e.index() % 3 == 0 || g.edge_count() < 10),
            &|g| g.shrink_to_fit(),
            &|g| g.clear(),
        ],
    );
}

#[test]
fn stable_graphs_keep_vacant_slots() {
    check_history::<StableGraph<String, String>>(
        StableGraph::new,
        &[
            &|g| {
                let nodes: Vec<_> = (0..200).map(|i| g.add_node("n".repeat(i % 13))).collect();
                for w in nodes.windows(3) {
                    g.add_edge(w[0], w[2], "e".repeat(5));
                }
            },
            &|g| {
                for i in (0..200).step_by(3) {
                    g.remove_node(NodeIndex::new(i));
                }
            },
            // Reuses the vacant slots.
            &|g| {
                for i in 0..30 {
                    g.add_node(i.to_string());
                }
            },
            &|g| g.clear_edges(),
        ],
    );
}

#[test]
fn graph_maps_added_to_are_exact_in_their_maps() {
    // Nodes added first own empty adjacency lists: exact.
    let mut g = DiGraphMap::<u32, String>::new();
    for i in 0..300 {
        g.add_node(i);
    }
    assert_heap_exact(g);
    // Adjacency lists have spare capacity; the maps are exact.
    for n in [1u32, 10, 100, 1000] {
        let build = || {
            let mut g = UnGraphMap::<u32, Vec<u16>>::new();
            let mut rng = Lcg(u64::from(n));
            for _ in 0..n * 3 {
                let a = (rng.next_u64() % u64::from(n)) as u32;
                let b = (rng.next_u64() % u64::from(n)) as u32;
                g.add_edge(a, b, vec![1; (rng.next_u64() % 5) as usize]);
            }
            g
        };
        let g = build();
        // An adjacency entry is (u32, direction): 8 bytes. A list of `len`
        // entries has at most `max(4, 2 * len)` of them (it doubled past
        // `len` at most once since its last growth).
        let slack: usize = g
            .nodes()
            .map(|a| {
                let len = g.neighbors(a).count();
                8 * (4.max(2 * len) - len)
            })
            .sum();
        assert_bound(check_heap(g), slack);
    }
}

#[test]
fn graph_maps_after_removals_stay_a_lower_bound() {
    let mut g = DiGraphMap::<u64, u64>::new();
    let mut rng = Lcg(7);
    for _ in 0..5000 {
        let a = rng.next_u64() % 500;
        let b = rng.next_u64() % 500;
        if rng.next_u64().is_multiple_of(4) {
            g.remove_edge(a, b);
        } else {
            g.add_edge(a, b, a + b);
        }
    }
    for n in 0..100 {
        g.remove_node(n * 5);
    }
    let c = check_heap(g);
    assert!(c.byte_difference() >= 0, "{c}");
}

#[test]
fn csr_is_a_lower_bound() {
    assert_heap_exact(Csr::<(), ()>::new());
    assert_heap_exact(Csr::<u64, ()>::with_nodes(100));
    let edges: Vec<(u32, u32, String)> = (0..50u32)
        .flat_map(|a| (0..a % 4).map(move |b| (a, (a + b) % 50, format!("{a}->{b}"))))
        .collect();
    let c = check_heap(Csr::<(), String>::from_sorted_edges(&edges).unwrap());
    // Built in one go: the edges' buffers at most double their length.
    assert_bound(c, edges.len() * (4 + 24) + 50 * 8);
    let mut g: Csr<String, u8> = Csr::new();
    for i in 0..40 {
        g.add_node(i.to_string());
    }
    for i in 0..40 {
        g.add_edge(i, (i * 7) % 40, 1);
    }
    let spare = 41 * 8 + 40 * 24 + 40 * 4 + 40;
    assert_bound(check_heap(g), spare);
}

#[test]
fn heap_free_weights_are_not_visited() {
    let mut g = DiGraph::<NeverVisited, NeverVisited>::new();
    let a = g.add_node(NeverVisited(1));
    let b = g.add_node(NeverVisited(2));
    g.add_edge(a, b, NeverVisited(3));
    assert_heap_exact(g);
    let mut g = DiGraphMap::<u8, NeverVisited>::new();
    g.add_node(1);
    assert!(g.heap_size() > 0);
}
