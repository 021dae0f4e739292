//! `Graph`, `StableGraph`, `GraphMap` and `Csr` of the `petgraph` crate
//! (0.8), with their node and edge weights.
//!
//! Layout facts of petgraph 0.8.3, held against the allocator in
//! `tests/tests/ext_petgraph.rs`:
//!
//! 1. A `Graph<N, E, Ty, Ix>` owns two `Vec`s, of `graph::Node<N, Ix>` and
//!    of `graph::Edge<E, Ix>` (public types), whose capacities `capacity()`
//!    gives: exact after any history. Edges live in the edge list only; the
//!    adjacency is threaded through indices inside the nodes and edges.
//! 2. A `StableGraph<N, E, Ty, Ix>` is a `Graph<Option<N>, Option<E>, Ty,
//!    Ix>` plus counters and the heads of two free lists threaded through
//!    vacant slots: its `capacity()` is the inner graph's, exact; removed
//!    nodes and edges are vacant slots, which stay capacity.
//! 3. A `GraphMap<N, E, Ty, S>` owns two `IndexMap`s (see the `indexmap`
//!    impl): the nodes, `N -> Vec<(N, CompactDirection)>` (each node's
//!    adjacency list, a one-byte direction beside the neighbour), and the
//!    edges, `(N, N) -> E`. Neither map is public, nor their hashers: each
//!    is measured from its public `capacity()` (`GraphMap::capacity()`),
//!    exact for maps only inserted into and a lower bound after removals.
//!    Each adjacency list is counted by its length (the slice that
//!    `neighbors` walks: its `size_hint`), a lower bound short by its spare
//!    capacity (a list grows by doubling from 1 or 4 entries), and one
//!    allocation if it has an entry. Nodes are `Copy` and own no heap. The
//!    hasher `S` is not counted (std's `RandomState` owns no heap).
//! 4. A `Csr<N, E, Ty, Ix>` owns four `Vec`s: the edges' targets and
//!    weights, the row offsets (`node_count() + 1` of them, never empty)
//!    and the node weights. None of their capacities is public: each is
//!    counted by its length, a lower bound short by the spare capacity that
//!    `add_node` and `add_edge` (inserts into the `Vec`s) leave;
//!    `with_nodes` and `from_sorted_edges` leave none on the rows and
//!    nodes.

use petgraph::csr::Csr;
use petgraph::graph::{Edge, Graph, IndexType, Node};
use petgraph::graphmap::{GraphMap, NodeTrait};
use petgraph::stable_graph::StableGraph;
use petgraph::{Direction, EdgeType};

use super::indexmap::add_from_capacity;
use crate::lib::{size_of, Layout, Vec};
use crate::{Context, SizeOf};

/// Adds a buffer of `n` elements of `T`.
#[inline]
fn add_buffer<T>(cx: &mut Context<'_>, n: usize) {
    if let Ok(layout) = Layout::array::<T>(n) {
        cx.add_alloc(core::ptr::null(), layout);
    }
}

/// The node and edge lists by capacity (fact 1), then the weights. Exact
/// after any history; constant time when the weights own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N: SizeOf, E: SizeOf, Ty: EdgeType, Ix: IndexType> SizeOf for Graph<N, E, Ty, Ix> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (nodes, edges) = self.capacity();
        add_buffer::<Node<N, Ix>>(cx, nodes);
        add_buffer::<Edge<E, Ix>>(cx, edges);
        if !N::is_heap_free() {
            cx.descend(move |cx| {
                for n in self.raw_nodes() {
                    cx.add_element(&n.weight);
                }
            });
        }
        if !E::is_heap_free() {
            cx.descend(move |cx| {
                for e in self.raw_edges() {
                    cx.add_element(&e.weight);
                }
            });
        }
    }
}

/// The node and edge lists by capacity, vacant slots included (fact 2),
/// then the weights. Exact after any history; constant time when the
/// weights own no heap.
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N: SizeOf, E: SizeOf, Ty: EdgeType, Ix: IndexType> SizeOf for StableGraph<N, E, Ty, Ix> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (nodes, edges) = self.capacity();
        add_buffer::<Node<Option<N>, Ix>>(cx, nodes);
        add_buffer::<Edge<Option<E>, Ix>>(cx, edges);
        if !N::is_heap_free() {
            cx.descend(move |cx| {
                for n in self.node_weights() {
                    cx.add_element(n);
                }
            });
        }
        if !E::is_heap_free() {
            cx.descend(move |cx| {
                for e in self.edge_weights() {
                    cx.add_element(e);
                }
            });
        }
    }
}

/// The two maps from their capacities, each adjacency list by its length
/// (fact 3): exact for the maps of a graph only added to, a lower bound
/// short by the adjacency lists' spare capacity. Then the edge weights.
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N, E, Ty, S> SizeOf for GraphMap<N, E, Ty, S>
where
    N: NodeTrait,
    E: SizeOf,
    Ty: EdgeType,
    S: core::hash::BuildHasher,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (nodes, edges) = self.capacity();
        add_from_capacity::<N, Vec<(N, u8)>>(cx, nodes);
        add_from_capacity::<(N, N), E>(cx, edges);
        if size_of::<(N, u8)>() != 0 {
            for n in self.nodes() {
                // Both directions: the iterator walks the whole list.
                let len = self
                    .neighbors_directed(n, Direction::Outgoing)
                    .size_hint()
                    .1
                    .unwrap_or(0);
                if len != 0 {
                    add_buffer::<(N, u8)>(cx, len);
                }
            }
        }
        if !E::is_heap_free() {
            cx.descend(move |cx| {
                for (_, _, e) in self.all_edges() {
                    cx.add_element(e);
                }
            });
        }
    }
}

/// Each of the four buffers by its length (fact 4): a lower bound, short by
/// their spare capacity. Then the weights.
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N: SizeOf, E: SizeOf, Ty: EdgeType, Ix: IndexType> SizeOf for Csr<N, E, Ty, Ix> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (nodes, edges) = (self.node_count(), self.edge_count());
        add_buffer::<Ix>(cx, edges);
        add_buffer::<E>(cx, edges);
        add_buffer::<usize>(cx, nodes + 1);
        add_buffer::<N>(cx, nodes);
        if !N::is_heap_free() {
            cx.descend(move |cx| {
                for i in 0..self.node_count() {
                    cx.add_element(&self[Ix::new(i)]);
                }
            });
        }
        if !E::is_heap_free() {
            cx.descend(move |cx| {
                for i in 0..self.node_count() {
                    for e in self.edges_slice(Ix::new(i)) {
                        cx.add_element(e);
                    }
                }
            });
        }
    }
}
