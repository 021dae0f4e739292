//! Growable buffers, strings and lists of `alloc`.

use std_alloc::collections::{BinaryHeap, LinkedList, VecDeque};
use std_alloc::ffi::CString;
use std_alloc::string::String;

use crate::adapt::{via_adapter, As, Same, SizeOfAs};
use crate::lib::{Layout, Vec};
use crate::{Context, SizeOf};

/// The buffer of `cap` elements of `T`: `cap * size_of::<T>()` bytes, none
/// for zero-sized `T` (a `Vec` of them reports `capacity() == usize::MAX`
/// and never allocates) or for `cap == 0`.
///
/// `cap` must be the capacity of a buffer that exists (of a live `Vec`,
/// `String`, `VecDeque`, ...), so that this is the layout it was allocated
/// with.
#[inline]
fn buffer<T>(cap: usize) -> Layout {
    if core::mem::size_of::<T>() == 0 {
        return Layout::new::<()>();
    }
    let size = cap.wrapping_mul(core::mem::size_of::<T>());
    debug_assert!(Layout::array::<T>(cap).is_ok());
    // SAFETY: `align_of::<T>()` is a power of two, and `size` is the size of
    // a buffer that was allocated with `Layout::array::<T>(cap)` (the
    // caller's contract), which checked that it does not overflow and,
    // rounded up to the alignment, is at most `isize::MAX`.
    unsafe { Layout::from_size_align_unchecked(size, core::mem::align_of::<T>()) }
}

impl<T, A: SizeOfAs<T>> SizeOfAs<Vec<T>> for Vec<A> {
    #[inline]
    fn add_heap_as<'a>(v: &'a Vec<T>, cx: &mut Context<'a>) {
        cx.add_alloc(v.as_ptr() as *const u8, buffer::<T>(v.capacity()));
        <[A]>::add_heap_as(v.as_slice(), cx);
    }
}

impl SizeOf for String {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_alloc(self.as_ptr(), buffer::<u8>(self.capacity()));
    }
}

/// A `VecDeque` owns one ring buffer of `capacity()` slots (no extra slot).
impl<T, A: SizeOfAs<T>> SizeOfAs<VecDeque<T>> for VecDeque<A> {
    #[inline]
    fn add_heap_as<'a>(d: &'a VecDeque<T>, cx: &mut Context<'a>) {
        // The first element need not be where the buffer starts.
        let ptr = core::ptr::null();
        cx.add_alloc(ptr, buffer::<T>(d.capacity()));
        if !A::is_heap_free_as() {
            cx.descend(move |cx| {
                for v in d {
                    cx.add_element(As::<A, T>::new(v));
                }
            });
        }
    }
}

impl<T, A: SizeOfAs<T>> SizeOfAs<BinaryHeap<T>> for BinaryHeap<A> {
    #[inline]
    fn add_heap_as<'a>(h: &'a BinaryHeap<T>, cx: &mut Context<'a>) {
        let slice = h.as_slice();
        cx.add_alloc(slice.as_ptr() as *const u8, buffer::<T>(h.capacity()));
        <[A]>::add_heap_as(slice, cx);
    }
}

/// The node std's `LinkedList` allocates for each element.
///
/// Layout fact (alloc `linked_list::Node`): `{ next, prev, element }` with
/// two nullable node pointers. This struct has the same field types, so
/// rustc gives it the same size and alignment. Held against the allocator in
/// `tests/tests/std_impls.rs`.
#[allow(dead_code)] // Only its layout is used.
struct ListNode<T> {
    next: Option<core::ptr::NonNull<ListNode<T>>>,
    prev: Option<core::ptr::NonNull<ListNode<T>>>,
    element: T,
}

/// The layout of a node: [`ListNode`]'s, unless field orders are randomized
/// in this crate and not in std's (`-Zrandomize-layout`, found by the
/// B-tree's probe); then the layout rustc gives std's node: its fields
/// sorted by alignment (a niche in `T` only breaks ties), padded only at the
/// end.
fn list_node<T>() -> Layout {
    if super::btree::mirror_holds() {
        Layout::new::<ListNode<T>>()
    } else {
        let link = Layout::new::<Option<core::ptr::NonNull<ListNode<T>>>>();
        super::btree::padding_free(&[link, link, Layout::new::<T>()])
    }
}

/// One node per element; constant time when the elements own no heap.
impl<T, A: SizeOfAs<T>> SizeOfAs<LinkedList<T>> for LinkedList<A> {
    #[inline]
    fn add_heap_as<'a>(list: &'a LinkedList<T>, cx: &mut Context<'a>) {
        cx.add_allocs(list_node::<T>(), list.len());
        if !A::is_heap_free_as() {
            cx.descend(move |cx| {
                for v in list {
                    cx.add_element(As::<A, T>::new(v));
                }
            });
        }
    }
}

via_adapter! {
    [T: SizeOf] Vec<T> => Vec<Same>,
    [T: SizeOf] VecDeque<T> => VecDeque<Same>,
    [T: SizeOf] BinaryHeap<T> => BinaryHeap<Same>,
    [T: SizeOf] LinkedList<T> => LinkedList<Same>,
}

/// A `CString` owns a `Box<[u8]>` of its bytes and the nul.
impl SizeOf for CString {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let bytes = self.as_bytes_with_nul();
        cx.add_alloc(bytes.as_ptr(), buffer::<u8>(bytes.len()));
    }
}

#[cfg(feature = "std")]
mod os {
    use std::ffi::{OsStr, OsString};
    use std::path::{Path, PathBuf};

    use super::buffer;
    use crate::{Context, SizeOf};

    impl SizeOf for OsString {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let ptr = self.as_encoded_bytes().as_ptr();
            cx.add_alloc(ptr, buffer::<u8>(self.capacity()));
        }
    }

    impl SizeOf for PathBuf {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let ptr = self.as_os_str().as_encoded_bytes().as_ptr();
            cx.add_alloc(ptr, buffer::<u8>(self.capacity()));
        }
    }

    impl SizeOf for OsStr {
        #[inline(always)]
        fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    }

    impl SizeOf for Path {
        #[inline(always)]
        fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    }
}
