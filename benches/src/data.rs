//! The types and values the benches measure, each built from a seeded
//! [`Rng`].

use std::mem::size_of;
use std::rc::Rc;

use datasize::DataSize;
use mem_dbg::{MemSize, SizeFlags};

use crate::rng::Rng;

/// A record with strings, vectors and an optional boxed parent, measured by
/// each crate through its own derive (mem_dbg's and datasize's written out
/// below: they reject recursive types).
#[derive(
    memsize::SizeOf,
    deepsize::DeepSizeOf,
    get_size2::GetSize,
    allocative::Allocative,
    typesize::derive::TypeSize,
)]
pub struct Record {
    /// An identifier.
    pub id: u64,
    /// A name of 6 to 20 letters.
    pub name: String,
    /// Up to 4 tags.
    pub tags: Vec<String>,
    /// Up to 8 scores.
    pub scores: Vec<f32>,
    /// One record in eight has a parent.
    pub parent: Option<Box<Record>>,
}

// mem_dbg's derive bounds the impl on every field type implementing
// `MemSize`, which can't be proved for a recursive field (`Option<Box<Record>>`
// needs `Record`): rustc overflows. This is the body the derive generates,
// without the bounds.
impl mem_dbg::FlatType for Record {
    type Flat = mem_dbg::False;
}

impl MemSize for Record {
    fn mem_size_rec(&self, flags: SizeFlags, refs: &mut mem_dbg::HashMap<usize, usize>) -> usize {
        // A field's size, less its inline bytes: they lie in `Self`'s.
        fn extra<T: MemSize>(
            field: &T,
            flags: SizeFlags,
            refs: &mut mem_dbg::HashMap<usize, usize>,
        ) -> usize {
            field.mem_size_rec(flags, refs) - size_of::<T>()
        }
        size_of::<Self>()
            + extra(&self.id, flags, refs)
            + extra(&self.name, flags, refs)
            + extra(&self.tags, flags, refs)
            + extra(&self.scores, flags, refs)
            + extra(&self.parent, flags, refs)
    }
}

// datasize's derive computes `IS_DYNAMIC` from the fields' constants, a
// cycle through `Option<Box<Record>>` that rustc rejects. This is the impl
// the derive generates, with the constants written out.
impl DataSize for Record {
    const IS_DYNAMIC: bool = true;
    const STATIC_HEAP_SIZE: usize = 0;

    fn estimate_heap_size(&self) -> usize {
        datasize::data_size(&self.id)
            + datasize::data_size(&self.name)
            + datasize::data_size(&self.tags)
            + datasize::data_size(&self.scores)
            + datasize::data_size(&self.parent)
    }
}

/// A record with id `id`; with `with_parent`, one in eight gets a parent.
pub fn record(rng: &mut Rng, id: u64, with_parent: bool) -> Record {
    let tags = (0..rng.range(0, 5)).map(|_| rng.string(3, 11)).collect();
    let mut scores = Vec::new();
    for _ in 0..rng.range(0, 9) {
        scores.push(rng.next_u64() as f32);
    }
    let parent =
        (with_parent && id.is_multiple_of(8)).then(|| Box::new(record(rng, id + 1, false)));
    Record {
        id,
        name: rng.string(6, 21),
        tags,
        scores,
        parent,
    }
}

/// `n` records.
pub fn records(rng: &mut Rng, n: usize) -> Vec<Record> {
    (0..n as u64).map(|i| record(rng, i, true)).collect()
}

/// A singly linked list of boxes: as deep as it is long.
#[derive(memsize::SizeOf, deepsize::DeepSizeOf, get_size2::GetSize)]
pub enum List {
    /// The end.
    Nil,
    /// A value and the rest of the list.
    Cons(u64, Box<List>),
}

impl Drop for List {
    /// Unlinks the nodes one by one: the drop glue alone would recurse once
    /// per node and overflow the stack on a long list.
    fn drop(&mut self) {
        let mut next = match self {
            List::Nil => return,
            List::Cons(_, next) => std::mem::replace(&mut **next, List::Nil),
        };
        while let List::Cons(_, rest) = &mut next {
            next = std::mem::replace(&mut **rest, List::Nil);
        }
    }
}

/// A list of `n` nodes, one box each.
pub fn list(n: usize) -> List {
    let mut l = List::Nil;
    for i in 0..n as u64 {
        l = List::Cons(i, Box::new(l));
    }
    l
}

/// A node of a [`Graph`]: its children are shared with other nodes.
#[derive(memsize::SizeOf, deepsize::DeepSizeOf, get_size2::GetSize)]
pub struct Node {
    /// An identifier.
    pub id: u64,
    /// Up to 3 nodes made before this one.
    pub children: Vec<Rc<Node>>,
}

/// Nodes held by the graph and by each other: every node is reached once
/// from `nodes` and once more from each parent.
#[derive(memsize::SizeOf, deepsize::DeepSizeOf, get_size2::GetSize)]
pub struct Graph {
    /// Every node, in the order made; children come before their parents.
    pub nodes: Vec<Rc<Node>>,
}

impl Drop for Graph {
    /// Drops the parents before their children, so that no node's drop
    /// recurses into its children's.
    fn drop(&mut self) {
        while self.nodes.pop().is_some() {}
    }
}

/// A graph of `n` nodes, each with 0 to 3 children among the 1,000 nodes
/// made just before it.
pub fn graph(rng: &mut Rng, n: usize) -> Graph {
    let mut nodes: Vec<Rc<Node>> = Vec::with_capacity(n);
    for i in 0..n {
        let k = if i == 0 { 0 } else { rng.range(0, 4) };
        let children = (0..k)
            .map(|_| Rc::clone(&nodes[rng.range(i.saturating_sub(1000), i)]))
            .collect();
        nodes.push(Rc::new(Node {
            id: i as u64,
            children,
        }));
    }
    Graph { nodes }
}
