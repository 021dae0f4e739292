//! tokio's `time::Instant`, its locks and cells, `Notify`, `Semaphore`,
//! `Barrier`, and the handles of its four channels.
//!
//! Layout facts of tokio 1.x (read from 1.54.1, built without its
//! `parking_lot` feature and without `tokio_unstable` tracing), held
//! against the allocator in `tests/tests/ext_tokio.rs`, and by this file's
//! tests under Miri on a 64-bit, a 32-bit and a big-endian target:
//!
//! 1. Every channel handle is its channel's `std::sync::Arc` and little
//!    else: mpsc's `Sender`, `WeakSender`, `Receiver` and their unbounded
//!    twins are one `Arc<Chan<T, S>>`; `watch::Sender` is one
//!    `Arc<Shared<T>>`, `watch::Receiver` that and a version word;
//!    `broadcast::Sender` and `WeakSender` one `Arc<Shared<T>>`, its
//!    `Receiver` that and a `u64` position; `oneshot`'s two handles one
//!    `Option<Arc<Inner<T>>>`, `None` once done. The `Arc`'s block is the
//!    channel's state, one allocation shared by all its handles:
//!    `Layout::new::<[usize; 2]>().extend(Layout::new::<State>())`, padded.
//!    The handles are read through `repr(Rust)` copies of these private
//!    types below, field for field of the same types in the same order
//!    (rustc lays out structs of equal fields alike, unless told to
//!    randomize layouts), and the `Arc`'s data address keys the block, the
//!    same for every handle.
//! 2. mpsc's `Chan<T, S>` is `{ tx: CachePadded<list::Tx<T>>, rx_waker:
//!    CachePadded<AtomicWaker>, notify_rx_closed: Notify, semaphore: S,
//!    tx_count, tx_weak_count: AtomicUsize, rx_fields:
//!    UnsafeCell<RxFields<T>> }`; `CachePadded` aligns to 128 bytes on
//!    x86_64, aarch64 and powerpc64, 32 on arm and mips, 256 on s390x, 64
//!    elsewhere; `S` is `{ semaphore: batch_semaphore::Semaphore, bound:
//!    usize }` for bounded channels (the semaphore is laid out as
//!    `sync::Semaphore`, its one field) and one `AtomicUsize` for unbounded
//!    ones. `list::Tx<T>` is `{ block_tail: AtomicPtr<Block<T>>,
//!    tail_position: AtomicUsize }`, `RxFields<T>` is `{ list: { head,
//!    index, free_head }, rx_closed }`.
//! 3. mpsc's messages live in blocks of `BLOCK_CAP` slots (32 on 64-bit
//!    targets, 16 on others), each one allocation of
//!    `Layout::new::<Block<T>>()`, `Block<T> = { header: { start_index,
//!    next: AtomicPtr<Block<T>>, ready_slots, observed_tail_position },
//!    values: [MaybeUninit<T>; BLOCK_CAP] }`, linked by `next` from
//!    `free_head` (the oldest, not yet reused) through `block_tail` to the
//!    last. Only the receiver (through `&mut self`) frees, reuses or
//!    relinks a block or writes `RxFields`; senders only append new blocks
//!    (an atomic `next` store, after the block is written) and move
//!    `block_tail`. While a `Receiver` is borrowed, its chain is alive and
//!    can be walked with atomic loads of `next`. A message is written to
//!    its slot before the slot's bit in `ready_slots` is set (a release);
//!    the queued messages are the ready slots at or past the receiver's
//!    `index`, from its `head` block on, and stay in place until the
//!    receiver takes them. The last sender's drop writes a close marker to
//!    the next slot, which appends a block if the last one is full.
//! 4. watch's `Shared<T>` is `{ value: RwLock<T>, state, ref_count_rx,
//!    ref_count_tx: AtomicUsize, notify_rx: BigNotify, notify_tx: Notify
//!    }`, the lock a std `RwLock`, `BigNotify` eight `Notify`s (this crate
//!    turns on tokio's `rt`, without which it has one more word).
//!    `Barrier::new` makes one such channel of `usize`, and owns both ends.
//! 5. broadcast's `Shared<T>` is `{ buffer: Box<[Mutex<Slot<T>>]>, mask,
//!    tail: Mutex<Tail>, num_tx, num_weak_tx: AtomicUsize,
//!    notify_last_rx_drop: Notify }`, the buffer exactly `capacity
//!    .next_power_of_two()` std `Mutex`es of `Slot<T> = { rem: usize, pos:
//!    u64, val: Option<T> }`: a slot holds a value until every receiver
//!    has seen it, and is read or written only under its lock. `Tail` is
//!    `{ pos: u64, rx_cnt: usize, closed: bool, waiters: (two pointers) }`.
//! 6. oneshot's `Inner<T>` is `{ state: AtomicUsize, value:
//!    UnsafeCell<Option<T>>, tx_task, rx_task: UnsafeCell<MaybeUninit<Waker>>
//!    }`. Once `state` has `VALUE_SENT` (`0b10`), the sender is gone
//!    and the value is only taken by the receiver through `&mut self`.
//! 7. `Notify`, `Semaphore`, `time::Instant` and the locks' own state own no
//!    heap: waiters are nodes inside the waiting futures.
//!
//! The facts are checked once, the first time a channel is measured: the
//! handles' sizes against the copies (which also tells tokio's
//! `parking_lot` feature and its tracing apart), and, on channels of
//! `u64` built for the purpose, every field the impls read against what
//! the public API says it must be. Where a check fails, channels add
//! nothing of their own and count as skipped
//! ([`HeapStats::skipped`](crate::HeapStats::skipped)).
//!
//! Locks follow std's [lock policy](super::sync): `try_lock`/`try_read`, a
//! brief retry, then skipped and counted.

use core::cell::UnsafeCell;
use core::mem::{size_of, MaybeUninit};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::Waker;

use tokio::sync::{broadcast, mpsc, oneshot, watch, Barrier, Notify, Semaphore};

use super::sync::acquire;
use crate::lib::{Box, Layout};
use crate::{Context, SizeOf};

heap_free_ext! {
    "tokio":
    [] tokio::time::Instant,
    [] Notify,
    [] Semaphore,
}

/// tokio's async locks, under the [lock policy](super::sync): `Mutex`
/// through `try_lock`, `RwLock` through `try_read`. A lock around contents
/// that own no heap is heap-free: never locked.
macro_rules! locks {
    ($($lock:ident $try:ident,)*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl<T: SizeOf> SizeOf for tokio::sync::$lock<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if !T::is_heap_free() {
                    cx.add_guarded(move |cx| acquire(cx, || self.$try().ok()));
                }
            }
            #[inline]
            fn is_heap_free() -> bool {
                T::is_heap_free()
            }
        }
    )*};
}

locks! {
    Mutex try_lock,
    RwLock try_read,
}

/// Cells own what they hold, once it is set.
macro_rules! cells {
    ($($cell:ident,)*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl<T: SizeOf> SizeOf for tokio::sync::$cell<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if let Some(v) = self.get() {
                    v.add_heap(cx);
                }
            }
            #[inline]
            fn is_heap_free() -> bool {
                T::is_heap_free()
            }
        }
    )*};
}

cells! {
    OnceCell,
    SetOnce,
}

// Copies of tokio's private types (facts 1 to 6). They are never built or
// dropped: only read, through references made from a live handle, and
// only the fields that the facts say nothing else writes meanwhile (or
// that are atomic, or under a lock taken here).

/// `util::cacheline::CachePadded` (fact 2).
#[cfg_attr(
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64",
    ),
    repr(align(128))
)]
#[cfg_attr(
    any(target_arch = "arm", target_arch = "mips", target_arch = "mips64",),
    repr(align(32))
)]
#[cfg_attr(target_arch = "s390x", repr(align(256)))]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64",
        target_arch = "arm",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "s390x",
    )),
    repr(align(64))
)]
struct CachePadded<T> {
    value: T,
}

/// A handle that is one `Arc` (fact 1).
struct ArcHandle<X> {
    shared: Arc<X>,
}

/// A handle that is an `Arc` and one word (fact 1: watch's and
/// broadcast's receivers).
#[allow(dead_code)] // The word is there for the layout.
struct ArcAndWord<X, W> {
    shared: Arc<X>,
    word: W,
}

/// mpsc's `block::Block<T>` (fact 3).
struct Block<T> {
    header: BlockHeader<T>,
    values: Values<T>,
}

struct BlockHeader<T> {
    start_index: usize,
    next: AtomicPtr<Block<T>>,
    ready_slots: AtomicUsize,
    #[allow(dead_code)] // For the layout.
    observed_tail_position: UnsafeCell<usize>,
}

/// The slots of a block, `BLOCK_CAP` of them.
#[repr(transparent)]
struct Values<T>([UnsafeCell<MaybeUninit<T>>; BLOCK_CAP]);

/// mpsc's `BLOCK_CAP` (fact 3).
#[cfg(target_pointer_width = "64")]
const BLOCK_CAP: usize = 32;
#[cfg(not(target_pointer_width = "64"))]
const BLOCK_CAP: usize = 16;

/// mpsc's `list::Tx<T>`.
struct ListTx<T> {
    block_tail: AtomicPtr<Block<T>>,
    tail_position: AtomicUsize,
}

/// mpsc's `list::Rx<T>`.
struct ListRx<T> {
    head: NonNull<Block<T>>,
    index: usize,
    free_head: NonNull<Block<T>>,
}

/// mpsc's `chan::RxFields<T>`.
#[allow(dead_code)] // For the layout.
struct RxFields<T> {
    list: ListRx<T>,
    rx_closed: bool,
}

/// tokio's `AtomicWaker`.
#[allow(dead_code)] // For the layout.
struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

/// mpsc's `chan::Chan<T, S>` (fact 2).
#[allow(dead_code)] // For the layout.
struct Chan<T, S> {
    tx: CachePadded<ListTx<T>>,
    rx_waker: CachePadded<AtomicWaker>,
    notify_rx_closed: Notify,
    semaphore: S,
    tx_count: AtomicUsize,
    tx_weak_count: AtomicUsize,
    rx_fields: UnsafeCell<RxFields<T>>,
}

/// The semaphore of a bounded mpsc channel.
#[allow(dead_code)] // For the layout.
struct Bounded {
    semaphore: Semaphore,
    bound: usize,
}

/// The semaphore of an unbounded mpsc channel.
#[allow(dead_code)] // For the layout.
struct Unbounded(AtomicUsize);

/// watch's `Shared<T>` (fact 4).
#[allow(dead_code)] // For the layout.
struct WatchShared<T> {
    value: RwLock<T>,
    state: AtomicUsize,
    ref_count_rx: AtomicUsize,
    ref_count_tx: AtomicUsize,
    notify_rx: BigNotify,
    notify_tx: Notify,
}

/// watch's `BigNotify`, as tokio with `rt` has it.
#[allow(dead_code)] // For the layout.
struct BigNotify {
    inner: [Notify; 8],
}

/// broadcast's `Shared<T>` (fact 5).
#[allow(dead_code)] // For the layout.
struct BroadcastShared<T> {
    buffer: Box<[Mutex<Slot<T>>]>,
    mask: usize,
    tail: Mutex<Tail>,
    num_tx: AtomicUsize,
    num_weak_tx: AtomicUsize,
    notify_last_rx_drop: Notify,
}

/// broadcast's `Slot<T>`.
#[allow(dead_code)] // For the layout.
struct Slot<T> {
    rem: usize,
    pos: u64,
    val: Option<T>,
}

/// broadcast's `Tail`.
#[allow(dead_code)] // For the layout.
struct Tail {
    pos: u64,
    rx_cnt: usize,
    closed: bool,
    waiters: (Option<NonNull<u8>>, Option<NonNull<u8>>),
}

/// oneshot's `Inner<T>` (fact 6).
#[allow(dead_code)] // For the layout.
struct OneshotInner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    tx_task: UnsafeCell<MaybeUninit<Waker>>,
    rx_task: UnsafeCell<MaybeUninit<Waker>>,
}

/// oneshot's handles.
struct OneshotHandle<T> {
    inner: Option<Arc<OneshotInner<T>>>,
}

/// oneshot's `VALUE_SENT` bit of `state`.
const VALUE_SENT: usize = 0b10;

/// A broadcast slot owns what it holds.
impl<T: SizeOf> SizeOf for Slot<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("val", &self.val);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// The block of an `Arc<X>` (fact 1).
fn arc_block<X>() -> Layout {
    match Layout::new::<[usize; 2]>().extend(Layout::new::<X>()) {
        Ok((layout, _)) => layout.pad_to_align(),
        // Unreachable: the block of a type that exists fits.
        Err(_) => Layout::new::<X>(),
    }
}

/// Views `handle` as its copy `M`.
///
/// # Safety
///
/// `M` must be the copy of `H`'s layout (fact 1), checked by [`facts_hold`].
#[inline]
unsafe fn view<H, M>(handle: &H) -> &M {
    debug_assert_eq!(size_of::<H>(), size_of::<M>());
    // SAFETY: the caller's contract: `H` and `M` have the same layout, so
    // the reference is to an initialized `M`, aligned, living as long as
    // `handle`; nothing is written through it.
    unsafe { &*(handle as *const H as *const M) }
}

/// [`facts_hold`]'s answer: 0 before the checks ran, 1 if they passed, 2
/// if they failed.
static FACTS: AtomicU8 = AtomicU8::new(0);

/// Whether the layout facts hold for the tokio this crate was built
/// with, checked the first time.
#[inline]
fn facts_hold() -> bool {
    match FACTS.load(Ordering::Acquire) {
        0 => {
            let ok = check_facts();
            FACTS.store(if ok { 1 } else { 2 }, Ordering::Release);
            ok
        }
        state => state == 1,
    }
}

/// Checks the facts on channels built for the purpose (their allocations
/// are the checks' own, left out of the counting allocator's figures).
#[cold]
#[inline(never)]
fn check_facts() -> bool {
    let _quiet = crate::alloc::untracked();
    // Sizes first: a mismatch here (tokio's `parking_lot` feature changes
    // the size of `watch::Ref`, tracing adds spans to oneshot's handles)
    // stops the checks before any copy is read.
    let word = size_of::<usize>();
    let sizes = size_of::<mpsc::Sender<u64>>() == word
        && size_of::<mpsc::WeakSender<u64>>() == word
        && size_of::<mpsc::Receiver<u64>>() == word
        && size_of::<mpsc::UnboundedSender<u64>>() == word
        && size_of::<mpsc::WeakUnboundedSender<u64>>() == word
        && size_of::<mpsc::UnboundedReceiver<u64>>() == word
        && size_of::<watch::Sender<u64>>() == word
        && size_of::<watch::Receiver<u64>>() == size_of::<ArcAndWord<(), usize>>()
        && size_of::<watch::Ref<'static, u8>>()
            == size_of::<(std::sync::RwLockReadGuard<'static, u8>, bool)>()
        && size_of::<broadcast::Sender<u64>>() == word
        && size_of::<broadcast::WeakSender<u64>>() == word
        && size_of::<broadcast::Receiver<u64>>() == size_of::<ArcAndWord<(), u64>>()
        && size_of::<oneshot::Sender<u64>>() == word
        && size_of::<oneshot::Receiver<u64>>() == word;
    sizes && check_mpsc() && check_watch() && check_broadcast() && check_oneshot()
}

/// Facts 1 to 3 on an unbounded and a bounded channel.
fn check_mpsc() -> bool {
    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
    // SAFETY: sizes checked; what is read is checked before it is relied on.
    let t: &ArcHandle<Chan<u64, Unbounded>> = unsafe { view(&tx) };
    // SAFETY: as above.
    let r: &ArcHandle<Chan<u64, Unbounded>> = unsafe { view(&rx) };
    if !Arc::ptr_eq(&t.shared, &r.shared) || Arc::strong_count(&t.shared) != 2 {
        return false;
    }
    let chan = &*t.shared;
    // SAFETY: `rx` is borrowed and nothing else runs on this channel.
    let list = unsafe { &(*chan.rx_fields.get()).list };
    let first = chan.tx.value.block_tail.load(Ordering::Acquire);
    if chan.tx_count.load(Ordering::Relaxed) != 1
        || chan.tx_weak_count.load(Ordering::Relaxed) != 0
        || list.head.as_ptr() != first
        || list.free_head.as_ptr() != first
        || list.index != 0
        || chan.tx.value.tail_position.load(Ordering::Relaxed) != 0
    {
        return false;
    }
    let weak = tx.downgrade();
    let more = tx.clone();
    if chan.tx_count.load(Ordering::Relaxed) != 2 || chan.tx_weak_count.load(Ordering::Relaxed) != 1
    {
        return false;
    }
    drop((weak, more));
    for i in 0..=BLOCK_CAP as u64 {
        if tx.send(i).is_err() {
            return false;
        }
    }
    // SAFETY: the first block is alive (nothing was received) and its
    // `next` was written before the second block took a message.
    let (start, next) = unsafe {
        let header = &(*first).header;
        (header.start_index, header.next.load(Ordering::Acquire))
    };
    if start != 0 || next.is_null() || rx.len() != BLOCK_CAP + 1 {
        return false;
    }
    // SAFETY: the second block is linked, so alive.
    if unsafe { (*next).header.start_index } != BLOCK_CAP
        || chan.tx.value.tail_position.load(Ordering::Relaxed) != BLOCK_CAP + 1
    {
        return false;
    }
    if rx.try_recv() != Ok(0) {
        return false;
    }
    // SAFETY: as above.
    let list = unsafe { &(*chan.rx_fields.get()).list };
    if list.index != 1 {
        return false;
    }

    let (tx, rx) = mpsc::channel::<u64>(7);
    // SAFETY: as above.
    let t: &ArcHandle<Chan<u64, Bounded>> = unsafe { view(&tx) };
    // SAFETY: as above.
    let r: &ArcHandle<Chan<u64, Bounded>> = unsafe { view(&rx) };
    Arc::ptr_eq(&t.shared, &r.shared)
        && t.shared.semaphore.bound == 7
        && t.shared.semaphore.semaphore.available_permits() == 7
        && t.shared.tx_count.load(Ordering::Relaxed) == 1
}

/// Fact 4.
fn check_watch() -> bool {
    const V: u64 = 0x5eed_cafe_f00d;
    let (tx, rx) = watch::channel(V);
    // SAFETY: sizes checked; what is read is checked before it is relied on.
    let (t, r): (
        &ArcHandle<WatchShared<u64>>,
        &ArcAndWord<WatchShared<u64>, usize>,
    ) = unsafe { (view(&tx), view(&rx)) };
    let shared = &*t.shared;
    let value = shared.value.try_read().map(|v| *v).ok();
    Arc::ptr_eq(&t.shared, &r.shared)
        && value == Some(V)
        && shared.ref_count_rx.load(Ordering::Relaxed) == 1
        && shared.ref_count_tx.load(Ordering::Relaxed) == 1
        && *rx.borrow() == V
}

/// Fact 5.
fn check_broadcast() -> bool {
    let (tx, rx) = broadcast::channel::<u64>(3);
    if tx.send(77).is_err() {
        return false;
    }
    // SAFETY: sizes checked; what is read is checked before it is relied on.
    let (t, r): (
        &ArcHandle<BroadcastShared<u64>>,
        &ArcAndWord<BroadcastShared<u64>, u64>,
    ) = unsafe { (view(&tx), view(&rx)) };
    let shared = &*t.shared;
    let slot = shared.buffer.first().and_then(|s| s.try_lock().ok());
    let slot = slot.map(|s| (s.rem, s.pos, s.val));
    let tail = shared
        .tail
        .try_lock()
        .ok()
        .map(|t| (t.pos, t.rx_cnt, t.closed));
    Arc::ptr_eq(&t.shared, &r.shared)
        && shared.buffer.len() == 4
        && shared.mask == 3
        && shared.num_tx.load(Ordering::Relaxed) == 1
        && shared.num_weak_tx.load(Ordering::Relaxed) == 0
        && slot == Some((1, 0, Some(77)))
        && tail == Some((1, 1, false))
        && r.word == 0
}

/// Fact 6.
fn check_oneshot() -> bool {
    let (tx, rx) = oneshot::channel::<u64>();
    // SAFETY: sizes checked; what is read is checked before it is relied on.
    let (t, r): (&OneshotHandle<u64>, &OneshotHandle<u64>) = unsafe { (view(&tx), view(&rx)) };
    let same = match (&t.inner, &r.inner) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) && Arc::strong_count(a) == 2,
        _ => false,
    };
    if !same || tx.send(9).is_err() {
        return false;
    }
    // SAFETY: as above.
    let r: &OneshotHandle<u64> = unsafe { view(&rx) };
    match &r.inner {
        Some(inner) => {
            inner.state.load(Ordering::Acquire) & VALUE_SENT != 0
                // SAFETY: the value was sent (fact 6) and `rx` is borrowed.
                && unsafe { *inner.value.get() } == Some(9)
        }
        None => false,
    }
}

/// An mpsc channel's state block, once per traversal, and as a sender
/// sees it, its last block.
fn add_sender_side<'a, T, S>(cx: &mut Context<'a>, chan: &'a Arc<Chan<T, S>>) {
    if cx.add_shared(Arc::as_ptr(chan).cast(), arc_block::<Chan<T, S>>()) {
        // Reached from a sender first: exact only if the traversal reaches
        // the receiver too.
        cx.add_bound("blocks and messages behind the receiver");
    }
    // Only its address is used (a key): the block may be freed once it is no
    // longer the last, and is never read here.
    let tail = chan.tx.value.block_tail.load(Ordering::Acquire);
    cx.add_shared(tail.cast_const().cast(), Layout::new::<Block<T>>());
}

/// An mpsc channel's state block, once per traversal, every block of its
/// list, and the heap of the messages queued in them.
///
/// # Safety
///
/// `chan` must be the channel of a `Receiver` borrowed for `'a`.
unsafe fn add_receiver_side<'a, T: SizeOf, S>(cx: &mut Context<'a>, chan: &'a Arc<Chan<T, S>>) {
    cx.add_shared(Arc::as_ptr(chan).cast(), arc_block::<Chan<T, S>>());
    // SAFETY: only the receiver writes `rx_fields`, through `&mut self`
    // (fact 3), and it is borrowed for `'a`: nothing writes them now.
    let list: &'a ListRx<T> = unsafe { &(*chan.rx_fields.get()).list };
    let mut block = list.free_head.as_ptr().cast_const();
    loop {
        cx.add_shared(block.cast(), Layout::new::<Block<T>>());
        // SAFETY: every block linked from `free_head` stays allocated while
        // the receiver is borrowed (only it frees blocks, fact 3), and a
        // sender stores `next` atomically after writing the new block.
        let next = unsafe { (*block).header.next.load(Ordering::Acquire) };
        if next.is_null() {
            break;
        }
        block = next;
    }
    if !T::is_heap_free() {
        cx.descend(move |cx| add_queued(cx, list));
    }
}

/// The messages queued in an mpsc channel: from the receiver's `head`
/// block on, each slot at or past the receiver's `index` whose ready bit is
/// set (fact 3).
///
/// `list` is the `RxFields` of a receiver borrowed for `'a`.
fn add_queued<'a, T: SizeOf>(cx: &mut Context<'a>, list: &'a ListRx<T>) {
    const READY: usize = (1 << BLOCK_CAP) - 1;
    let mut block = list.head.as_ptr().cast_const();
    loop {
        // SAFETY: the blocks from `head` on are alive while the receiver is
        // borrowed (fact 3); `start_index` of a linked block is written
        // only by the receiver, through `&mut self`.
        let block_ref: &'a Block<T> = unsafe { &*block };
        let header = &block_ref.header;
        let ready = header.ready_slots.load(Ordering::Acquire) & READY;
        for (i, slot) in block_ref.values.0.iter().enumerate() {
            let index = header.start_index.wrapping_add(i);
            if ready & (1 << i) != 0 && index.wrapping_sub(list.index) as isize >= 0 {
                // SAFETY: a ready slot at or past the receiver's index holds
                // a message, written before its ready bit was set (released,
                // and acquired by the load above), and moved out only by the
                // borrowed receiver.
                let message: &'a T = unsafe { &*slot.get().cast::<T>() };
                cx.add_element(message);
            }
        }
        let next = header.next.load(Ordering::Acquire);
        if next.is_null() {
            break;
        }
        block = next;
    }
}

/// The handles of mpsc channels: `$side` is which part of the channel a
/// handle can reach.
macro_rules! mpsc_handles {
    ($($handle:ident $sem:ident $side:ident,)*) => {$(
        #[doc = mpsc_handles!(@doc $side)]
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl<T: SizeOf> SizeOf for mpsc::$handle<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if !facts_hold() {
                    return cx.skip();
                }
                // SAFETY: the handle is one `Arc<Chan<T, $sem>>` (facts 1, 2,
                // checked by `facts_hold`).
                let h: &'a ArcHandle<Chan<T, $sem>> = unsafe { view(self) };
                mpsc_handles!(@add $side cx, &h.shared);
            }
        }
    )*};
    (@doc sender) => {
        "The channel's state block and its last block of messages, each once \
         per traversal (all handles share them).\n\n\
         A bound without the receiver: a sender can't safely reach the \
         other blocks (the receiver frees and reuses them as it goes), nor \
         the queued messages' own heap. Measured together with the \
         receiver (`heap_stats_all`, or in one value), the channel is exact."
    };
    (@doc receiver) => {
        "The channel's state block, every block of messages, and the queued \
         messages' own heap: exact (the borrow of the receiver keeps them in \
         place). The state is counted once per traversal, with the senders."
    };
    (@add sender $cx:ident, $chan:expr) => { add_sender_side($cx, $chan) };
    // SAFETY: the handle is the channel's receiver, borrowed for `'a`.
    (@add receiver $cx:ident, $chan:expr) => { unsafe { add_receiver_side($cx, $chan) } };
}

mpsc_handles! {
    Sender Bounded sender,
    WeakSender Bounded sender,
    Receiver Bounded receiver,
    UnboundedSender Unbounded sender,
    WeakUnboundedSender Unbounded sender,
    UnboundedReceiver Unbounded receiver,
}

/// A watch channel's state block, once per traversal, then the value's
/// heap under the lock policy (its `RwLock` through `try_read`).
fn add_watch<'a, T: SizeOf>(cx: &mut Context<'a>, shared: &'a Arc<WatchShared<T>>) {
    if cx.add_shared(Arc::as_ptr(shared).cast(), arc_block::<WatchShared<T>>()) {
        cx.add_field("value", &shared.value);
    }
}

/// The channel's state block, once per traversal (all handles share it),
/// and the value's heap, read under the lock policy (its `RwLock` through
/// `try_read`; skipped and counted while a sender writes it).
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<T: SizeOf> SizeOf for watch::Sender<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !facts_hold() {
            return cx.skip();
        }
        // SAFETY: the handle is one `Arc<Shared<T>>` (facts 1, 4).
        let h: &'a ArcHandle<WatchShared<T>> = unsafe { view(self) };
        add_watch(cx, &h.shared);
    }
}

/// The channel's state block, once per traversal (all handles share it),
/// and the value's heap, read under the lock policy (its `RwLock` through
/// `try_read`; skipped and counted while a sender writes it).
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<T: SizeOf> SizeOf for watch::Receiver<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !facts_hold() {
            return cx.skip();
        }
        // SAFETY: the handle is an `Arc<Shared<T>>` and a version word
        // (facts 1, 4).
        let h: &'a ArcAndWord<WatchShared<T>, usize> = unsafe { view(self) };
        add_watch(cx, &h.shared);
    }
}

/// A broadcast channel's state block and its ring buffer, once per
/// traversal, then each slot's value under the lock policy (the slot's
/// `Mutex` through `try_lock`): the messages not yet seen by every
/// receiver, exactly.
fn add_broadcast<'a, T: SizeOf>(cx: &mut Context<'a>, shared: &'a Arc<BroadcastShared<T>>) {
    if cx.add_shared(
        Arc::as_ptr(shared).cast(),
        arc_block::<BroadcastShared<T>>(),
    ) {
        let buffer: &'a [Mutex<Slot<T>>] = &shared.buffer;
        cx.add_alloc(buffer.as_ptr().cast(), Layout::for_value(buffer));
        if !T::is_heap_free() {
            cx.descend(move |cx| {
                for slot in buffer {
                    cx.add_element(slot);
                }
            });
        }
    }
}

/// The handles of broadcast channels.
macro_rules! broadcast_handles {
    ($($handle:ident $view:ty,)*) => {$(
        /// The channel's state block and ring buffer, once per traversal
        /// (all handles share them), and the messages not yet seen by every
        /// receiver, each read under the lock policy (its slot's `Mutex`
        /// through `try_lock`).
        #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
        impl<T: SizeOf> SizeOf for broadcast::$handle<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if !facts_hold() {
                    return cx.skip();
                }
                // SAFETY: the handle is an `Arc<Shared<T>>`, for a receiver
                // followed by a position (facts 1, 5).
                let h: &'a $view = unsafe { view(self) };
                add_broadcast(cx, &h.shared);
            }
        }
    )*};
}

broadcast_handles! {
    Sender ArcHandle<BroadcastShared<T>>,
    WeakSender ArcHandle<BroadcastShared<T>>,
    Receiver ArcAndWord<BroadcastShared<T>, u64>,
}

/// The state block, once per traversal (both ends share it).
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<T: SizeOf> SizeOf for oneshot::Sender<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !facts_hold() {
            return cx.skip();
        }
        // SAFETY: the handle is one `Option<Arc<Inner<T>>>` (facts 1, 6).
        let h: &'a OneshotHandle<T> = unsafe { view(self) };
        if let Some(inner) = &h.inner {
            cx.add_shared(Arc::as_ptr(inner).cast(), arc_block::<OneshotInner<T>>());
        }
    }
}

/// The state block, once per traversal (both ends share it), and the
/// value's heap once it was sent and until it is received.
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl<T: SizeOf> SizeOf for oneshot::Receiver<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !facts_hold() {
            return cx.skip();
        }
        // SAFETY: the handle is one `Option<Arc<Inner<T>>>` (facts 1, 6).
        let h: &'a OneshotHandle<T> = unsafe { view(self) };
        if let Some(inner) = &h.inner {
            cx.add_shared(Arc::as_ptr(inner).cast(), arc_block::<OneshotInner<T>>());
            if !T::is_heap_free() && inner.state.load(Ordering::Acquire) & VALUE_SENT != 0 {
                // SAFETY: once sent, only this receiver takes the value,
                // through `&mut self`, and it is borrowed (fact 6).
                let value: &'a Option<T> = unsafe { &*inner.value.get() };
                cx.add_field("value", value);
            }
        }
    }
}

/// Its watch channel's state block, which it owns alone (fact 4).
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl SizeOf for Barrier {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if facts_hold() {
            cx.add_alloc(core::ptr::null(), arc_block::<WatchShared<usize>>());
        } else {
            cx.skip();
        }
    }
}

/// Small versions of `tests/tests/ext_tokio.rs`, so that Miri runs the
/// reads through the copies on every target it checks (32-bit, big-endian,
/// other cache-line paddings) against the allocator.
#[cfg(test)]
mod tests {
    use std::string::String;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::alloc::{assert_heap_exact, check_heap};
    use crate::{heap_stats, heap_stats_all};

    /// `assert_heap_exact` for mpsc handles, less what the drop itself
    /// allocates (the last sender's close marker may append a block, fact 3).
    fn assert_channel_exact<T: SizeOf>(handles: T) {
        let c = check_heap(handles);
        let own = &c.drop_stats;
        assert_eq!(
            (c.heap_bytes as u64, c.heap_allocations as u64),
            (
                c.freed_bytes - own.bytes_allocated,
                c.deallocations - own.allocations
            ),
            "{c}"
        );
    }

    #[test]
    fn facts_hold_here() {
        assert!(facts_hold());
    }

    #[test]
    fn mpsc_channels() {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let more = tx.clone();
        for i in 0..(BLOCK_CAP + 5) {
            tx.send(String::from("message").repeat(i % 3)).unwrap();
        }
        for _ in 0..3 {
            rx.try_recv().unwrap();
        }
        // The same figures (a sender reached first notes a bound).
        let (one, all) = (heap_stats(&rx), heap_stats_all(&[&tx, &rx, &more]));
        assert_eq!((one.bytes, one.allocations), (all.bytes, all.allocations));
        assert!(heap_stats(&tx).bytes < heap_stats(&rx).bytes);
        assert_channel_exact((tx, more, rx));
        let (tx, rx) = mpsc::channel::<[u16; 3]>(BLOCK_CAP * 2);
        let weak = tx.downgrade();
        for _ in 0..BLOCK_CAP {
            tx.try_send([1, 2, 3]).unwrap();
        }
        assert_channel_exact((weak, rx, tx));
    }

    #[test]
    fn watch_broadcast_oneshot_barrier() {
        let (tx, rx) = watch::channel(vec![1u32; 5]);
        let rx2 = rx.clone();
        assert_heap_exact((tx, rx, rx2));
        let (tx, rx) = broadcast::channel::<String>(3);
        let rx2 = tx.subscribe();
        tx.send(String::from("one")).unwrap();
        tx.send(String::from("two")).unwrap();
        assert_heap_exact((rx, tx, rx2));
        let (tx, rx) = oneshot::channel::<Vec<u8>>();
        assert_eq!(heap_stats(&tx), heap_stats_all(&[&tx, &rx]));
        tx.send(vec![0; 9]).unwrap();
        assert_heap_exact(rx);
        assert_heap_exact(Barrier::new(2));
    }
}
