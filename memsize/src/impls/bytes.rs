//! `Bytes` and `BytesMut` of the `bytes` crate (1.x).
//!
//! Layout facts of bytes 1.12, each held against the allocator in
//! `tests/tests/ext_bytes.rs`. The public API tells neither whether a
//! `Bytes` is static nor how big the buffer behind a handle is, so this impl
//! reads the handles' words and the shared blocks they point to; which word
//! is which is learned once, from handles whose words are all known.
//!
//! 1. A `Bytes` is four words: the view's pointer and length, a `data` word
//!    (an `AtomicPtr`, changed when a clone promotes the buffer) and a
//!    pointer to a vtable that says what `data` is.
//! 2. `Bytes::from_static` (and `Bytes::new`) has a null `data`, and only it
//!    does: it owns nothing. (Its vtable is a `const`, whose address differs
//!    from crate to crate, so it can't be recognized by the vtable.)
//! 3. `Bytes::from(Vec<u8>)` with `len == capacity` (and so `From<Box<[u8]>>`
//!    and `Bytes::copy_from_slice`) has the static "promotable" vtable and
//!    keeps the buffer's start in `data`, tagged with its low bit: one
//!    allocation, from that start to the view's end (an unpromoted view only
//!    ever moves its start). Learned from `Bytes::from(vec![0; 8])`.
//! 4. Cloning or slicing such a `Bytes` promotes it: `data` then points to a
//!    boxed `Shared { buf, cap, ref_cnt }` (three words) that owns the
//!    buffer of `cap` bytes, as does `Bytes::from(Vec<u8>)` with spare
//!    capacity (the static "shared" vtable) from the start. Every clone and
//!    slice holds the same `data`, which keys the box and the buffer, counted
//!    once per traversal. Which word of `Shared` is `cap` is learned from a
//!    `Bytes` made from a `Vec` of known capacity; `buf` and `cap` never
//!    change, `ref_cnt` is atomic, and all three are read with atomic loads.
//! 5. A `BytesMut` is four plain words: pointer, length, capacity (from the
//!    pointer to the end of the buffer) and `data`. While unshared, `data`
//!    has its low bit set and keeps in its bits from the sixth up how far
//!    the view has advanced from the buffer's start: one allocation of that
//!    offset plus `capacity()` bytes. Learned from `BytesMut::with_capacity`.
//! 6. Splitting a `BytesMut` shares its buffer: `data` (low bit clear) then
//!    points to a boxed `Shared { vec: Vec<u8>, original_capacity_repr,
//!    ref_count }` (five words), whose `vec` owns the whole buffer; freezing a
//!    part gives a `Bytes` with the static `BytesMut` "shared" vtable and the
//!    same `data`. Which word is the `Vec`'s capacity is learned from a split
//!    `BytesMut` of known capacity; it changes only through the one handle of
//!    an unshared block, and is read with atomic loads.
//! 7. `Bytes::from_owner` boxes the owner with a counter behind a vtable of
//!    its own per owner type: not recognized, and counted as a bound (see the
//!    impl's docs).

use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};

use crate::lib::{size_of, Layout, Vec};
use crate::{Context, SizeOf};

const WORDS: usize = 4;

/// What the probes learned, packed into one word (0 before they ran,
/// `usize::MAX` where a handle did not have the expected shape), and the
/// addresses of the static vtables.
static SLOTS: AtomicUsize = AtomicUsize::new(0);
static PROMOTABLE_VTABLE: AtomicUsize = AtomicUsize::new(0);
static SHARED_VTABLE: AtomicUsize = AtomicUsize::new(0);
static MUT_SHARED_VTABLE: AtomicUsize = AtomicUsize::new(0);

/// Word indices: of a `Bytes`'s fields, of `cap` in its `Shared` block, of
/// `data` in a `BytesMut`, and of the `Vec`'s capacity in its `Shared`.
#[derive(Clone, Copy)]
struct Slots {
    ptr: usize,
    len: usize,
    data: usize,
    vtable: usize,
    shared_cap: usize,
    mut_data: usize,
    mut_shared_cap: usize,
}

impl Slots {
    fn pack(self) -> usize {
        [
            self.ptr,
            self.len,
            self.data,
            self.vtable,
            self.shared_cap,
            self.mut_data,
            self.mut_shared_cap,
        ]
        .iter()
        .enumerate()
        .fold(1, |acc, (i, &v)| acc | v << (4 + 4 * i))
    }

    fn unpack(packed: usize) -> Self {
        let at = |i: usize| packed >> (4 + 4 * i) & 0xf;
        Slots {
            ptr: at(0),
            len: at(1),
            data: at(2),
            vtable: at(3),
            shared_cap: at(4),
            mut_data: at(5),
            mut_shared_cap: at(6),
        }
    }
}

/// The learned word indices, probing on the first call.
fn slots() -> Option<Slots> {
    let mut packed = SLOTS.load(Ordering::Acquire);
    if packed == 0 {
        packed = probe().map_or(usize::MAX, Slots::pack);
        SLOTS.store(packed, Ordering::Release);
    }
    (packed != usize::MAX).then(|| Slots::unpack(packed))
}

/// The index of the one word equal to `value`.
fn only(words: &[usize], value: usize) -> Option<usize> {
    let mut found = None;
    for (i, &w) in words.iter().enumerate() {
        if w == value {
            if found.is_some() {
                return None;
            }
            found = Some(i);
        }
    }
    found
}

/// Reads the four words of a handle. `atomic` is the index of a word
/// another handle may store to (a `Bytes`'s `data`), read with an atomic
/// load; `WORDS` for none.
///
/// # Safety
///
/// `H` must be four word-sized integer or pointer fields (facts 1, 5), and
/// the words other than `atomic` must not be written while `handle` is
/// borrowed.
unsafe fn handle_words<H>(handle: &H, atomic: usize) -> [usize; WORDS] {
    let base = handle as *const H as *const usize;
    core::array::from_fn(|i| {
        if i == atomic {
            // SAFETY: word `i < 4` lies inside `*handle` and is word-aligned
            // (the caller's contract); it is an `AtomicPtr`, loaded
            // atomically because a clone may store to it at the same time.
            unsafe { (*base.add(i).cast::<AtomicPtr<u8>>()).load(Ordering::Acquire) as usize }
        } else {
            // SAFETY: as above; the word is an initialized integer or
            // pointer that nothing writes now (the caller's contract). Only
            // its value is used.
            unsafe { base.add(i).cast::<*const u8>().read() as usize }
        }
    })
}

/// Reads `N` words of a shared block at `addr` with atomic loads.
///
/// # Safety
///
/// `addr` must point to a live `Shared` block (facts 4, 6) of `N` words,
/// kept alive by a handle the caller borrows.
unsafe fn block_words<const N: usize>(addr: usize) -> [usize; N] {
    let block = addr as *const AtomicUsize;
    // SAFETY: the caller's contract: `block` points to `N` initialized,
    // word-aligned words that live as long as the borrowed handle. Atomic
    // loads can't race with the atomic counter updates, and the other words
    // are not written while shared (facts 4, 6).
    core::array::from_fn(|i| unsafe { (*block.add(i)).load(Ordering::Relaxed) })
}

/// Builds handles whose words are known and learns where each word sits.
fn probe() -> Option<Slots> {
    static PROBE: [u8; 3] = [1, 2, 3];
    let word = size_of::<usize>();
    if size_of::<Bytes>() != WORDS * word || size_of::<BytesMut>() != WORDS * word {
        return None;
    }
    // Fact 2: pointer, length 3, null data, and a vtable.
    let fixed = Bytes::from_static(&PROBE);
    // SAFETY: four word-sized fields (fact 1, size checked above); no other
    // handle to `fixed` exists, so nothing writes `data` now.
    let words = unsafe { handle_words(&fixed, WORDS) };
    let ptr = only(&words, PROBE.as_ptr() as usize)?;
    let len = only(&words, PROBE.len())?;
    let data = only(&words, 0)?;
    let vtable = (0..WORDS).find(|&i| i != ptr && i != len && i != data)?;

    // Fact 3: the buffer's start, tagged, as data.
    let promotable = Bytes::from(crate::lib::vec![0u8; 8]);
    // SAFETY: as above, with `data` loaded atomically.
    let words = unsafe { handle_words(&promotable, data) };
    if words[ptr] != promotable.as_ptr() as usize || words[data] != words[ptr] | 1 {
        return None;
    }
    PROMOTABLE_VTABLE.store(words[vtable], Ordering::Relaxed);

    // Fact 4: a `Vec` with spare capacity goes into a `Shared` at once.
    let mut vec = Vec::with_capacity(24);
    vec.push(7u8);
    let shared = Bytes::from(vec);
    // SAFETY: as above.
    let words = unsafe { handle_words(&shared, data) };
    SHARED_VTABLE.store(words[vtable], Ordering::Relaxed);
    // SAFETY: `data` of a `Bytes` made from a `Vec` with spare capacity is
    // its live three-word `Shared` (fact 4).
    let fields: [usize; 3] = unsafe { block_words(words[data]) };
    only(&fields, shared.as_ptr() as usize)?;
    let shared_cap = only(&fields, 24)?;

    // Fact 5: a fresh `BytesMut`: pointer, length 5, capacity 64, data 1.
    let mut tail = BytesMut::with_capacity(64);
    tail.extend_from_slice(&[1, 2, 3, 4, 5]);
    // SAFETY: four plain word-sized fields (fact 5, size checked above),
    // not written while borrowed.
    let words = unsafe { handle_words(&tail, WORDS) };
    only(&words, tail.as_ptr() as usize)?;
    only(&words, 5)?;
    only(&words, 64)?;
    let mut_data = only(&words, 1)?;

    // Fact 6: splitting shares the buffer through a five-word `Shared`
    // holding `Vec { buf, cap 64, len 5 }`, a capacity code of 0 (for 64)
    // and a count of 2.
    let head = tail.split_to(2);
    // SAFETY: as above.
    let words = unsafe { handle_words(&head, WORDS) };
    if words[mut_data] & 1 != 0 {
        return None;
    }
    // SAFETY: `data` of a split `BytesMut` is its live five-word `Shared`.
    let fields: [usize; 5] = unsafe { block_words(words[mut_data]) };
    only(&fields, head.as_ptr() as usize)?;
    only(&fields, 5)?;
    only(&fields, 2)?;
    let mut_shared_cap = only(&fields, 64)?;
    let frozen = head.freeze();
    // SAFETY: as for `promotable`.
    let words = unsafe { handle_words(&frozen, data) };
    MUT_SHARED_VTABLE.store(words[vtable], Ordering::Relaxed);
    drop(tail);

    Some(Slots {
        ptr,
        len,
        data,
        vtable,
        shared_cap,
        mut_data,
        mut_shared_cap,
    })
}

/// Adds a `Shared` box of `N` words at `data` and the buffer whose capacity
/// is its word `cap`, once per traversal.
///
/// # Safety
///
/// As for [`block_words`].
unsafe fn add_block<const N: usize>(cx: &mut Context<'_>, data: usize, cap: usize) {
    if cx.add_shared(data as *const u8, Layout::new::<[usize; N]>()) {
        // SAFETY: the caller's contract.
        let fields: [usize; N] = unsafe { block_words(data) };
        if let Ok(layout) = Layout::array::<u8>(fields[cap]) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
}

/// Static views own nothing; a buffer that was never shared is counted
/// exactly; a buffer shared by clones and slices, made from a `Vec` with
/// spare capacity, or frozen from a split `BytesMut`, is counted once per
/// traversal, exactly (its box and its buffer).
///
/// Bound: a `Bytes` made with `Bytes::from_owner` counts the bytes of its
/// view, once per owner: never more than the owner's allocations, but not
/// them. So does one whose unshared buffer starts at an odd address (bytes
/// gives those a vtable of their own; the system allocator never returns
/// one).
#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl SizeOf for Bytes {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let Some(s) = slots() else {
            // Unknown shape: the view's bytes, a lower bound.
            cx.add_opaque(self.len());
            cx.add_bound("the buffer beyond the view");
            return;
        };
        // SAFETY: four word-sized fields (fact 1; the probe checked the
        // size); only `data` is ever written through a shared borrow.
        let words = unsafe { handle_words(self, s.data) };
        let (data, vtable) = (words[s.data], words[s.vtable]);
        if data == 0 {
            // Fact 2: static.
            return;
        }
        if vtable == PROMOTABLE_VTABLE.load(Ordering::Relaxed) && data & 1 == 1 {
            // Fact 3: never shared, from the buffer's start to the view's end.
            let start = data & !1;
            let end = words[s.ptr].wrapping_add(words[s.len]);
            if let Ok(layout) = Layout::array::<u8>(end.wrapping_sub(start)) {
                cx.add_alloc(start as *const u8, layout);
            }
        } else if vtable == PROMOTABLE_VTABLE.load(Ordering::Relaxed)
            || vtable == SHARED_VTABLE.load(Ordering::Relaxed)
        {
            // SAFETY: with these vtables and an untagged `data`, `data` is
            // the live three-word `Shared` of this borrowed `Bytes` (fact 4).
            unsafe { add_block::<3>(cx, data, s.shared_cap) };
        } else if vtable == MUT_SHARED_VTABLE.load(Ordering::Relaxed) {
            // SAFETY: with this vtable, `data` is the live five-word `Shared`
            // of a split `BytesMut` (fact 6).
            unsafe { add_block::<5>(cx, data, s.mut_shared_cap) };
        } else if let Ok(layout) = Layout::array::<u8>(self.len()) {
            // Fact 7: the view's bytes, once per owner.
            if cx.add_shared(data as *const u8, layout) {
                cx.add_bound("from_owner's owner");
            }
        }
    }
}

/// Unshared: the buffer, exactly, including what the view advanced past.
/// Split: the box and the whole buffer once per traversal, exactly, however
/// many parts of it are reached.
#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl SizeOf for BytesMut {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let Some(s) = slots() else {
            cx.add_opaque(self.capacity());
            cx.add_bound("the buffer beyond the view");
            return;
        };
        // SAFETY: four plain word-sized fields (fact 5; the probe checked
        // the size), not written while borrowed.
        let data = unsafe { handle_words(self, WORDS) }[s.mut_data];
        if data & 1 == 1 {
            // Fact 5: one buffer from its start, `pos` bytes before the view.
            let pos = data >> 5;
            if let Some(Ok(layout)) = pos.checked_add(self.capacity()).map(Layout::array::<u8>) {
                cx.add_alloc(core::ptr::null(), layout);
            }
        } else {
            // SAFETY: an untagged `data` is the live five-word `Shared` of
            // this borrowed `BytesMut` (fact 6).
            unsafe { add_block::<5>(cx, data, s.mut_shared_cap) };
        }
    }
}
