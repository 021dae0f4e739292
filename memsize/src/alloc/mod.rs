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
//! the calls of a measured thread update plain per-thread counters (no shared
//! atomics); only shared and process-wide measurements use atomics.
//!
//! # Without the allocator
//!
//! Measuring needs [`CountingAlloc`] to be the global allocator. Without it,
//! [`measure`] and [`Measurement::start`] panic with a message that says so,
//! and [`try_measure`] and [`Measurement::try_start`] return [`NotInstalled`]:
//! never a silent zero. [`installed`] tells which case holds.
//!
//! # Allocation sites
//!
//! With the cargo feature `alloc-sites`, a measurement can record where each
//! live allocation was made, and report the top sites by bytes and count,
//! with snapshots and diffs: see the `sites` module.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

mod check;
mod measure;
mod shared;
#[cfg(feature = "alloc-sites")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
pub mod sites;
#[cfg(test)]
mod tests;

pub use check::{
    assert_allocations, assert_bytes_at_most, assert_heap_exact, assert_no_alloc, check_heap,
    HeapCheck,
};
pub use measure::{measure, try_measure, Measurement, Stats};
pub use shared::{measure_process, Entered, MeasureHandle, ProcessMeasurement, SharedMeasurement};

/// The memsize crate's own unit tests run under the counting allocator, so
/// they can use the helpers of this module.
#[cfg(test)]
#[global_allocator]
static TEST_GLOBAL: CountingAlloc<std::alloc::System> = CountingAlloc::new(std::alloc::System);

/// Bit 0 of [`STATE`]: the counting allocator has been called, so it is the
/// global allocator.
const INSTALLED: usize = 1;
/// One open measurement (of any kind, on any thread) in [`STATE`].
const ONE_OPEN: usize = 2;

/// The one word the allocator's fast path reads: [`INSTALLED`] plus
/// [`ONE_OPEN`] times the number of measurements open in the process. While
/// it equals [`INSTALLED`], an allocator call does nothing but pass through.
static STATE: AtomicUsize = AtomicUsize::new(0);

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
#[derive(Debug, Default)]
pub struct CountingAlloc<A> {
    inner: A,
}

impl<A> CountingAlloc<A> {
    /// Wraps `inner`. A `const fn`, so it can initialize the
    /// `#[global_allocator]` static.
    pub const fn new(inner: A) -> Self {
        CountingAlloc { inner }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments
// unchanged and returns its result unchanged, so the wrapper upholds the
// `GlobalAlloc` contract exactly as far as `inner` does. The bookkeeping
// around the calls neither allocates, nor unwinds, nor touches the memory.
//
// Each method reads `STATE` once before the call: when nothing is measured,
// the call to `inner` is then the method's last act (a tail call), so the
// wrapper costs one load and one branch.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let state = STATE.load(Relaxed);
        if state == INSTALLED {
            // SAFETY: the caller upholds `alloc`'s contract for `layout`.
            return unsafe { self.inner.alloc(layout) };
        }
        // SAFETY: as above.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            record(
                state,
                Event::Alloc {
                    ptr,
                    size: layout.size(),
                },
            );
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let state = STATE.load(Relaxed);
        if state == INSTALLED {
            // SAFETY: the caller upholds `alloc_zeroed`'s contract for `layout`.
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        // SAFETY: as above.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(
                state,
                Event::Alloc {
                    ptr,
                    size: layout.size(),
                },
            );
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let state = STATE.load(Relaxed);
        if state != INSTALLED {
            // Recorded before the call, so the call stays a tail call in
            // the fast path; `dealloc` can't fail, so nothing is lost.
            record(
                state,
                Event::Dealloc {
                    ptr,
                    size: layout.size(),
                },
            );
        }
        // SAFETY: the caller guarantees `ptr` was allocated by this
        // allocator (hence by `inner`) with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let state = STATE.load(Relaxed);
        if state == INSTALLED {
            // SAFETY: the caller upholds `realloc`'s contract for `ptr`,
            // `layout` and `new_size`; `ptr` came from `inner`.
            return unsafe { self.inner.realloc(ptr, layout, new_size) };
        }
        // SAFETY: as above.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record(
                state,
                Event::Realloc {
                    old: ptr,
                    new,
                    old_size: layout.size(),
                    new_size,
                },
            );
        }
        new
    }
}

/// One successful allocator call.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "alloc-sites"), allow(dead_code))]
enum Event {
    Alloc {
        ptr: *mut u8,
        size: usize,
    },
    Dealloc {
        ptr: *mut u8,
        size: usize,
    },
    Realloc {
        old: *mut u8,
        new: *mut u8,
        old_size: usize,
        new_size: usize,
    },
}

impl Event {
    /// The change in live bytes.
    #[inline]
    fn delta(self) -> i64 {
        match self {
            Event::Alloc { size, .. } => size as i64,
            Event::Dealloc { size, .. } => -(size as i64),
            Event::Realloc {
                old_size, new_size, ..
            } => (new_size as i64).wrapping_sub(old_size as i64),
        }
    }
}

#[cold]
#[inline(never)]
fn record(state: usize, event: Event) {
    if state & INSTALLED == 0 {
        STATE.fetch_or(INSTALLED, Relaxed);
    }
    if state < ONE_OPEN {
        return;
    }
    // The thread-local is const-initialized and has no destructor, so it
    // can't fail; `try_with` keeps even that impossible failure silent.
    let _ = LOCAL.try_with(|local| local.record(event));
    shared::record_process(event);
}

/// The deepest nesting of measurements on one thread whose peaks are kept
/// apart exactly; deeper ones share the last slot (see [`Local::peaks`]).
const MAX_NEST: usize = 32;

/// Per-thread counters. Const-initialized and without a destructor, so the
/// allocator can use them at any time, even while the thread is exiting,
/// without allocating.
struct Local {
    /// Local measurements open on this thread.
    depth: Cell<usize>,
    /// Set while memsize itself allocates on this thread (capturing a
    /// backtrace, building a report): those calls are not counted.
    busy: Cell<bool>,
    allocations: Cell<u64>,
    deallocations: Cell<u64>,
    reallocations: Cell<u64>,
    bytes_allocated: Cell<u64>,
    bytes_freed: Cell<u64>,
    /// Live bytes counted on this thread since it was created (only while a
    /// measurement is open).
    net: Cell<i64>,
    /// `peaks[d]`: the highest `net` since the measurement at depth `d + 1`
    /// started, or since its last child ended (the child then folds its own
    /// peak in). Measurements deeper than [`MAX_NEST`] share the last slot
    /// and save it in their guard.
    peaks: [Cell<i64>; MAX_NEST],
    /// The innermost shared measurement this thread has entered, owning one
    /// strong count of its `Arc` (null: none).
    shared: Cell<*const shared::Counters>,
    /// Measurements recording allocation sites open on this thread.
    #[cfg(feature = "alloc-sites")]
    sites_depth: Cell<usize>,
}

impl Local {
    const fn new() -> Self {
        Local {
            depth: Cell::new(0),
            busy: Cell::new(false),
            allocations: Cell::new(0),
            deallocations: Cell::new(0),
            reallocations: Cell::new(0),
            bytes_allocated: Cell::new(0),
            bytes_freed: Cell::new(0),
            net: Cell::new(0),
            peaks: [const { Cell::new(0) }; MAX_NEST],
            shared: Cell::new(core::ptr::null()),
            #[cfg(feature = "alloc-sites")]
            sites_depth: Cell::new(0),
        }
    }

    #[inline]
    fn record(&self, event: Event) {
        if self.busy.get() {
            return;
        }
        let depth = self.depth.get();
        if depth > 0 {
            match event {
                Event::Alloc { size, .. } => {
                    bump(&self.allocations, 1);
                    bump(&self.bytes_allocated, size as u64);
                }
                Event::Dealloc { size, .. } => {
                    bump(&self.deallocations, 1);
                    bump(&self.bytes_freed, size as u64);
                }
                Event::Realloc {
                    old_size, new_size, ..
                } => {
                    bump(&self.reallocations, 1);
                    bump(&self.bytes_allocated, new_size as u64);
                    bump(&self.bytes_freed, old_size as u64);
                }
            }
            let net = self.net.get().wrapping_add(event.delta());
            self.net.set(net);
            let peak = &self.peaks[depth.min(MAX_NEST) - 1];
            if net > peak.get() {
                peak.set(net);
            }
        }
        let shared = self.shared.get();
        if !shared.is_null() {
            // SAFETY: a non-null `shared` owns a strong count of the `Arc`
            // it came from (see `shared::Entered`), so the counters are
            // alive for as long as the pointer is stored here.
            unsafe { &*shared }.record(event);
        }
        #[cfg(feature = "alloc-sites")]
        if self.sites_depth.get() > 0 {
            self.busy.set(true);
            sites::record(event);
            self.busy.set(false);
        }
    }

    /// A copy of the running counters.
    fn counters(&self) -> Counts {
        Counts {
            allocations: self.allocations.get(),
            deallocations: self.deallocations.get(),
            reallocations: self.reallocations.get(),
            bytes_allocated: self.bytes_allocated.get(),
            bytes_freed: self.bytes_freed.get(),
            net: self.net.get(),
        }
    }
}

#[inline(always)]
fn bump(cell: &Cell<u64>, by: u64) {
    cell.set(cell.get().wrapping_add(by));
}

std::thread_local! {
    static LOCAL: Local = const { Local::new() };
}

/// Runs `f` with this thread's counters turned off: what memsize allocates
/// for its own bookkeeping is not counted. Nested calls are fine.
fn untracked<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let was = self.0;
            let _ = LOCAL.try_with(|l| l.busy.set(was));
        }
    }
    let was = LOCAL.try_with(|l| l.busy.replace(true)).unwrap_or(true);
    let _restore = Restore(was);
    f()
}

/// A snapshot of the monotonic counters, to subtract from a later one.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    allocations: u64,
    deallocations: u64,
    reallocations: u64,
    bytes_allocated: u64,
    bytes_freed: u64,
    net: i64,
}

impl Counts {
    /// What happened between `start` and `self`, with the given peak.
    fn since(&self, start: &Counts, peak: i64) -> Stats {
        Stats {
            allocations: self.allocations.wrapping_sub(start.allocations),
            deallocations: self.deallocations.wrapping_sub(start.deallocations),
            reallocations: self.reallocations.wrapping_sub(start.reallocations),
            bytes_allocated: self.bytes_allocated.wrapping_sub(start.bytes_allocated),
            bytes_freed: self.bytes_freed.wrapping_sub(start.bytes_freed),
            net_bytes: self.net.wrapping_sub(start.net),
            peak_bytes: peak.wrapping_sub(start.net).max(0) as u64,
        }
    }
}

/// Marks one more measurement open, so the allocator leaves its fast path.
fn open() {
    STATE.fetch_add(ONE_OPEN, Relaxed);
}

/// Marks a measurement closed.
fn close() {
    STATE.fetch_sub(ONE_OPEN, Relaxed);
}

/// Makes a type `!Send` and `!Sync`: guards bound to the thread that made
/// them.
type NotSend = PhantomData<*const ()>;

/// Whether [`CountingAlloc`] is the global allocator of this program.
///
/// The allocator marks itself on its first call; if it has not been called
/// yet, this makes one tiny allocation to find out.
///
/// ```
/// // A doctest doesn't install the counting allocator unless it says so.
/// assert!(!memsize::alloc::installed());
/// ```
pub fn installed() -> bool {
    if STATE.load(Relaxed) & INSTALLED != 0 {
        return true;
    }
    let probe = std::hint::black_box(std::boxed::Box::new(std::hint::black_box(0u8)));
    drop(probe);
    STATE.load(Relaxed) & INSTALLED != 0
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

/// `Ok` when the counting allocator is installed.
/// What every `start()` does with its `try_start()`: the value, or the
/// panic that says the counting allocator is missing.
#[track_caller]
fn or_panic<T>(started: Result<T, NotInstalled>) -> T {
    match started {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

fn ensure_installed() -> Result<(), NotInstalled> {
    if installed() {
        Ok(())
    } else {
        Err(NotInstalled)
    }
}
