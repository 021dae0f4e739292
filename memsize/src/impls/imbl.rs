//! The persistent collections of the `imbl` crate (7.x): `Vector`,
//! `HashMap`, `HashSet`, `OrdMap`, `OrdSet` (any `SharedPointerKind`).
//!
//! Layout facts of imbl 7.0.2, held against the allocator in
//! `tests/tests/ext_imbl.rs`:
//!
//! 1. Each collection is a tree of nodes behind shared pointers (`Arc` by
//!    default): RRB-tree chunks of 64 elements and size tables for
//!    `Vector` (a few elements inline, in the vector's own size, before
//!    the first chunk),
//!    hash-array-mapped-trie nodes for the hash collections, B-tree nodes
//!    for the ordered ones. Clones share nodes, and a change copies only
//!    the nodes on its path. The node types are private, and no public
//!    API reaches a node or tells its size, so the nodes can't be counted.
//! 2. An element lives in exactly one node, at an address every collection
//!    that shares the node sees the same: the element's address tells
//!    shared elements apart.
//! 3. A hash collection holds its hasher inline (`hasher()` shows it).
//!
//! What the nodes weigh, measured on x86_64 (the tests hold them under 8
//! times the elements' inline bytes plus 16 KiB): for a large `Vector`
//! about 1.1 to 1.2 times its elements' inline bytes (a small one rounds up
//! to whole 64-element chunks), for `OrdMap`/`OrdSet` about 2.5 times, for
//! `HashMap`/`HashSet` 4 to 6 times.

use imbl::shared_ptr::SharedPointerKind;
use imbl::{GenericHashMap, GenericHashSet, GenericOrdMap, GenericOrdSet, GenericVector};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// True the first time this traversal reaches the element at `value`
/// (fact 2); zero-sized elements all share one address and count once.
#[inline]
fn first<T>(cx: &mut Context<'_>, value: &T) -> bool {
    cx.add_shared((value as *const T).cast::<u8>(), Layout::new::<()>())
}

/// The element or entry whose address identifies a map entry: the key,
/// unless it is zero-sized.
#[inline]
fn first_entry<K, V>(cx: &mut Context<'_>, k: &K, v: &V) -> bool {
    if size_of::<K>() != 0 {
        first(cx, k)
    } else {
        first(cx, v)
    }
}

/// Its elements' heap, each element once per traversal however many
/// vectors share it (fact 2).
///
/// Bound: the nodes are not counted (fact 1): a lower bound, exact for a
/// vector whose elements fit inline (`is_inline()`: as many as fit in the
/// vector's own size); under by its nodes otherwise (see the module for
/// their weight). Each element counted costs the traversal a slot in its
/// set of shared addresses.
#[cfg_attr(docsrs, doc(cfg(feature = "imbl")))]
impl<A: SizeOf, P: SharedPointerKind> SizeOf for GenericVector<A, P> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_empty() {
            cx.add_bound("imbl's nodes");
        }
        if !A::is_heap_free() {
            cx.descend(move |cx| {
                for v in self.iter() {
                    if first(cx, v) {
                        cx.add_element(v);
                    }
                }
            });
        }
    }
}

/// Its hasher's heap and its entries' heap, each entry once per traversal
/// however many maps share it (fact 2).
///
/// Bound: the trie's nodes are not counted (fact 1): a lower bound, exact
/// for an empty map; under by the nodes otherwise.
#[cfg_attr(docsrs, doc(cfg(feature = "imbl")))]
impl<K: SizeOf, V: SizeOf, S: SizeOf, P: SharedPointerKind> SizeOf for GenericHashMap<K, V, S, P> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_empty() {
            cx.add_bound("imbl's nodes");
        }
        cx.add_field("hasher", self.hasher());
        if !K::is_heap_free() || !V::is_heap_free() {
            cx.descend(move |cx| {
                for (k, v) in self.iter() {
                    if first_entry(cx, k, v) {
                        cx.add_entry(k, v);
                    }
                }
            });
        }
    }
}

/// As [`GenericHashMap`]'s: its hasher and its elements' heap, each
/// element once; the nodes are not counted, a lower bound.
#[cfg_attr(docsrs, doc(cfg(feature = "imbl")))]
impl<A: SizeOf, S: SizeOf, P: SharedPointerKind> SizeOf for GenericHashSet<A, S, P> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_empty() {
            cx.add_bound("imbl's nodes");
        }
        cx.add_field("hasher", self.hasher());
        if !A::is_heap_free() {
            cx.descend(move |cx| {
                for v in self.iter() {
                    if first(cx, v) {
                        cx.add_element(v);
                    }
                }
            });
        }
    }
}

/// Its entries' heap, each entry once per traversal however many maps
/// share it (fact 2).
///
/// Bound: the B-tree's nodes are not counted (fact 1): a lower bound, exact
/// for an empty map; under by the nodes otherwise.
#[cfg_attr(docsrs, doc(cfg(feature = "imbl")))]
impl<K: SizeOf + Ord, V: SizeOf, P: SharedPointerKind> SizeOf for GenericOrdMap<K, V, P> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_empty() {
            cx.add_bound("imbl's nodes");
        }
        if !K::is_heap_free() || !V::is_heap_free() {
            cx.descend(move |cx| {
                for (k, v) in self.iter() {
                    if first_entry(cx, k, v) {
                        cx.add_entry(k, v);
                    }
                }
            });
        }
    }
}

/// As [`GenericOrdMap`]'s: its elements' heap, each element once; the
/// nodes are not counted, a lower bound.
#[cfg_attr(docsrs, doc(cfg(feature = "imbl")))]
impl<A: SizeOf + Ord, P: SharedPointerKind> SizeOf for GenericOrdSet<A, P> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_empty() {
            cx.add_bound("imbl's nodes");
        }
        if !A::is_heap_free() {
            cx.descend(move |cx| {
                for v in self.iter() {
                    if first(cx, v) {
                        cx.add_element(v);
                    }
                }
            });
        }
    }
}
