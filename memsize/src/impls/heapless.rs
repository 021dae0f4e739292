//! The containers of the `heapless` crate (0.9): `Vec`, `String`, `Deque`,
//! `IndexMap`, `IndexSet` (and their `Fnv` forms), `LinearMap`,
//! `BinaryHeap`, `HistoryBuf`, `CString` and `spsc::Queue`, owned or as
//! views.
//!
//! Layout fact of heapless 0.9.1, held against the allocator in
//! `tests/tests/ext_heapless.rs`: every container keeps its elements in an
//! inline array of its fixed capacity (or, for a view, in the array it
//! borrows) and owns no heap of its own; only the elements' own heap
//! counts. `IndexMap`'s hasher is private (heapless has no accessor): its
//! heap, if it had any, is not counted; `BuildHasherDefault` and hash32's
//! hashers, the ones heapless uses, own none.
//!
//! Not covered: `mpmc::Queue` (its slots can't be read without popping),
//! `sorted_linked_list` and `pool`.

use heapless::binary_heap::{BinaryHeapInner, Kind};
use heapless::deque::DequeInner;
use heapless::history_buf::{HistoryBufInner, HistoryBufStorage};
use heapless::linear_map::{LinearMapInner, LinearMapStorage};
use heapless::spsc::QueueInner;
use heapless::storage::Storage;
use heapless::string::{StringInner, StringStorage};
use heapless::vec::{VecInner, VecStorage};
use heapless::{IndexMap, IndexSet, LenType};

use crate::{Context, SizeOf};

heap_free_ext! { "heapless":
    [LenT: LenType, S: StringStorage + ?Sized] StringInner<LenT, S>,
    [const N: usize, LenT: LenType] heapless::CString<N, LenT>,
}

/// Elements' heap, if they own any.
#[inline]
fn add_elements<'a, T: SizeOf + 'a>(
    cx: &mut Context<'a>,
    elements: impl Iterator<Item = &'a T> + 'a,
) {
    if !T::is_heap_free() {
        cx.descend(move |cx| elements.for_each(|v| cx.add_element(v)));
    }
}

/// Entries' heap, if they own any.
#[inline]
fn add_entries<'a, K: SizeOf + 'a, V: SizeOf + 'a>(
    cx: &mut Context<'a>,
    entries: impl Iterator<Item = (&'a K, &'a V)> + 'a,
) {
    if !K::is_heap_free() || !V::is_heap_free() {
        cx.descend(move |cx| entries.for_each(|(k, v)| cx.add_entry(k, v)));
    }
}

/// Inline: the elements' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf, LenT: LenType, S: VecStorage<T> + ?Sized> SizeOf for VecInner<T, LenT, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_elements(cx, self.as_slice().iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Inline: the elements' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf, S: VecStorage<T> + ?Sized> SizeOf for DequeInner<T, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let (front, back) = self.as_slices();
        add_elements(cx, front.iter().chain(back));
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Inline: the elements' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf + Ord, K: Kind, S: VecStorage<T> + ?Sized> SizeOf for BinaryHeapInner<T, K, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_elements(cx, self.iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Inline: the elements' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf, S: HistoryBufStorage<T> + ?Sized> SizeOf for HistoryBufInner<T, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_elements(cx, self.as_slice().iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Inline: the queued elements' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf, S: Storage> SizeOf for QueueInner<T, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_elements(cx, self.iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Inline: the entries' heap only.
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<K: SizeOf + Eq, V: SizeOf, S: LinearMapStorage<K, V> + ?Sized> SizeOf
    for LinearMapInner<K, V, S>
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_entries(cx, self.iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        K::is_heap_free() && V::is_heap_free()
    }
}

/// Inline: the entries' heap only (the hasher is private, see the module).
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<K: SizeOf, V: SizeOf, S, const N: usize> SizeOf for IndexMap<K, V, S, N> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_entries(cx, self.iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        K::is_heap_free() && V::is_heap_free()
    }
}

/// Inline: the elements' heap only (the hasher is private, see the module).
#[cfg_attr(docsrs, doc(cfg(feature = "heapless")))]
impl<T: SizeOf, S, const N: usize> SizeOf for IndexSet<T, S, N> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_elements(cx, self.iter());
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}
