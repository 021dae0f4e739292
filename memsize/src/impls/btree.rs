//! `BTreeMap` and `BTreeSet`, counted node by node.
//!
//! A B-tree's node count depends on its history (sorted bulk building,
//! random inserts and removals all leave different trees of the same
//! length), and std shows no nodes. The nodes can still be counted exactly
//! from where the keys lie, using these layout facts of
//! `alloc/collections/btree/node.rs` (each held against the allocator in
//! `tests/tests/btree.rs`):
//!
//! 1. Every node is one allocation: a leaf is [`Leaf`], an internal node is
//!    [`Internal`] (a leaf followed by 12 edges). With `B = 6` a node holds
//!    up to 11 keys, in an inline array.
//! 2. So two keys of one node lie exactly `size_of::<K>()` apart when
//!    adjacent in the node, and two keys of different nodes never do: the
//!    nodes are separate allocations, each larger than 11 keys.
//! 3. In-order iteration visits a leaf's keys as one run of adjacent keys,
//!    and each key of an internal node alone, between two leaves. The runs
//!    therefore alternate leaf, internal key, leaf, ..., leaf.
//! 4. An internal node's keys are visited in index order, each one after the
//!    subtree to its left. So an internal key continues an open node exactly
//!    when it lies `size_of::<K>()` after that node's last visited key; any
//!    other internal key is the first key of a new node. The open nodes form
//!    a stack no deeper than the tree.
//!
//! The walk is one pass over the keys with a little arithmetic per key: the
//! price of exactness even when keys and values own no heap.

use core::mem::MaybeUninit;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use std_alloc::collections::{BTreeMap, BTreeSet};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// Keys per node: `2 * B - 1` with `B = 6`.
const CAPACITY: usize = 11;

/// Same field types as std's `LeafNode<K, V>` (not `repr(C)`), so rustc gives
/// it the same size and alignment.
#[allow(dead_code)] // Only its layout is used.
struct Leaf<K, V> {
    parent: Option<NonNull<()>>,
    parent_idx: MaybeUninit<u16>,
    len: u16,
    keys: [MaybeUninit<K>; CAPACITY],
    vals: [MaybeUninit<V>; CAPACITY],
}

/// Same as std's `InternalNode<K, V>`, which is `repr(C)`: a leaf, then the
/// edges.
#[allow(dead_code)] // Only its layout is used.
#[repr(C)]
struct Internal<K, V> {
    data: Leaf<K, V>,
    edges: [MaybeUninit<NonNull<()>>; CAPACITY + 1],
}

/// Counts leaves and internal nodes from the addresses of the keys (or of
/// the values, whichever are not zero-sized) in iteration order.
struct NodeCounter {
    stride: usize,
    prev: usize,
    runs: usize,
    internal_nodes: usize,
    open: [usize; 64],
    depth: usize,
}

impl NodeCounter {
    fn new(stride: usize) -> Self {
        NodeCounter {
            stride,
            prev: 0,
            runs: 0,
            internal_nodes: 0,
            open: [0; 64],
            depth: 0,
        }
    }

    #[inline]
    fn visit(&mut self, addr: usize) {
        let adjacent = self.runs != 0 && addr == self.prev.wrapping_add(self.stride);
        self.prev = addr;
        if adjacent {
            return;
        }
        self.runs += 1;
        if self.runs % 2 == 0 {
            self.internal_key(addr);
        }
    }

    #[inline]
    fn internal_key(&mut self, addr: usize) {
        let continued = self.open[..self.depth]
            .iter()
            .rposition(|&last| addr == last.wrapping_add(self.stride));
        match continued {
            Some(i) => {
                self.open[i] = addr;
                self.depth = i + 1;
            }
            None => {
                self.internal_nodes += 1;
                // A B-tree of 2^64 keys is less than 30 levels deep.
                if self.depth < self.open.len() {
                    self.open[self.depth] = addr;
                    self.depth += 1;
                }
            }
        }
    }

    fn leaves(&self) -> usize {
        self.runs.div_ceil(2)
    }
}

/// Where the root pointer of a `BTreeMap` sits inside the map, found once by
/// a probe: `usize::MAX` until then, `usize::MAX - 1` when the probe did not
/// find it.
static ROOT_WORD: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Whether a map of length 0 still holds its root leaf (std keeps it when a
/// map is emptied by `remove`; a new map has none).
///
/// The map is `{ root: Option<{ height, node }>, length }`, three words with
/// no `K`/`V` inside, so its layout is the same for every `K` and `V`. A
/// probe map emptied by `remove` has height 0, length 0 and a non-null node:
/// its one non-zero word is the node pointer. That word is initialized in
/// every map (null for `None`: it is the option's niche), so it alone is read.
///
/// # Safety
///
/// `M` must be a `BTreeMap`, or a struct of exactly one `BTreeMap` and
/// nothing else (a `BTreeSet`, serde_json's `Map`).
unsafe fn keeps_empty_root<M>(map: &M) -> bool {
    const WORDS: usize = 3;
    if size_of::<M>() != WORDS * size_of::<usize>()
        || size_of::<BTreeMap<u8, ()>>() != WORDS * size_of::<usize>()
    {
        return false;
    }
    let mut word = ROOT_WORD.load(Ordering::Relaxed);
    if word == usize::MAX {
        let mut probe = BTreeMap::<u8, ()>::new();
        probe.insert(0, ());
        probe.remove(&0);
        // SAFETY: `probe` is three words (checked above; the layout does not
        // depend on `K`, `V`), all initialized: the root is `Some`, so its
        // height and node are written, and so is the length.
        let words: [usize; WORDS] = unsafe { core::mem::transmute_copy(&probe) };
        let mut nonzero = words.iter().enumerate().filter(|(_, &w)| w != 0);
        word = match (nonzero.next(), nonzero.next()) {
            (Some((i, _)), None) => i,
            _ => usize::MAX - 1,
        };
        ROOT_WORD.store(word, Ordering::Relaxed);
    }
    if word >= WORDS {
        return false;
    }
    let base = map as *const M as *const usize;
    // SAFETY: `M` is a `BTreeMap` or a struct of exactly one `BTreeMap`
    // (the caller's contract) of three words, like the probe (checked
    // above). `word` indexes its root node pointer, which is initialized
    // whether the root is `Some` (a node) or `None` (null, the niche), and
    // aligned like `usize`. The read stays inside the value `map` borrows.
    let node = unsafe { base.add(word).read() };
    node != 0
}

/// Adds the nodes of a tree with `len` entries, counted by `counter` from the
/// addresses of its keys or values (`stride` apart within a node).
fn add_nodes<K, V>(cx: &mut Context<'_>, len: usize, stride: usize, counter: &NodeCounter) {
    let leaf = Layout::new::<Leaf<K, V>>();
    let internal = Layout::new::<Internal<K, V>>();
    if stride != 0 {
        cx.add_allocs(leaf, counter.leaves());
        cx.add_allocs(internal, counter.internal_nodes);
    } else if len != 0 {
        // Keys and values both zero-sized: their addresses say nothing. Such
        // a tree holds more than one entry only under an `Ord` that tells
        // equal values apart; count the fewest nodes that hold `len`.
        let leaves = len.div_ceil(CAPACITY);
        cx.add_allocs(leaf, leaves);
        cx.add_allocs(internal, (leaves - 1).div_ceil(CAPACITY));
    }
}

/// Adds the nodes of a B-tree map and the heap of its entries: the whole of
/// what `map` owns. `map` is a `BTreeMap<K, V>`, or a struct of exactly one
/// `BTreeMap<K, V>` and nothing else (a wrapper such as serde_json's `Map`);
/// `entries` yields its entries in order.
///
/// # Safety
///
/// `M` must be `BTreeMap<K, V>` or a struct of exactly one `BTreeMap<K, V>`
/// and nothing else: when the map is empty, one word of it is read as the
/// root pointer.
pub(crate) unsafe fn add_tree<'a, M, K, V, I>(
    cx: &mut Context<'a>,
    map: &'a M,
    len: usize,
    entries: fn(&'a M) -> I,
) where
    K: SizeOf + 'a,
    V: SizeOf + 'a,
    I: Iterator<Item = (&'a K, &'a V)> + 'a,
{
    if len == 0 {
        // SAFETY: `M` is a `BTreeMap` or a struct of one (our contract).
        if unsafe { keeps_empty_root(map) } {
            cx.add_allocs(Layout::new::<Leaf<K, V>>(), 1);
        }
        return;
    }
    let by_key = size_of::<K>() != 0;
    let stride = if by_key {
        size_of::<K>()
    } else {
        size_of::<V>()
    };
    let addr = move |k: &K, v: &V| {
        if by_key {
            k as *const K as usize
        } else {
            v as *const V as usize
        }
    };
    if K::is_heap_free() && V::is_heap_free() {
        let mut counter = NodeCounter::new(stride);
        for (k, v) in entries(map) {
            counter.visit(addr(k, v));
        }
        add_nodes::<K, V>(cx, len, stride, &counter);
    } else {
        cx.descend(move |cx| {
            let mut counter = NodeCounter::new(stride);
            for (k, v) in entries(map) {
                counter.visit(addr(k, v));
                k.add_heap(cx);
                v.add_heap(cx);
            }
            add_nodes::<K, V>(cx, len, stride, &counter);
        });
    }
}

impl<K: SizeOf, V: SizeOf> SizeOf for BTreeMap<K, V> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        // SAFETY: `self` is a `BTreeMap<K, V>`.
        unsafe { add_tree(cx, self, self.len(), |map| map.iter()) }
    }
}

/// The value type std's `BTreeSet<T>` stores: `BTreeMap<T, SetValZST>`.
struct SetVal;

impl<T: SizeOf> SizeOf for BTreeSet<T> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if self.is_empty() {
            // SAFETY: a `BTreeSet` is a struct of exactly one `BTreeMap`.
            if unsafe { keeps_empty_root(self) } {
                cx.add_allocs(Layout::new::<Leaf<T, SetVal>>(), 1);
            }
            return;
        }
        let stride = size_of::<T>();
        if T::is_heap_free() {
            let mut counter = NodeCounter::new(stride);
            for v in self {
                counter.visit(v as *const T as usize);
            }
            add_nodes::<T, SetVal>(cx, self.len(), stride, &counter);
        } else {
            cx.descend(move |cx| {
                let mut counter = NodeCounter::new(stride);
                for v in self {
                    counter.visit(v as *const T as usize);
                    v.add_heap(cx);
                }
                add_nodes::<T, SetVal>(cx, self.len(), stride, &counter);
            });
        }
    }
}
