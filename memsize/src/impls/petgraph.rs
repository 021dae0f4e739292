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
//! 3. A `GraphMap<N, E, Ty, S>` owns two `IndexMap`s: the nodes,
//!    `N -> Vec<(N, CompactDirection)>` (each node's adjacency list, a
//!    one-byte direction beside the neighbour), and the edges,
//!    `(N, N) -> E`. Neither map is public, nor their hashers; a `Csr<N, E,
//!    Ty, Ix>` owns four `Vec`s (the edges' targets and weights, the row
//!    offsets, the node weights) and an edge count, none of whose
//!    capacities is public.
//! 4. So each is viewed as a mirror, a struct with the same field types in
//!    the same order (the private direction mirrored by an enum of the same
//!    two variants), which rustc lays out the same way, and its fields are
//!    measured as the `IndexMap`s and `Vec`s they are: exact, adjacency
//!    lists and hashers included. The mirror is checked once against a
//!    probe graph whose every byte is known and initialized and none of
//!    whose words is zero (`-Zrandomize-layout` would fail the check), and
//!    on every graph its lengths and capacities are checked to be where the
//!    mirror says.
//! 5. A graph that fails either check is measured from what is public: a
//!    `GraphMap`'s two maps from `capacity()` (exact for maps only inserted
//!    into, see the `indexmap` impl), each adjacency list by its length
//!    (`neighbors` walks the whole list: its `size_hint`), one allocation
//!    if it has an entry; a `Csr`'s buffers by their lengths. A lower
//!    bound, short by the spare capacity. The hasher is then not counted.

use core::hash::BuildHasher;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU8, Ordering};

use indexmap::IndexMap;
use petgraph::csr::Csr;
use petgraph::graph::{Edge, Graph, IndexType, Node};
use petgraph::graphmap::{GraphMap, NodeTrait};
use petgraph::stable_graph::StableGraph;
use petgraph::{Directed, Direction, EdgeType};

use super::hash_table::ProbeHasher;
use super::indexmap::add_from_capacity;
use crate::lib::{size_of, Layout, Vec};
use crate::{Context, SizeOf};

/// petgraph's private `CompactDirection`: the same two variants.
#[allow(dead_code)] // Only its layout is used.
#[derive(Clone, Copy)]
enum Dir {
    Outgoing,
    Incoming,
}

impl SizeOf for Dir {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        true
    }
}

/// A `GraphMap`, field for field (facts 3, 4).
struct GraphMapView<N, E, Ty, S> {
    nodes: IndexMap<N, Vec<(N, Dir)>, S>,
    edges: IndexMap<(N, N), E, S>,
    #[allow(dead_code)] // Only its layout is used.
    ty: PhantomData<Ty>,
}

/// A `Csr`, field for field (facts 3, 4).
struct CsrView<N, E, Ty, Ix> {
    column: Vec<Ix>,
    edges: Vec<E>,
    row: Vec<usize>,
    node_weights: Vec<N>,
    #[allow(dead_code)] // Only its layout is used.
    edge_count: usize,
    #[allow(dead_code)] // Only its layout is used.
    ty: PhantomData<Ty>,
}

/// Whether a view holds: 0 before its probe ran, 1 if it holds, 2 if not.
static GRAPHMAP_VIEW: AtomicU8 = AtomicU8::new(0);
static CSR_VIEW: AtomicU8 = AtomicU8::new(0);

fn holds(flag: &AtomicU8, probe: fn() -> bool) -> bool {
    let mut known = flag.load(Ordering::Relaxed);
    if known == 0 {
        known = if probe() { 1 } else { 2 };
        flag.store(known, Ordering::Relaxed);
    }
    known == 1
}

/// An eight-byte hasher whose bytes are known, for the probe.
#[derive(Clone)]
struct ProbeState(u64);

impl BuildHasher for ProbeState {
    type Hasher = ProbeHasher;
    fn build_hasher(&self) -> ProbeHasher {
        ProbeHasher(self.0)
    }
}

const PROBE_SEED: u64 = 0x5eed_0000_9a9b_0001;

/// Checks the `GraphMap` view against a graph of known contents (fact 4).
fn probe_graphmap() -> bool {
    type G = GraphMap<u64, u64, Directed, ProbeState>;
    type V = GraphMapView<u64, u64, Directed, ProbeState>;
    let mut g: G = GraphMap::with_capacity_and_hasher(6, 6, ProbeState(PROBE_SEED));
    g.add_edge(1, 2, 12);
    g.add_edge(2, 3, 23);
    if size_of::<G>() != size_of::<V>() {
        return false;
    }
    // SAFETY: the sizes agree (checked above), and every byte of the probe
    // is initialized and no word of it is zero: two maps, each a hasher
    // (the seed) and seven words (entries pointer, capacity 6 and length 3
    // or 2; bucket mask 7, control pointer, growth left 4 or 5, items 3 or
    // 2), no padding. So whatever word the view reads, as whichever field,
    // is an initialized, valid integer or pointer. Only those words are
    // read (lengths, capacities, the hashers' seeds), nothing is
    // dereferenced.
    let v = unsafe { &*(&g as *const G).cast::<V>() };
    v.nodes.len() == 3
        && v.edges.len() == 2
        && v.nodes.hasher().0 == PROBE_SEED
        && v.edges.hasher().0 == PROBE_SEED
        && (v.nodes.capacity(), v.edges.capacity()) == g.capacity()
}

/// Checks the `Csr` view against a graph of known contents (fact 4).
fn probe_csr() -> bool {
    type G = Csr<u64, u64, Directed, u32>;
    type V = CsrView<u64, u64, Directed, u32>;
    let Ok(g) = G::from_sorted_edges(&[(0, 1, 1), (1, 2, 2)]) else {
        return false;
    };
    if size_of::<G>() != size_of::<V>() {
        return false;
    }
    // SAFETY: the sizes agree (checked above), and every byte of the probe
    // is initialized and no word of it is zero: four `Vec`s, none empty,
    // and the edge count 2, all words, no padding. So whatever word the
    // view reads, as whichever field, is an initialized, valid integer or
    // pointer. Only lengths, the count and one buffer address are read,
    // nothing is dereferenced.
    let v = unsafe { &*(&g as *const G).cast::<V>() };
    v.column.len() == 2
        && v.edges.len() == 2
        && v.row.len() == 4
        && v.node_weights.len() == 3
        && v.edge_count == 2
        && core::ptr::eq(v.node_weights.as_ptr(), &g[0])
}

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

/// The two maps, adjacency lists and hashers, exact through the view
/// (fact 4); else a lower bound (fact 5). Then the edge weights.
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N, E, Ty, S> SizeOf for GraphMap<N, E, Ty, S>
where
    N: NodeTrait + SizeOf,
    E: SizeOf,
    Ty: EdgeType,
    S: BuildHasher + SizeOf,
{
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if holds(&GRAPHMAP_VIEW, probe_graphmap)
            && size_of::<Self>() == size_of::<GraphMapView<N, E, Ty, S>>()
        {
            // SAFETY: the view has the same field types in the same order
            // as `GraphMap` (fact 4), which rustc lays out alike, as the
            // probe confirmed on a graph whose every byte is known, and the
            // sizes agree. It is only read, while `self` is borrowed.
            let v: &'a GraphMapView<N, E, Ty, S> =
                unsafe { &*(self as *const Self).cast::<GraphMapView<N, E, Ty, S>>() };
            if v.nodes.len() == self.node_count()
                && v.edges.len() == self.edge_count()
                && (v.nodes.capacity(), v.edges.capacity()) == self.capacity()
            {
                cx.add_field("nodes", &v.nodes);
                cx.add_field("edges", &v.edges);
                return;
            }
        }
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

/// The four buffers by capacity through the view (fact 4), exact; else by
/// their lengths, a lower bound (fact 5). Then the weights (an undirected
/// graph stores each edge's weight twice, once per direction).
#[cfg_attr(docsrs, doc(cfg(feature = "petgraph")))]
impl<N: SizeOf, E: SizeOf, Ty: EdgeType, Ix: IndexType> SizeOf for Csr<N, E, Ty, Ix> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let nodes = self.node_count();
        let mut caps = None;
        if holds(&CSR_VIEW, probe_csr) && size_of::<Self>() == size_of::<CsrView<N, E, Ty, Ix>>() {
            // SAFETY: the view has the same field types in the same order
            // as `Csr` (fact 4), which rustc lays out alike, as the probe
            // confirmed on a graph whose every byte is known, and the sizes
            // agree. It is only read, while `self` is borrowed.
            let v = unsafe { &*(self as *const Self).cast::<CsrView<N, E, Ty, Ix>>() };
            // A directed graph counts its edges by `column`, an undirected
            // one in `edge_count` (each edge stored once per direction).
            let edges = if Ty::is_directed() {
                v.column.len()
            } else {
                v.edge_count
            };
            if v.column.len() == v.edges.len()
                && edges == self.edge_count()
                && v.row.len() == nodes + 1
                && v.node_weights.len() == nodes
            {
                caps = Some([
                    v.column.capacity(),
                    v.edges.capacity(),
                    v.row.capacity(),
                    v.node_weights.capacity(),
                ]);
            }
        }
        let caps = caps.unwrap_or_else(|| {
            let stored = (0..nodes)
                .map(|i| self.neighbors_slice(Ix::new(i)).len())
                .sum();
            [stored, stored, nodes + 1, nodes]
        });
        add_buffer::<Ix>(cx, caps[0]);
        add_buffer::<E>(cx, caps[1]);
        add_buffer::<usize>(cx, caps[2]);
        add_buffer::<N>(cx, caps[3]);
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
