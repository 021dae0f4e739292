//! `ArrayQueue` and `SegQueue` of the `crossbeam-queue` crate (0.3).
//!
//! Layout facts of crossbeam-queue 0.3.14, held against the allocator in
//! `tests/tests/ext_crossbeam_queue.rs`:
//!
//! 1. An `ArrayQueue<T>` owns one `Box<[Slot<T>]>` of `capacity()` slots,
//!    a slot being a stamp (`AtomicUsize`) and room for one `T`.
//! 2. A `SegQueue<T>` owns a linked list of blocks, each a next pointer and
//!    31 slots (a `T`'s room and an `AtomicUsize` state), allocated on the
//!    first push; a new block is installed when a push fills the last
//!    slot, and a block is freed when a pop empties its last slot. The
//!    head and the tail are each a `Position { index, block }` (an
//!    `AtomicU64` and a pointer, in rustc's order) at the start of its own
//!    `CachePadded` half of the queue, whose padding is never read. An
//!    index counts 32 per block (`LAP`: 31 slots and one skipped), shifted
//!    left by one bit of flags. So the live blocks are
//!    `tail / 64 - head / 64 + 1` once a block exists, none before.
//! 3. A `SegQueue`'s layout does not depend on `T` (only pointers to its
//!    blocks): a probe on a `SegQueue<u8>` with known pushes and pops finds
//!    the head's half and the index's word once, on 64-bit targets (where
//!    a `Position` is two whole words).
//! 4. The queued values can only be reached by popping them: their own
//!    heap is not counted (see the impls).

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

use crossbeam_queue::{ArrayQueue, SegQueue};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// An `ArrayQueue` slot's layout (fact 1): the same fields.
#[allow(dead_code)] // Only its layout is used.
struct ArraySlot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A `SegQueue` slot's layout (fact 2).
#[allow(dead_code)] // Only its layout is used.
struct SegSlot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

/// A `SegQueue` block's layout (fact 2).
#[allow(dead_code)] // Only its layout is used.
struct Block<T> {
    next: *mut (),
    slots: [SegSlot<T>; 31],
}

/// The slots' buffer, exactly, queued values' inline bytes included.
///
/// Bound: what the queued values own on the heap is not counted (fact 4):
/// exact for values that own none, under by their heap otherwise.
#[cfg_attr(docsrs, doc(cfg(feature = "crossbeam-queue")))]
impl<T> SizeOf for ArrayQueue<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Ok(layout) = Layout::array::<ArraySlot<T>>(self.capacity()) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        if core::mem::needs_drop::<T>() && !self.is_empty() {
            cx.add_bound("queued values' heap");
        }
    }
}

/// Which half of a `SegQueue` is the head's (0 or 1) and which word of a
/// `Position` is the index, packed as `head * 2 + index + 1`; 0 before the
/// probe, `u8::MAX` where it failed.
static SEG_LAYOUT: AtomicU8 = AtomicU8::new(0);

/// Words 0 and 1 of both halves of a `SegQueue`: its two `Position`s.
///
/// # Safety
///
/// A 64-bit target, where a `Position` is two whole words (fact 3).
unsafe fn positions<T>(queue: &SegQueue<T>) -> [[u64; 2]; 2] {
    let half = size_of::<SegQueue<T>>() / 2;
    let base = (queue as *const SegQueue<T>).cast::<u8>();
    core::array::from_fn(|h| {
        core::array::from_fn(|w| {
            // SAFETY: each word is one of a `Position`'s two atomics (an
            // `AtomicU64` and an `AtomicPtr`, both 8 bytes here), at the
            // start of its half, loaded atomically: other threads may push
            // and pop meanwhile. Both are loaded as pointers, which holds an
            // integer too, and read as addresses.
            let word = unsafe { &*base.add(h * half + w * 8).cast::<AtomicPtr<u8>>() };
            word.load(Ordering::Acquire) as usize as u64
        })
    })
}

fn probe_seg() -> Option<u8> {
    if size_of::<usize>() != 8 || size_of::<SegQueue<u8>>() % 16 != 0 {
        return None;
    }
    let q = SegQueue::new();
    (0..40u8).for_each(|i| q.push(i));
    for _ in 0..3 {
        let _ = q.pop();
    }
    // SAFETY: checked a 64-bit target above.
    let p = unsafe { positions(&q) };
    // Tail: 40 pushes and the skipped slot at the first block's end, 82;
    // head: 3 pops, 6, perhaps with the low flag bit set.
    for head in 0..2 {
        for index in 0..2 {
            let (h, t) = (p[head][index], p[1 - head][index]);
            if t == 82 && h >> 1 == 3 && p[head][1 - index] > 82 && p[1 - head][1 - index] > 82 {
                return Some((head * 2 + index + 1) as u8);
            }
        }
    }
    None
}

/// The blocks, exactly (fact 2), queued values' inline bytes included: a
/// snapshot while other threads push or pop.
///
/// Bound: what the queued values own on the heap is not counted (fact 4):
/// exact for values that own none, under by their heap otherwise. On a
/// 32-bit target, or if the layout probe fails, the blocks are counted from
/// `len()`, `len() / 31 + 1` for a non-empty queue: under by at most one
/// block, and by one for an empty queue that was used.
#[cfg_attr(docsrs, doc(cfg(feature = "crossbeam-queue")))]
impl<T> SizeOf for SegQueue<T> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let mut layout = SEG_LAYOUT.load(Ordering::Acquire);
        if layout == 0 {
            layout = probe_seg().unwrap_or(u8::MAX);
            SEG_LAYOUT.store(layout, Ordering::Release);
        }
        let blocks = if layout != u8::MAX {
            let (head, index) = (usize::from((layout - 1) / 2), usize::from((layout - 1) % 2));
            // SAFETY: the probe ran, so this is a 64-bit target.
            let p = unsafe { positions(self) };
            if p[head][1 - index] == 0 {
                0
            } else {
                let (h, t) = (p[head][index] >> 6, p[1 - head][index] >> 6);
                usize::try_from(t.saturating_sub(h) + 1).unwrap_or(usize::MAX)
            }
        } else {
            match self.len() {
                0 => 0,
                n => n / 31 + 1,
            }
        };
        if blocks != 0 {
            cx.add_allocs(Layout::new::<Block<T>>(), blocks);
        }
        if core::mem::needs_drop::<T>() && !self.is_empty() {
            cx.add_bound("queued values' heap");
        }
    }
}
