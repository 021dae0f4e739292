//! A counting global allocator: what the allocator really hands out, like
//! Python's `tracemalloc`.
//!
//! Install [`CountingAlloc`] as the global allocator, wrapping the allocator
//! the program would use anyway:
//!
//! ```
//! use std::alloc::System;
//! use memsize::alloc::CountingAlloc;
//!
//! #[global_allocator]
//! static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);
//!
//! # fn main() {
//! let (v, stats) = memsize::alloc::measure(|| vec![0u64; 100]);
//! assert_eq!(stats.allocations, 1);
//! assert_eq!(stats.bytes_allocated, 800);
//! assert_eq!(stats.net_bytes, 800);
//! # drop(v);
//! # }
//! ```
//!
//! Then measure code with [`measure`] (or the guard [`Measurement`]), and
//! prove a value's [`heap_size`](crate::SizeOf::heap_size) right with
//! [`assert_heap_exact`].
//!
//! # What is counted
//!
//! Every successful call of the four allocator methods: `alloc` and
//! `alloc_zeroed` are allocations, `dealloc` is a deallocation, `realloc` is
//! one reallocation that frees the old size and allocates the new one. The
//! sizes are the [`Layout::size`](core::alloc::Layout::size) the caller asked
//! for, the same figure [`heap_size`](crate::SizeOf::heap_size) adds up. The
//! calls go through to the wrapped allocator unchanged: `alloc_zeroed` stays
//! `alloc_zeroed` (so the kernel's lazily zeroed pages stay lazy) and
//! `realloc` stays `realloc` (so a growing buffer can grow in place).
//!
//! # Per thread
//!
//! A measurement counts the calls made by the thread that opened it, and
//! nothing else: tests that `cargo test` runs in parallel, and the test
//! harness's own allocations, don't leak into each other's figures. Memory
//! allocated on one thread and freed on another is counted where each call
//! happens.
//!
//! To measure work spread over threads, open a [`SharedMeasurement`] and take
//! its [`handle`](SharedMeasurement::handle) to the other threads. A
//! process-wide reading ([`ProcessMeasurement`]) exists too; it sees every
//! thread, the test harness included, and is as noisy as that sounds.
//!
//! # Cost
//!
//! When no measurement is open anywhere, each allocator call costs one
//! relaxed atomic load on top of the wrapped allocator. While one is open,
//! the calls of a measured thread update per-thread counters with plain
//! loads and stores; only shared and process-wide measurements use atomic
//! read-modify-write operations.
//!
//! # Usable size
//!
//! The figures are the bytes asked for. What the allocator reserves is
//! more: glibc's `malloc` hands out 24 usable bytes for a 1-byte request.
//! An allocator that can tell the usable size of a block implements
//! [`UsableSize`]; wrapped with [`CountingAlloc::with_usable_size`], the
//! measurements report usable bytes beside the requested ones
//! ([`AllocStats::usable_bytes_allocated`]), and [`usable_size`] asks it
//! about one block.
//!
//! # Without the allocator
//!
//! Measuring needs [`CountingAlloc`] to be the global allocator. Without it,
//! [`measure`] and [`Measurement::start`] panic with a message that says so,
//! and [`try_measure`] and [`Measurement::try_start`] return [`NotInstalled`]:
//! never a silent zero. [`installed`] tells which case holds; a
//! `CountingAlloc` value called directly while another allocator is the
//! global one does not count as installed.
//!
//! # Allocation sites
//!
//! With the cargo feature `alloc-sites`, a measurement can record where each
//! live allocation was made, and report the top sites by bytes and count,
//! with snapshots and diffs: see the `sites` module.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, RefCell};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::vec::Vec;

use Ordering::Relaxed;

mod check;
mod measure;
mod shared;
#[cfg(feature = "alloc-sites")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
pub mod sites;
#[cfg(test)]
mod tests;
mod usable;

pub use check::{
    assert_allocations, assert_bytes_at_most, assert_heap_exact, assert_no_alloc, check_heap,
    HeapCheck,
};
pub use measure::{measure, try_measure, AllocStats, Measurement};
pub use shared::{measure_process, Entered, MeasureHandle, ProcessMeasurement, SharedMeasurement};
pub use usable::{usable_size, UsableSize};

/// The memsize crate's own unit tests run under the counting allocator, so
/// they can use the helpers of this module. It knows usable sizes, so the
/// tests can check them.
#[cfg(test)]
#[global_allocator]
static TEST_GLOBAL: CountingAlloc<std::alloc::System> =
    CountingAlloc::with_usable_size(std::alloc::System);

/// How many things are open in the process that want to see allocator
/// calls: measurements of every kind, threads entered in shared ones, and
/// the probe of [`installed`]. While it is zero, an allocator call does
/// nothing but pass through.
static STATE: AtomicUsize = AtomicUsize::new(0);

/// The usable-size hook of a [`CountingAlloc`]: `A`'s
/// [`UsableSize::usable_size`], or none.
type UsableFn<A> = unsafe fn(&A, *mut u8, Layout) -> Option<usize>;

/// A global allocator that counts what it hands out, wrapping another one.
///
/// ```
/// use std::alloc::System;
///
/// #[global_allocator]
/// static GLOBAL: memsize::alloc::CountingAlloc<System> =
///     memsize::alloc::CountingAlloc::new(System);
/// # fn main() { assert!(memsize::alloc::installed()); }
/// ```
///
/// Any [`GlobalAlloc`] can be wrapped (jemalloc, mimalloc, ...): all four
/// methods are passed through as they are, and only calls that succeed are
/// counted. The wrapper never allocates, locks or panics inside an
/// allocator call; with no measurement open it adds one relaxed atomic load.
///
/// [`with_usable_size`](Self::with_usable_size) wraps an allocator that
/// knows the usable size of its blocks ([`UsableSize`]); the measurements
/// then report usable bytes too.
#[derive(Debug, Default)]
pub struct CountingAlloc<A> {
    inner: A,
    usable: Option<UsableFn<A>>,
}

impl<A> CountingAlloc<A> {
    /// Wraps `inner`. A `const fn`, so it can initialize the
    /// `#[global_allocator]` static.
    ///
    /// Usable sizes are not asked for: the usable figures of the
    /// measurements are `None` (see [`with_usable_size`](Self::with_usable_size)).
    pub const fn new(inner: A) -> Self {
        CountingAlloc {
            inner,
            usable: None,
        }
    }

    /// Wraps `inner`, an allocator that can tell the usable size of its
    /// blocks: measurements report
    /// [usable bytes](AllocStats::usable_bytes_allocated) beside the bytes
    /// asked for, and [`usable_size`] answers.
    ///
    /// ```
    /// use std::alloc::System;
    /// use memsize::alloc::CountingAlloc;
    ///
    /// #[global_allocator]
    /// static GLOBAL: CountingAlloc<System> = CountingAlloc::with_usable_size(System);
    ///
    /// # fn main() {
    /// let (b, stats) = memsize::alloc::measure(|| Box::new(1u8));
    /// assert_eq!(stats.bytes_allocated, 1);
    /// if cfg!(all(target_os = "linux", target_env = "gnu")) {
    ///     // glibc's smallest chunk.
    ///     assert_eq!(stats.usable_bytes_allocated, Some(24));
    /// } else {
    ///     // System can't tell on this platform: no guess.
    ///     assert_eq!(stats.usable_bytes_allocated, None);
    /// }
    /// # drop(b);
    /// # }
    /// ```
    ///
    /// Asking costs one call of the hook per allocator call while a
    /// measurement is recording on the calling thread, and nothing
    /// otherwise.
    pub const fn with_usable_size(inner: A) -> Self
    where
        A: UsableSize,
    {
        CountingAlloc {
            inner,
            usable: Some(<A as UsableSize>::usable_size),
        }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }

    /// The usable size of a live block of `inner`, if the hook can tell.
    ///
    /// # Safety
    ///
    /// `ptr` is a block currently allocated by `inner` with `layout`.
    #[inline]
    unsafe fn usable_of(&self, ptr: *mut u8, layout: Layout) -> Option<usize> {
        // SAFETY: passed on from the caller.
        self.usable
            .and_then(|f| unsafe { f(&self.inner, ptr, layout) })
    }

    /// Runs `f` with this thread's state if the thread records the
    /// allocator call it is making (called only when something is open
    /// somewhere). Answers the probe of [`installed`] too: a call the probe
    /// made through the global allocator is proof that this value is the
    /// global allocator.
    #[inline]
    fn if_recording(&self, f: impl FnOnce(&Local)) {
        let _ = LOCAL.try_with(|l| {
            if l.probe.get() == PROBING {
                l.probe.set(PROBE_SEEN);
                usable::register_global(self);
            } else if l.untracked.get() == 0 && l.wants_events() {
                f(l);
            }
        });
    }
}

impl<A: GlobalAlloc> CountingAlloc<A> {
    /// `alloc` or `alloc_zeroed` while something is open.
    ///
    /// # Safety
    ///
    /// `alloc`'s contract for `layout`.
    #[cold]
    #[inline(never)]
    unsafe fn alloc_counted(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract for `layout`.
        let ptr = unsafe {
            if zeroed {
                self.inner.alloc_zeroed(layout)
            } else {
                self.inner.alloc(layout)
            }
        };
        if !ptr.is_null() {
            self.if_recording(|l| {
                // SAFETY: `ptr` was just allocated by `inner` with `layout`.
                let usable = unsafe { self.usable_of(ptr, layout) };
                l.dispatch(Event::Alloc(Block::new(ptr, layout.size(), usable)));
            });
        }
        ptr
    }

    /// Records a `dealloc` while something is open, before the call (the
    /// block's usable size can only be asked while it is live).
    ///
    /// # Safety
    ///
    /// `dealloc`'s contract for `ptr` and `layout`.
    #[cold]
    #[inline(never)]
    unsafe fn record_dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.if_recording(|l| {
            // SAFETY: the caller guarantees `ptr` is a live block of this
            // allocator (hence of `inner`) with `layout`.
            let usable = unsafe { self.usable_of(ptr, layout) };
            l.dispatch(Event::Dealloc(Block::new(ptr, layout.size(), usable)));
        });
    }

    /// `realloc` while something is open.
    ///
    /// # Safety
    ///
    /// `realloc`'s contract for `ptr`, `layout` and `new_size`.
    #[cold]
    #[inline(never)]
    unsafe fn realloc_counted(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let mut result = None;
        self.if_recording(|l| {
            // SAFETY: `ptr` is a live block of `inner` with `layout` until
            // the call below.
            let old_usable = unsafe { self.usable_of(ptr, layout) };
            // SAFETY: the caller upholds `realloc`'s contract.
            let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
            result = Some(new);
            if !new.is_null() {
                // SAFETY: on success `new` is a live block of `inner` with
                // `layout`'s alignment and `new_size` (a valid layout: the
                // caller guarantees it for `realloc`).
                let new_usable = unsafe {
                    self.usable_of(
                        new,
                        Layout::from_size_align_unchecked(new_size, layout.align()),
                    )
                };
                l.dispatch(Event::Realloc {
                    old: Block::new(ptr, layout.size(), old_usable),
                    new: Block::new(new, new_size, new_usable),
                });
            }
        });
        match result {
            Some(new) => new,
            // Not recorded: just the call.
            // SAFETY: as above.
            None => unsafe { self.inner.realloc(ptr, layout, new_size) },
        }
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments
// unchanged and returns its result unchanged, so the wrapper upholds the
// `GlobalAlloc` contract exactly as far as `inner` does. The bookkeeping
// around the calls neither allocates, nor unwinds, nor touches the memory.
//
// Each method reads `STATE` once before the call: when nothing is open, the
// call to `inner` is then the method's last act (a tail call), so the
// wrapper costs one load and one branch.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if STATE.load(Relaxed) == 0 {
            // SAFETY: the caller upholds `alloc`'s contract for `layout`.
            return unsafe { self.inner.alloc(layout) };
        }
        // SAFETY: as above.
        unsafe { self.alloc_counted(layout, false) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if STATE.load(Relaxed) == 0 {
            // SAFETY: the caller upholds `alloc_zeroed`'s contract for `layout`.
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        // SAFETY: as above.
        unsafe { self.alloc_counted(layout, true) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if STATE.load(Relaxed) != 0 {
            // SAFETY: the caller's guarantees for `dealloc`.
            unsafe { self.record_dealloc(ptr, layout) };
        }
        // SAFETY: the caller guarantees `ptr` was allocated by this
        // allocator (hence by `inner`) with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if STATE.load(Relaxed) == 0 {
            // SAFETY: the caller upholds `realloc`'s contract for `ptr`,
            // `layout` and `new_size`; `ptr` came from `inner`.
            return unsafe { self.inner.realloc(ptr, layout, new_size) };
        }
        // SAFETY: as above.
        unsafe { self.realloc_counted(ptr, layout, new_size) }
    }
}

/// One block in an allocator call: its address, the bytes asked for, and
/// the usable bytes if the allocator can tell.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "alloc-sites"), allow(dead_code))]
struct Block {
    ptr: *mut u8,
    size: usize,
    usable: Option<usize>,
}

impl Block {
    #[inline]
    fn new(ptr: *mut u8, size: usize, usable: Option<usize>) -> Block {
        Block { ptr, size, usable }
    }
}

/// One successful allocator call.
#[derive(Clone, Copy)]
enum Event {
    Alloc(Block),
    Dealloc(Block),
    Realloc { old: Block, new: Block },
}

/// The monotonic totals every counter keeps, by index into
/// [`Counters::totals`].
const ALLOCATIONS: usize = 0;
const DEALLOCATIONS: usize = 1;
const REALLOCATIONS: usize = 2;
const BYTES_ALLOCATED: usize = 3;
const BYTES_FREED: usize = 4;
const USABLE_ALLOCATED: usize = 5;
const USABLE_FREED: usize = 6;
/// Blocks whose usable size the allocator could not tell (in a shared
/// measurement's counters, 1 if any: see [`Counters::add_shared`]).
const USABLE_UNKNOWN: usize = 7;
const TOTALS: usize = 8;

/// What one event adds to the totals, and to the live bytes.
struct Delta {
    totals: [u64; TOTALS],
    net: i64,
}

impl Event {
    /// The event's increments, computed once for every counter it goes to.
    #[inline]
    fn delta(self) -> Delta {
        /// Adds a block's bytes, asked for and usable, at the given totals.
        fn add(totals: &mut [u64; TOTALS], block: Block, bytes: usize, usable: usize) {
            totals[bytes] += block.size as u64;
            match block.usable {
                Some(u) => totals[usable] += u as u64,
                None => totals[USABLE_UNKNOWN] += 1,
            }
        }
        let mut totals = [0u64; TOTALS];
        let net = match self {
            Event::Alloc(b) => {
                totals[ALLOCATIONS] = 1;
                add(&mut totals, b, BYTES_ALLOCATED, USABLE_ALLOCATED);
                b.size as i64
            }
            Event::Dealloc(b) => {
                totals[DEALLOCATIONS] = 1;
                add(&mut totals, b, BYTES_FREED, USABLE_FREED);
                -(b.size as i64)
            }
            Event::Realloc { old, new } => {
                totals[REALLOCATIONS] = 1;
                add(&mut totals, old, BYTES_FREED, USABLE_FREED);
                add(&mut totals, new, BYTES_ALLOCATED, USABLE_ALLOCATED);
                (new.size as i64).wrapping_sub(old.size as i64)
            }
        };
        Delta { totals, net }
    }
}

/// The counters of a measurement, of every kind: the per-thread ones, each
/// shared measurement's, the process-wide ones.
///
/// Atomics throughout, so one type serves all three; the per-thread
/// counters are written by their thread alone and update with a plain load
/// and store ([`Counters::add_exclusive`]), which compiles to the same code
/// as `Cell`s would.
#[derive(Debug)]
struct Counters {
    totals: [AtomicU64; TOTALS],
    /// Live bytes counted since the counters were made (a running sum, so
    /// it can go negative).
    net: AtomicI64,
    /// The highest `net` since the measurement this peak belongs to started
    /// (see the users for which one that is).
    peak: AtomicI64,
}

/// A copy of the totals and live bytes of [`Counters`], to subtract from a
/// later one.
#[derive(Clone, Copy, Debug, Default)]
struct Reading {
    totals: [u64; TOTALS],
    net: i64,
}

impl Counters {
    const fn new() -> Counters {
        Counters {
            totals: [const { AtomicU64::new(0) }; TOTALS],
            net: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    /// Adds an event, from the one thread that owns these counters.
    #[inline]
    fn add_exclusive(&self, d: &Delta) {
        for (c, &by) in self.totals.iter().zip(&d.totals) {
            c.store(c.load(Relaxed).wrapping_add(by), Relaxed);
        }
        let net = self.net.load(Relaxed).wrapping_add(d.net);
        self.net.store(net, Relaxed);
        if net > self.peak.load(Relaxed) {
            self.peak.store(net, Relaxed);
        }
    }

    /// Adds an event, from any thread. Atomic read-modify-writes only
    /// where needed: under contention each one costs.
    ///
    /// `from_zero`: the counters are read only whole, from zero (a shared
    /// measurement's), never as the difference of two readings. Then
    /// [`USABLE_UNKNOWN`] only needs to say whether any block was unknown,
    /// so it is set once instead of counted; and nothing but this method
    /// changes `peak`, so it only rises, and a load that finds it at or
    /// above the new live bytes saves the `fetch_max`. (The process-wide
    /// counters are read as differences and their peak is reset when a
    /// process measurement starts.)
    #[inline]
    fn add_shared(&self, d: &Delta, from_zero: bool) {
        for (i, (c, &by)) in self.totals.iter().zip(&d.totals).enumerate() {
            if by == 0 {
                continue;
            }
            if from_zero && i == USABLE_UNKNOWN {
                if c.load(Relaxed) == 0 {
                    c.store(1, Relaxed);
                }
            } else {
                c.fetch_add(by, Relaxed);
            }
        }
        let net = self.net.fetch_add(d.net, Relaxed).wrapping_add(d.net);
        if !from_zero || net > self.peak.load(Relaxed) {
            self.peak.fetch_max(net, Relaxed);
        }
    }

    fn read(&self) -> Reading {
        Reading {
            totals: core::array::from_fn(|i| self.totals[i].load(Relaxed)),
            net: self.net.load(Relaxed),
        }
    }
}

impl Reading {
    /// What happened between `start` and `self`, with the given peak (in
    /// the same running sum as `net`).
    fn since(&self, start: &Reading, peak: i64) -> AllocStats {
        let d: [u64; TOTALS] =
            core::array::from_fn(|i| self.totals[i].wrapping_sub(start.totals[i]));
        let known = d[USABLE_UNKNOWN] == 0;
        AllocStats {
            allocations: d[ALLOCATIONS],
            deallocations: d[DEALLOCATIONS],
            reallocations: d[REALLOCATIONS],
            bytes_allocated: d[BYTES_ALLOCATED],
            bytes_freed: d[BYTES_FREED],
            net_bytes: self.net.wrapping_sub(start.net),
            peak_bytes: peak.wrapping_sub(start.net).max(0) as u64,
            usable_bytes_allocated: known.then_some(d[USABLE_ALLOCATED]),
            usable_bytes_freed: known.then_some(d[USABLE_FREED]),
        }
    }
}

/// [`Local::probe`]: no probe running on this thread.
const PROBE_IDLE: u8 = 0;
/// [`Local::probe`]: the probe's allocation is under way.
const PROBING: u8 = 1;
/// [`Local::probe`]: a `CountingAlloc` saw the probe's allocation.
const PROBE_SEEN: u8 = 2;

/// Per-thread state the allocator reads. Const-initialized and without a
/// destructor, so the allocator can use it at any time, even while the
/// thread is exiting, without allocating.
struct Local {
    /// Open [`Untracked`] guards: while non-zero, nothing counts this
    /// thread's calls.
    untracked: Cell<u32>,
    /// The state of the probe of [`installed`] on this thread.
    probe: Cell<u8>,
    /// Per-thread measurements open on this thread.
    depth: Cell<usize>,
    /// The thread's counters, counting while `depth > 0`. Their `peak` is
    /// the highest `net` since the innermost measurement started or since
    /// its last child ended (see [`Side::peaks`] for the outer levels).
    counters: Counters,
    /// The innermost shared measurement this thread has entered (null:
    /// none), owned by [`Side::entered`].
    shared: Cell<*const shared::SharedCounters>,
    /// Measurements recording allocation sites open on this thread.
    #[cfg(feature = "alloc-sites")]
    sites_depth: Cell<usize>,
    /// Whether the sites are sampled (see `sites::Sampler`): then only
    /// the calls below reach the sites' table.
    #[cfg(feature = "alloc-sites")]
    sampling: Cell<bool>,
    /// Bytes to allocate before the next sample: an allocation that takes
    /// it to zero or below is sampled.
    #[cfg(feature = "alloc-sites")]
    sample_until: Cell<i64>,
    /// How many live sampled blocks have their address in each slot (see
    /// [`filter_slot`]), a counting filter: a free whose slot is at zero was
    /// not sampled, and skips the table. A count that reaches 255 stays
    /// there (a lookup in the table for each free in its slot).
    #[cfg(feature = "alloc-sites")]
    sampled_slots: [Cell<u8>; FILTER_SLOTS],
}

/// The slots of [`Local::sampled_slots`].
#[cfg(feature = "alloc-sites")]
const FILTER_SLOTS: usize = 4096;

/// The slot of [`Local::sampled_slots`] for a block's address.
#[cfg(feature = "alloc-sites")]
#[inline(always)]
fn filter_slot(ptr: *mut u8) -> usize {
    let h = ((ptr as usize as u64) >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 52) as usize
}

impl Local {
    const fn new() -> Self {
        Local {
            untracked: Cell::new(0),
            probe: Cell::new(PROBE_IDLE),
            depth: Cell::new(0),
            counters: Counters::new(),
            shared: Cell::new(core::ptr::null()),
            #[cfg(feature = "alloc-sites")]
            sites_depth: Cell::new(0),
            #[cfg(feature = "alloc-sites")]
            sampling: Cell::new(false),
            #[cfg(feature = "alloc-sites")]
            sample_until: Cell::new(0),
            #[cfg(feature = "alloc-sites")]
            sampled_slots: [const { Cell::new(0) }; FILTER_SLOTS],
        }
    }

    /// Hands one recorded allocator call to everything open on this
    /// thread: its per-thread measurements, the shared measurement it is
    /// entered in (with the enclosing ones), the process-wide counters and
    /// the sites.
    #[inline(always)]
    fn dispatch(&self, event: Event) {
        let shared = self.shared.get();
        // A sampled tracing alone counts nothing: no figures to compute.
        if self.depth.get() > 0 || !shared.is_null() || shared::process_open() {
            let d = event.delta();
            if self.depth.get() > 0 {
                self.counters.add_exclusive(&d);
            }
            if !shared.is_null() {
                // SAFETY: a non-null `shared` is the innermost entry of this
                // thread's entered list, which owns a strong count of it and
                // clears `shared` before releasing it (see `shared::Entered`).
                unsafe { &*shared }.add(&d);
            }
            shared::record_process(&d);
        }
        #[cfg(feature = "alloc-sites")]
        if self.sites_depth.get() > 0 && (!self.sampling.get() || self.site_wanted(event)) {
            // Untracked: what recording the site allocates is memsize's.
            self.untracked.set(self.untracked.get() + 1);
            sites::record(event);
            self.untracked.set(self.untracked.get() - 1);
        }
    }

    /// Whether a sampled tracing needs to see the call: an allocation that
    /// is sampled, or a free of a block that may have been.
    #[cfg(feature = "alloc-sites")]
    #[inline(always)]
    fn site_wanted(&self, event: Event) -> bool {
        match event {
            Event::Alloc(b) => self.count_down(b.size),
            Event::Dealloc(b) => self.maybe_sampled(b.ptr),
            Event::Realloc { old, new } => self.count_down(new.size) | self.maybe_sampled(old.ptr),
        }
    }

    /// Counts `size` bytes towards the next sample; whether this is it.
    #[cfg(feature = "alloc-sites")]
    #[inline(always)]
    fn count_down(&self, size: usize) -> bool {
        let left = self.sample_until.get().wrapping_sub(size as i64);
        self.sample_until.set(left);
        left <= 0
    }

    /// Whether the block at `ptr` may be a sampled one.
    #[cfg(feature = "alloc-sites")]
    #[inline(always)]
    fn maybe_sampled(&self, ptr: *mut u8) -> bool {
        self.sampled_slots[filter_slot(ptr)].get() != 0
    }

    /// Whether anything would record this thread's calls.
    #[inline]
    fn wants_events(&self) -> bool {
        let sites = {
            #[cfg(feature = "alloc-sites")]
            {
                self.sites_depth.get() > 0
            }
            #[cfg(not(feature = "alloc-sites"))]
            {
                false
            }
        };
        self.depth.get() > 0 || !self.shared.get().is_null() || sites || shared::process_open()
    }
}

std::thread_local! {
    static LOCAL: Local = const { Local::new() };
}

/// Per-thread state the allocator never reads: the saved peaks of the
/// outer measurements and the shared measurements entered. Grows with the
/// nesting, so it lives on the heap, allocated and freed untracked.
#[derive(Default)]
struct Side {
    /// `peaks[i]`: the running peak of the measurement at depth `i` when
    /// the one at depth `i + 1` started (or when its last child ended).
    /// `peaks[0]` is a placeholder for depth 0; the length is the depth.
    peaks: Vec<i64>,
    /// The shared measurements entered on this thread, innermost last; the
    /// allocator sees the last one through [`Local::shared`].
    entered: Vec<Arc<shared::SharedCounters>>,
}

impl Drop for Side {
    fn drop(&mut self) {
        // The thread is exiting with guards leaked: the allocator must not
        // see a shared measurement released here.
        let _ = LOCAL.try_with(|l| l.shared.set(core::ptr::null()));
        let _untracked = untracked();
        drop(core::mem::take(&mut self.peaks));
        drop(core::mem::take(&mut self.entered));
    }
}

std::thread_local! {
    static SIDE: RefCell<Side> = RefCell::new(Side::default());
}

/// Runs `f` on this thread's [`Side`], untracked. `None` while the thread
/// is exiting.
fn with_side<R>(f: impl FnOnce(&mut Side) -> R) -> Option<R> {
    let _untracked = untracked();
    SIDE.try_with(|s| f(&mut s.borrow_mut())).ok()
}

/// A guard while which this thread's allocator calls are counted by no
/// measurement: not per-thread, shared or process-wide ones, not the
/// allocation sites. [`untracked`] makes one; dropping it ends its effect.
///
/// The traversal holds one while it allocates its own work lists, so
/// `assert_no_alloc(|| value.heap_size())` passes and measurements of code
/// that calls `heap_size()` leave memsize's own bytes out; memsize holds
/// one for its own bookkeeping (shared counters, site tables, snapshots).
///
/// Guards nest: the calls count again when the last one ends.
///
/// The rule is per call, not per block: an allocation made inside is not
/// counted, and neither is a free made inside, whoever allocated the block.
/// So a block allocated outside and freed inside stays live in the figures
/// of a measurement open around both (it shows in `net_bytes`), and one
/// allocated inside and freed outside shows as a free of a block never
/// counted (`net_bytes` drops by its size). Code under a guard should free
/// what it allocates before the guard ends, and leave the rest alone.
///
/// Costs nothing on the allocator's path while no measurement is open (the
/// allocator does not look at it then), and one thread-local read per call
/// while one is; making and dropping a guard is a thread-local increment
/// and decrement. Bound to its thread (`!Send`).
#[must_use = "allocations count again when the guard is dropped"]
pub(crate) struct Untracked {
    _thread: NotSend,
}

/// Stops counting this thread's allocator calls until the guard is dropped
/// (see [`Untracked`]).
#[inline]
pub(crate) fn untracked() -> Untracked {
    let _ = LOCAL.try_with(|l| l.untracked.set(l.untracked.get() + 1));
    Untracked {
        _thread: PhantomData,
    }
}

impl Drop for Untracked {
    #[inline]
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|l| l.untracked.set(l.untracked.get() - 1));
    }
}

/// Marks one more measurement open, so the allocator leaves its fast path.
fn open() {
    STATE.fetch_add(1, Relaxed);
}

/// Marks a measurement closed.
fn close() {
    STATE.fetch_sub(1, Relaxed);
}

/// Makes a type `!Send` and `!Sync`: guards bound to the thread that made
/// them.
type NotSend = PhantomData<*const ()>;

/// [`INSTALLED`]: not known yet.
const UNKNOWN: u8 = 0;
/// [`INSTALLED`]: the global allocator is a `CountingAlloc`.
const YES: u8 = 1;
/// [`INSTALLED`]: it is not.
const NO: u8 = 2;

/// The answer of [`installed`], once known. The global allocator is fixed
/// when the program is linked, so the answer never changes.
static INSTALLED: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether [`CountingAlloc`] is the global allocator of this program.
///
/// The first call finds out with a probe: it allocates one byte through
/// [`std::alloc::alloc`] while its thread is marked, and a `CountingAlloc`
/// that sees that call knows it is the global one. The answer is kept. A
/// `CountingAlloc` value the program calls directly, with another global
/// allocator, is not installed.
///
/// ```
/// // A doctest doesn't install the counting allocator unless it says so.
/// assert!(!memsize::alloc::installed());
/// ```
pub fn installed() -> bool {
    match INSTALLED.load(Ordering::Acquire) {
        YES => true,
        NO => false,
        _ => probe(),
    }
}

#[cold]
fn probe() -> bool {
    let layout = Layout::new::<u8>();
    let seen = LOCAL.with(|l| {
        // Untracked: the probe is memsize's own business. The allocator
        // answers the probe before it looks at `untracked`.
        let _untracked = untracked();
        l.probe.set(PROBING);
        open();
        // SAFETY: the layout has a non-zero size. `black_box`: an
        // allocation whose pointer goes nowhere may be optimized away, and
        // the probe with it.
        let ptr = core::hint::black_box(unsafe { std::alloc::alloc(layout) });
        close();
        let seen = l.probe.replace(PROBE_IDLE) == PROBE_SEEN;
        if ptr.is_null() {
            return None;
        }
        // SAFETY: `ptr` was just allocated with `layout` by the global
        // allocator.
        unsafe { std::alloc::dealloc(ptr, layout) };
        Some(seen)
    });
    match seen {
        Some(seen) => {
            INSTALLED.store(if seen { YES } else { NO }, Ordering::Release);
            seen
        }
        // Out of memory: no answer to keep.
        None => false,
    }
}

/// Measuring failed because [`CountingAlloc`] is not the global allocator.
///
/// Returned by [`try_measure`] and [`Measurement::try_start`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotInstalled;

impl core::fmt::Display for NotInstalled {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(NOT_INSTALLED)
    }
}

impl std::error::Error for NotInstalled {}

/// The message of [`NotInstalled`], and of the panics of the measuring
/// functions without the allocator.
const NOT_INSTALLED: &str = "memsize::alloc: the counting allocator is not installed, so \
     nothing can be measured; add `#[global_allocator] static GLOBAL: \
     memsize::alloc::CountingAlloc<std::alloc::System> = \
     memsize::alloc::CountingAlloc::new(std::alloc::System);` to the binary \
     (or test, or example) being run";

/// What every `start()` does with its `try_start()`: the value, or the
/// panic that says the counting allocator is missing.
#[track_caller]
fn or_panic<T>(started: Result<T, NotInstalled>) -> T {
    match started {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// `Ok` when the counting allocator is installed.
fn ensure_installed() -> Result<(), NotInstalled> {
    if installed() {
        Ok(())
    } else {
        Err(NotInstalled)
    }
}
