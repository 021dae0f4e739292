//! Arrays of the `ndarray` crate (0.17): `Array` (owned), `ArcArray`
//! (shared, counted once) and the views, which own nothing.
//!
//! Layout facts of ndarray 0.17.2 (its `lib.rs` and `data_repr.rs`), held
//! against the allocator in `tests/tests/ext_ndarray.rs`. ndarray shows
//! neither an owned array's buffer capacity nor, once an array is sliced in
//! place, how many elements its buffer holds, so this impl reads them from
//! the array's words, at a place a probe finds once per dimension type:
//!
//! 1. An `ArrayBase` is its data (`OwnedRepr`, `OwnedArcRepr`, a view's
//!    marker) and its parts: an element pointer, the shape and the strides
//!    (`D` twice). Its element type appears only behind pointers, so its
//!    layout depends on the data kind and `D` only: the probe measures one
//!    with `u8` elements for each `D`.
//! 2. `OwnedRepr<A>` is `repr(C) { ptr, len, capacity }`: the buffer of
//!    `capacity` elements, the first `len` of them live, all of which the
//!    array owns, even those a slice in place has hidden.
//! 3. `OwnedArcRepr<A>` is an `Arc<OwnedRepr<A>>`: one block of two
//!    counters and the `OwnedRepr`, shared by clones, counted once; the
//!    buffer hangs off it.
//! 4. For the fixed dimensions (`Ix0` to `Ix6`) every word of an array is a
//!    plain `usize` or pointer: the probe reads them all. `IxDyn`'s
//!    representation has padding, so its words are never read: arrays of
//!    dynamic dimension are a bound (see the impls), plus their shape's and
//!    strides' boxes past 4 axes, exactly (`ndim` words each).
//! 5. Views (`ArrayView`, `ArrayViewMut`, raw views) borrow their elements.
//!
//! Not covered: `CowArray`.

use core::sync::atomic::{AtomicU8, Ordering};

use ndarray::{Array, ArrayBase, Dimension, OwnedArcRepr, OwnedRepr, RawViewRepr, ViewRepr};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// Word index plus one of the capacity in an `Array<_, D>`, and of the
/// `Arc` pointer in an `ArcArray<_, D>`, by `D::NDIM` (0 to 6); 0 before
/// the probe, `u8::MAX` where it failed.
static OWNED: [AtomicU8; 7] = [const { AtomicU8::new(0) }; 7];
static SHARED: [AtomicU8; 7] = [const { AtomicU8::new(0) }; 7];

const PROBE_CAP: usize = 10;
const PROBE_LEN: usize = 6;

/// The words of a value.
///
/// # Safety
///
/// `T` is a whole number of words, all initialized (fact 4).
unsafe fn words<T>(value: &T) -> crate::lib::Vec<usize> {
    let n = size_of::<T>() / size_of::<usize>();
    let base = (value as *const T).cast::<usize>();
    // SAFETY: the caller's contract; `T` holds pointers, so is word-aligned.
    (0..n).map(|i| unsafe { base.add(i).read() }).collect()
}

/// Reads word `at` of `value` as a pointer, keeping its provenance.
///
/// # Safety
///
/// That word lies inside `value` (or the block `value` points to), is
/// initialized and holds a pointer; the memory is word-aligned.
unsafe fn read_ptr<T>(value: *const T, at: usize) -> *const u8 {
    // SAFETY: the caller's contract.
    unsafe { value.cast::<*const u8>().add(at).read() }
}

/// Reads `N` words at `addr`.
///
/// # Safety
///
/// `addr` is a live, word-aligned block of at least `N` initialized words
/// not written while it is read.
unsafe fn read_block<const N: usize>(addr: *const u8) -> [usize; N] {
    // SAFETY: the caller's contract.
    unsafe { addr.cast::<[usize; N]>().read() }
}

/// An `Array<u8, D>` with a buffer of capacity `PROBE_CAP`: `PROBE_LEN`
/// elements along its first axis, 1 along the others (or 1 element for
/// `Ix0`).
fn probe_array<D: Dimension>(ndim: usize) -> Option<(Array<u8, D>, usize)> {
    let mut shape = D::zeros(ndim);
    let len = if ndim == 0 { 1 } else { PROBE_LEN };
    for i in 0..ndim {
        shape[i] = if i == 0 { PROBE_LEN } else { 1 };
    }
    let mut buf = crate::lib::Vec::with_capacity(PROBE_CAP);
    buf.resize(len, 1u8);
    Array::from_shape_vec(shape, buf).ok().map(|a| (a, len))
}

fn probe_owned<D: Dimension>(ndim: usize) -> Option<usize> {
    let (a, len) = probe_array::<D>(ndim)?;
    if size_of::<Array<u8, D>>() % size_of::<usize>() != 0 {
        return None;
    }
    // SAFETY: a fixed dimension: only words (fact 4).
    let w = unsafe { words(&a) };
    let mut found = w.iter().enumerate().filter(|(_, &v)| v == PROBE_CAP);
    let (cap, _) = found.next()?;
    if found.next().is_some() || cap < 2 {
        return None;
    }
    // Fact 2: `ptr, len, capacity` in a row.
    (w[cap - 1] == len && w[cap - 2] == a.as_ptr() as usize).then_some(cap)
}

fn probe_shared<D: Dimension>(ndim: usize) -> Option<usize> {
    let (a, len) = probe_array::<D>(ndim)?;
    let ptr = a.as_ptr() as usize;
    let a = a.into_shared();
    if size_of::<ndarray::ArcArray<u8, D>>() % size_of::<usize>() != 0 {
        return None;
    }
    // SAFETY: a fixed dimension: only words (fact 4).
    let w = unsafe { words(&a) };
    // Every word but the `Arc`'s is the element pointer, a length or a
    // stride, all known: the one left is the `Arc`.
    let known = |v: usize| {
        v == ptr || a.shape().contains(&v) || a.strides().iter().any(|&s| s as usize == v)
    };
    let mut others = w.iter().enumerate().filter(|(_, &v)| !known(v));
    let (arc, &addr) = others.next()?;
    if others.next().is_some() || addr % core::mem::align_of::<usize>() != 0 {
        return None;
    }
    // SAFETY: the same word, read again as the pointer it is.
    let addr = unsafe { read_ptr(&a, arc) };
    // SAFETY: the one word of this `ArcArray` that is not one of its parts
    // is its `Arc`'s pointer (fact 1): a live block of two counters and an
    // `OwnedRepr` (fact 3), five words, not written while `a` is unique
    // and borrowed.
    let block: [usize; 5] = unsafe { read_block(addr) };
    (block == [1, 1, ptr, len, PROBE_CAP]).then_some(arc)
}

/// The probed slot for `D`, if it has a fixed dimension and the probe
/// succeeded.
fn slot<D: Dimension>(table: &[AtomicU8; 7], probe: fn(usize) -> Option<usize>) -> Option<usize> {
    let ndim = D::NDIM.filter(|&n| n < table.len())?;
    let cell = &table[ndim];
    let mut s = cell.load(Ordering::Acquire);
    if s == 0 {
        s = probe(ndim)
            .and_then(|i| u8::try_from(i + 1).ok())
            .filter(|&v| v != u8::MAX)
            .unwrap_or(u8::MAX);
        cell.store(s, Ordering::Release);
    }
    (s != u8::MAX).then(|| usize::from(s - 1))
}

/// The buffer of the `OwnedRepr` at `repr` and its live elements.
///
/// # Safety
///
/// `repr` points to a live `OwnedRepr<A>` (fact 2) that outlives `'a` and
/// is not written during it.
unsafe fn add_owned_repr<'a, A: SizeOf + 'a>(cx: &mut Context<'a>, repr: *const u8) {
    // SAFETY: the caller's contract: three initialized words, the first a
    // pointer.
    let (ptr, [_, len, cap]) = unsafe { (read_ptr(repr, 0), read_block::<3>(repr)) };
    if let Ok(layout) = Layout::array::<A>(cap) {
        cx.add_alloc(ptr, layout);
    }
    if !A::is_heap_free() {
        // SAFETY: the first `len` elements of the buffer are live (fact 2),
        // borrowed for as long as the array is.
        let elements: &'a [A] = unsafe { core::slice::from_raw_parts(ptr.cast::<A>(), len) };
        cx.descend(move |cx| elements.iter().for_each(|v| cx.add_element(v)));
    }
}

/// What an array of dynamic dimension owns besides its elements: its
/// shape's and strides' boxes past 4 axes (fact 4).
fn add_dyn_parts(cx: &mut Context<'_>, ndim: usize) {
    if ndim > 4 {
        if let Ok(layout) = Layout::array::<usize>(ndim) {
            cx.add_allocs(layout, 2);
        }
    }
}

/// The visible elements' heap.
fn add_visible<'a, A: SizeOf + 'a, S: ndarray::Data<Elem = A>, D: Dimension>(
    cx: &mut Context<'a>,
    array: &'a ArrayBase<S, D>,
) {
    if !A::is_heap_free() {
        cx.descend(move |cx| array.iter().for_each(|v| cx.add_element(v)));
    }
}

/// Fixed dimension (`Array1` to `Array6`, `Array0`): its buffer by capacity
/// and all its live elements, exactly, even those a slice in place hid.
///
/// Bound, for `IxDyn` (`ArrayD`) and where the probe fails: the buffer of
/// the elements the array shows (`len()`) and their heap, plus the shape's
/// boxes. Exact for arrays ndarray built (`zeros`, `from_elem`,
/// `from_shape_fn`, arithmetic, `to_owned`, clones) and not sliced in
/// place; under by the spare capacity of a `Vec` given to `from_vec` or
/// left by `push`/`append`, and by what a slice in place hid.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A: SizeOf, D: Dimension> SizeOf for ArrayBase<OwnedRepr<A>, D> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Some(cap) = slot::<D>(&OWNED, probe_owned::<D>) {
            // SAFETY: the probe found `ptr, len, capacity` at `cap - 2..=cap`
            // of arrays of this `D` (facts 1, 2, 4): this borrowed array's
            // `OwnedRepr`.
            unsafe {
                let repr = (self as *const Self)
                    .cast::<usize>()
                    .add(cap - 2)
                    .cast::<u8>();
                add_owned_repr::<A>(cx, repr);
            }
            return;
        }
        if let Ok(layout) = Layout::array::<A>(self.len()) {
            cx.add_alloc(self.as_ptr().cast(), layout);
        }
        add_dyn_parts(cx, self.ndim());
        add_visible(cx, self);
        cx.add_bound("spare or hidden capacity");
    }
}

/// Fixed dimension: the shared block and its buffer once per traversal,
/// with all live elements, exactly.
///
/// Bound, for `IxDyn` and where the probe fails: the visible elements and
/// their heap at every handle (not once), plus the shape's boxes.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A: SizeOf, D: Dimension> SizeOf for ArrayBase<OwnedArcRepr<A>, D> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Some(arc) = slot::<D>(&SHARED, probe_shared::<D>) {
            // SAFETY: the probe found the `Arc`'s pointer at word `arc` of
            // arrays of this `D` (facts 1, 3, 4).
            let addr = unsafe { read_ptr(self, arc) };
            let block = Layout::new::<[usize; 2]>()
                .extend(Layout::new::<[usize; 3]>())
                .map(|(l, _)| l.pad_to_align());
            if let Ok(block) = block {
                if cx.add_shared(addr, block) {
                    // SAFETY: the live `Arc` block this array holds (fact
                    // 3), its `OwnedRepr` after the two counters; shared, so
                    // not written while borrowed.
                    unsafe {
                        let repr = addr.cast::<usize>().add(2).cast::<u8>();
                        add_owned_repr::<A>(cx, repr);
                    }
                }
            }
            return;
        }
        if let Ok(layout) = Layout::array::<A>(self.len()) {
            cx.add_alloc(self.as_ptr().cast(), layout);
        }
        add_dyn_parts(cx, self.ndim());
        add_visible(cx, self);
        cx.add_bound("spare or hidden capacity");
    }
}

/// A view owns nothing but, with `IxDyn` past 4 axes, its shape's boxes.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A, D: Dimension> SizeOf for ArrayBase<ViewRepr<&A>, D> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_dyn_parts(cx, if D::NDIM.is_none() { self.ndim() } else { 0 });
    }
}

/// As [`ArrayView`](ndarray::ArrayView)'s.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A, D: Dimension> SizeOf for ArrayBase<ViewRepr<&mut A>, D> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_dyn_parts(cx, if D::NDIM.is_none() { self.ndim() } else { 0 });
    }
}

/// As [`ArrayView`](ndarray::ArrayView)'s.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A, D: Dimension> SizeOf for ArrayBase<RawViewRepr<*const A>, D> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_dyn_parts(cx, if D::NDIM.is_none() { self.ndim() } else { 0 });
    }
}

/// As [`ArrayView`](ndarray::ArrayView)'s.
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
impl<A, D: Dimension> SizeOf for ArrayBase<RawViewRepr<*mut A>, D> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_dyn_parts(cx, if D::NDIM.is_none() { self.ndim() } else { 0 });
    }
}
