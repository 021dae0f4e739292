//! petgraph's graphs against the allocator, exact after any history:
//! `Graph` and `StableGraph` by their capacities, `GraphMap` and `Csr`
//! through their checked views.
#![cfg(feature = "petgraph")]

use std::alloc::System;

use std::hash::{BuildHasher, DefaultHasher};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, SizeOf};
use memsize_tests::{check_history, Lcg, NeverVisited};
use petgraph::csr::Csr;
use petgraph::graph::{DiGraph, NodeIndex, UnGraph};
use petgraph::graphmap::{DiGraphMap, GraphMap, UnGraphMap};
use petgraph::stable_graph::StableGraph;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

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
    // Undirected: each edge stored, weight and all, once per direction.
    let mut g: Csr<(), String, petgraph::Undirected> = Csr::with_nodes(30);
    for i in 0..30 {
        g.add_edge(i, (i * 11) % 30, "w".repeat(i as usize));
    }
    assert_heap_exact(g);
}

#[test]
fn graph_maps() {
    let mut g = DiGraphMap::<u32, String>::new();
    for i in 0..300 {
        g.add_node(i);
    }
    assert_heap_exact(g);
    for n in [1u32, 10, 100, 1000] {
        let mut g = UnGraphMap::<u32, Vec<u16>>::new();
        let mut rng = Lcg(u64::from(n));
        for _ in 0..n * 3 {
            let a = (rng.next_u64() % u64::from(n)) as u32;
            let b = (rng.next_u64() % u64::from(n)) as u32;
            g.add_edge(a, b, vec![1; (rng.next_u64() % 5) as usize]);
        }
        assert_heap_exact(g);
    }
    // Removals: adjacency lists keep their capacity, the maps tombstones.
    check_history::<DiGraphMap<u64, String>>(
        || DiGraphMap::with_capacity(10, 10),
        &[
            &|g| {
                let mut rng = Lcg(7);
                for _ in 0..5000 {
                    let a = rng.next_u64() % 500;
                    let b = rng.next_u64() % 500;
                    if rng.next_u64().is_multiple_of(4) {
                        g.remove_edge(a, b);
                    } else {
                        g.add_edge(a, b, (a + b).to_string());
                    }
                }
            },
            &|g| {
                for n in 0..100 {
                    g.remove_node(n * 5);
                }
            },
            &|g| g.clear(),
        ],
    );
}

#[test]
fn graph_map_hashers_are_counted() {
    let mut g: GraphMap<u8, u8, petgraph::Directed, Boxed> =
        GraphMap::with_capacity_and_hasher(4, 4, Boxed::default());
    g.add_edge(1, 2, 3);
    assert_heap_exact(g);
}

#[test]
fn csr() {
    assert_heap_exact(Csr::<(), ()>::new());
    assert_heap_exact(Csr::<u64, ()>::with_nodes(100));
    let edges: Vec<(u32, u32, String)> = (0..50u32)
        .flat_map(|a| (0..a % 4).map(move |b| (a, (a + b) % 50, format!("{a}->{b}"))))
        .collect();
    assert_heap_exact(Csr::<(), String>::from_sorted_edges(&edges).unwrap());
    check_history::<Csr<String, u8>>(
        Csr::new,
        &[
            &|g| {
                for i in 0..40 {
                    g.add_node(i.to_string());
                }
            },
            &|g| {
                for i in 0..40 {
                    g.add_edge(i, (i * 7) % 40, 1);
                }
            },
            &|g| g.clear_edges(),
        ],
    );
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
