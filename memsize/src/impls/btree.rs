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
//!    `repr(C) { data: Leaf, edges: [ptr; 12] }` (see [`node_layouts`]).
//!    With `B = 6` a node holds up to 11 keys, in an inline array.
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

use crate::adapt::{via_adapter, As, Same, SizeOfAs};
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

/// The layouts of a leaf and of an internal node of a tree of `K` and `V`.
///
/// std's `InternalNode<K, V>` is `repr(C) { data: LeafNode<K, V>, edges:
/// [_; 12] }` with pointer-sized edges: its layout follows from the leaf's by
/// `repr(C)`'s rule, computed here.
///
/// The leaf is not `repr(C)`. [`Leaf`] has its field types, so rustc lays it
/// out the same way, unless field orders are randomized
/// (`-Zrandomize-layout`) in this crate and not in std's: then [`Leaf`] may
/// gain padding std's leaf does not have. [`mirror_holds`] tells the two
/// apart, once, against a real map. When the mirror does not hold, the leaf
/// is laid out by [`padding_free`], which is std's layout: `LeafNode` has no
/// niche (`Option<NonNull>` uses its own, `MaybeUninit` and `u16` have
/// none), so rustc's layout sorts its fields by alignment, leaving padding
/// only at the end.
fn node_layouts<K, V>() -> (Layout, Layout) {
    let leaf = if mirror_holds() {
        Layout::new::<Leaf<K, V>>()
    } else {
        padding_free(&[
            Layout::new::<Option<NonNull<()>>>(),
            Layout::new::<u16>(),
            Layout::new::<u16>(),
            Layout::new::<[MaybeUninit<K>; CAPACITY]>(),
            Layout::new::<[MaybeUninit<V>; CAPACITY]>(),
        ])
    };
    let edges = Layout::new::<[NonNull<()>; CAPACITY + 1]>();
    let internal = leaf.extend(edges).map_or(leaf, |(l, _)| l.pad_to_align());
    (leaf, internal)
}

/// The layout of a struct of these fields, not `repr(C)`, as rustc lays it
/// out without randomization: fields sorted by alignment (each field's size
/// is a multiple of its alignment; niches only break ties), so padded only
/// at the end.
pub(super) fn padding_free(fields: &[Layout]) -> Layout {
    let size = fields
        .iter()
        .try_fold(0usize, |sum, f| sum.checked_add(f.size()));
    let align = fields.iter().map(|f| f.align()).max().unwrap_or(1);
    // A struct that big can't exist: its node was never allocated.
    size.and_then(|size| Layout::from_size_align(size, align).ok())
        .map_or(Layout::new::<()>(), |l| l.pad_to_align())
}

/// Whether this crate's copies of std's private structs ([`Leaf`], and
/// `ListNode` for `LinkedList`) are laid out as std's are; false when field
/// orders are randomized in this crate. Found once by a probe: `UNPROBED`
/// until then.
pub(super) static MIRRORS: AtomicUsize = AtomicUsize::new(UNPROBED);
const UNPROBED: usize = usize::MAX;

/// See [`MIRRORS`].
pub(super) fn mirror_holds() -> bool {
    let mut found = MIRRORS.load(Ordering::Relaxed);
    if found == UNPROBED {
        found = usize::from(
            probe_leaf::<u8, u64>() && probe_leaf::<u64, u16>() && probe_leaf::<u16, [u8; 3]>(),
        );
        MIRRORS.store(found, Ordering::Relaxed);
    }
    found == 1
}

/// Builds a map of one leaf and checks that its first key and value lie
/// where [`Leaf`] puts them, relative to the node the root points to.
fn probe_leaf<K: Default + Ord, V: Default>() -> bool {
    let mut map = BTreeMap::<K, V>::new();
    map.insert(K::default(), V::default());
    let Some(word) = root_word() else {
        return false;
    };
    let Some((k, v)) = map.iter().next() else {
        return false;
    };
    // SAFETY: `root_word` found the root node pointer's word in a map of
    // three words, whose layout does not depend on `K` and `V`; it is
    // initialized and aligned like `usize` (see `keeps_empty_root`). The read
    // stays inside `map`. Nothing read is dereferenced.
    let node = unsafe {
        (&map as *const BTreeMap<K, V> as *const usize)
            .add(word)
            .read()
    };
    let keys = core::mem::offset_of!(Leaf<K, V>, keys);
    let vals = core::mem::offset_of!(Leaf<K, V>, vals);
    k as *const K as usize == node.wrapping_add(keys)
        && v as *const V as usize == node.wrapping_add(vals)
}

/// Counts leaves and internal nodes from the addresses of the keys (or of
/// the values, whichever are not zero-sized) in iteration order.
///
/// In iteration order the keys form runs of adjacent addresses: a leaf's
/// keys, then one internal key, then the next leaf's, and so on; a key
/// opens a run when it does not sit `stride` after the previous one. The
/// per-key work is that one compare (see [`NodeCounter::count`], which
/// keeps it in locals); the rest runs once per run.
struct NodeCounter {
    stride: usize,
    /// The address a key adjacent to the previous one would have. It starts
    /// at `usize::MAX`, where no key of nonzero size can sit, so the first
    /// key always opens a run.
    expect: usize,
    runs: usize,
    internal: InternalNodes,
}

/// The internal nodes seen so far, from their keys: the last key seen of
/// each open internal node, one per level.
struct InternalNodes {
    nodes: usize,
    open: [usize; 64],
    depth: usize,
}

impl NodeCounter {
    fn new(stride: usize) -> Self {
        NodeCounter {
            stride,
            expect: usize::MAX,
            runs: 0,
            internal: InternalNodes {
                nodes: 0,
                open: [0; 64],
                depth: 0,
            },
        }
    }

    /// Counts the nodes from `items` (entries, keys or values, in iteration
    /// order) by the address `addr` gives of each, calling `each` on every
    /// item too. The loop's state is in locals, so that the
    /// per-key work is a compare and a move; a key that opens a run goes
    /// to [`NodeCounter::run_break`].
    #[inline]
    fn count<T>(
        &mut self,
        items: impl Iterator<Item = T>,
        addr: impl Fn(&T) -> usize,
        mut each: impl FnMut(T),
    ) {
        let stride = self.stride;
        let mut expect = self.expect;
        for item in items {
            let at = addr(&item);
            if at != expect {
                self.run_break(at);
            }
            expect = at.wrapping_add(stride);
            each(item);
        }
        self.expect = expect;
    }

    #[inline]
    fn run_break(&mut self, addr: usize) {
        self.runs += 1;
        if self.runs % 2 == 0 {
            self.internal.key(addr, self.stride);
        }
    }

    fn leaves(&self) -> usize {
        self.runs.div_ceil(2)
    }

    fn internal_nodes(&self) -> usize {
        self.internal.nodes
    }
}

impl InternalNodes {
    /// An internal key at `addr`: it continues the open node whose last key
    /// sits `stride` before it, or opens a new node below the open ones.
    /// Most internal keys continue the lowest open node (the leaves'
    /// parent): that test is inline, the others are not.
    #[inline]
    fn key(&mut self, addr: usize, stride: usize) {
        if let Some(last) = self.depth.checked_sub(1) {
            if let Some(at) = self.open.get_mut(last) {
                if addr == at.wrapping_add(stride) {
                    *at = addr;
                    return;
                }
            }
        }
        self.other_key(addr, stride);
    }

    /// [`InternalNodes::key`] for a key that does not continue the lowest
    /// open node.
    #[inline(never)]
    fn other_key(&mut self, addr: usize, stride: usize) {
        let continued = self.open[..self.depth]
            .iter()
            .rposition(|&last| addr == last.wrapping_add(stride));
        match continued {
            Some(i) => {
                self.open[i] = addr;
                self.depth = i + 1;
            }
            None => {
                self.nodes += 1;
                // A B-tree of 2^64 keys is less than 30 levels deep.
                if self.depth < self.open.len() {
                    self.open[self.depth] = addr;
                    self.depth += 1;
                }
            }
        }
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
pub(crate) unsafe fn keeps_empty_root<M>(map: &M) -> bool {
    if size_of::<M>() != ROOT_WORDS * size_of::<usize>() {
        return false;
    }
    let Some(word) = root_word() else {
        return false;
    };
    let base = map as *const M as *const usize;
    // SAFETY: `M` is a `BTreeMap` or a struct of exactly one `BTreeMap` (the
    // caller's contract) of three words, like the probe (checked above and
    // in `root_word`). `word` indexes its root node pointer, which is
    // initialized whether the root is `Some` (a node) or `None` (null, the
    // niche), and aligned like `usize`. The read stays inside the value `map`
    // borrows.
    let node = unsafe { base.add(word).read() };
    node != 0
}

/// The words of a `BTreeMap`.
const ROOT_WORDS: usize = 3;

/// Which word of a `BTreeMap` (of any `K`, `V`) holds the root node pointer,
/// found once by a probe (see `keeps_empty_root`).
fn root_word() -> Option<usize> {
    if size_of::<BTreeMap<u8, ()>>() != ROOT_WORDS * size_of::<usize>() {
        return None;
    }
    let mut word = ROOT_WORD.load(Ordering::Relaxed);
    if word == usize::MAX {
        let mut probe = BTreeMap::<u8, ()>::new();
        probe.insert(0, ());
        probe.remove(&0);
        // SAFETY: `probe` is three words (checked above; the layout does not
        // depend on `K`, `V`), all initialized: the root is `Some`, so its
        // height and node are written, and so is the length.
        let words: [usize; ROOT_WORDS] = unsafe { core::mem::transmute_copy(&probe) };
        let mut nonzero = words.iter().enumerate().filter(|(_, &w)| w != 0);
        word = match (nonzero.next(), nonzero.next()) {
            (Some((i, _)), None) => i,
            _ => usize::MAX - 1,
        };
        ROOT_WORD.store(word, Ordering::Relaxed);
    }
    (word < ROOT_WORDS).then_some(word)
}

/// Adds the nodes of a tree with `len` entries, counted by `counter` from the
/// addresses of its keys or values (`stride` apart within a node).
fn add_nodes<K, V>(cx: &mut Context<'_>, len: usize, stride: usize, counter: &NodeCounter) {
    let (leaf, internal) = node_layouts::<K, V>();
    if stride != 0 {
        cx.add_allocs(leaf, counter.leaves());
        cx.add_allocs(internal, counter.internal_nodes());
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
pub(crate) unsafe fn add_tree<'a, M, K, V, KA, VA, I>(
    cx: &mut Context<'a>,
    map: &'a M,
    len: usize,
    entries: fn(&'a M) -> I,
) where
    K: 'a,
    V: 'a,
    KA: SizeOfAs<K>,
    VA: SizeOfAs<V>,
    I: Iterator<Item = (&'a K, &'a V)> + 'a,
{
    if len == 0 {
        // SAFETY: `M` is a `BTreeMap` or a struct of one (our contract).
        if unsafe { keeps_empty_root(map) } {
            cx.add_allocs(node_layouts::<K, V>().0, 1);
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
    if KA::is_heap_free_as() && VA::is_heap_free_as() {
        let mut counter = NodeCounter::new(stride);
        counter.count(entries(map), |&(k, v)| addr(k, v), |_| {});
        add_nodes::<K, V>(cx, len, stride, &counter);
    } else {
        cx.descend(move |cx| {
            let mut counter = NodeCounter::new(stride);
            counter.count(
                entries(map),
                |&(k, v)| addr(k, v),
                |(k, v)| cx.add_sized_entry(As::<KA, K>::new(k), As::<VA, V>::new(v)),
            );
            add_nodes::<K, V>(cx, len, stride, &counter);
        });
    }
}

/// Adds the nodes of a B-tree map of `K -> V` reached only through its
/// values, in key order (a map inside another crate's type, whose iterator
/// yields the keys by value), and the values' heap; the keys own none. The
/// values of one node lie `size_of::<V>()` apart in its `vals` array, so
/// they count the nodes as keys do (facts 2 to 4).
///
/// # Safety
///
/// As for [`add_tree`]: `M` must be `BTreeMap<K, V>` or a struct of exactly
/// one `BTreeMap<K, V>` and nothing else, and `values` must yield the
/// values stored in that map, in order.
#[allow(dead_code)] // Unused without the crates that hold maps privately.
pub(crate) unsafe fn add_tree_by_values<'a, M, K, V, I>(
    cx: &mut Context<'a>,
    map: &'a M,
    len: usize,
    values: fn(&'a M) -> I,
) where
    V: SizeOf + 'a,
    I: Iterator<Item = &'a V> + 'a,
{
    if len == 0 {
        // SAFETY: `M` is a `BTreeMap` or a struct of one (our contract).
        if unsafe { keeps_empty_root(map) } {
            cx.add_allocs(node_layouts::<K, V>().0, 1);
        }
        return;
    }
    let stride = size_of::<V>();
    cx.descend(move |cx| {
        let mut counter = NodeCounter::new(stride);
        counter.count(
            values(map),
            |&v| v as *const V as usize,
            |v| {
                if !V::is_heap_free() {
                    cx.add_element(v);
                }
            },
        );
        add_nodes::<K, V>(cx, len, stride, &counter);
    });
}

impl<K, V, KA: SizeOfAs<K>, VA: SizeOfAs<V>> SizeOfAs<BTreeMap<K, V>> for BTreeMap<KA, VA> {
    fn add_heap_as<'a>(map: &'a BTreeMap<K, V>, cx: &mut Context<'a>) {
        let stride = size_of::<K>();
        if stride != 0 && !map.is_empty() && KA::is_heap_free_as() && VA::is_heap_free_as() {
            // Only the nodes: a walk over the keys alone (`keys()`, called
            // directly, compiles to a tighter loop than the entries through
            // `add_tree`'s function pointer).
            let mut counter = NodeCounter::new(stride);
            counter.count(map.keys(), |&k| k as *const K as usize, |_| {});
            add_nodes::<K, V>(cx, map.len(), stride, &counter);
            return;
        }
        // SAFETY: `map` is a `BTreeMap<K, V>`.
        unsafe { add_tree::<_, K, V, KA, VA, _>(cx, map, map.len(), BTreeMap::iter) }
    }
}

/// The value type std's `BTreeSet<T>` stores: `BTreeMap<T, SetValZST>`.
struct SetVal;

impl<T, A: SizeOfAs<T>> SizeOfAs<BTreeSet<T>> for BTreeSet<A> {
    fn add_heap_as<'a>(set: &'a BTreeSet<T>, cx: &mut Context<'a>) {
        if set.is_empty() {
            // SAFETY: a `BTreeSet` is a struct of one `BTreeMap`.
            if unsafe { keeps_empty_root(set) } {
                cx.add_allocs(node_layouts::<T, SetVal>().0, 1);
            }
            return;
        }
        let stride = size_of::<T>();
        if A::is_heap_free_as() {
            let mut counter = NodeCounter::new(stride);
            counter.count(set.iter(), |&v| v as *const T as usize, |_| {});
            add_nodes::<T, SetVal>(cx, set.len(), stride, &counter);
        } else {
            cx.descend(move |cx| {
                let mut counter = NodeCounter::new(stride);
                counter.count(
                    set.iter(),
                    |&v| v as *const T as usize,
                    |v| cx.add_element(As::<A, T>::new(v)),
                );
                add_nodes::<T, SetVal>(cx, set.len(), stride, &counter);
            });
        }
    }
}

via_adapter! {
    [K: SizeOf, V: SizeOf] BTreeMap<K, V> => BTreeMap<Same, Same>,
    [T: SizeOf] BTreeSet<T> => BTreeSet<Same>,
}
