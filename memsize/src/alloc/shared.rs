//! Measurements that span threads: [`SharedMeasurement`] with its
//! [`MeasureHandle`], and the process-wide [`ProcessMeasurement`].

use super::{
    close, ensure_installed, open, untracked, with_side, AllocStats, Counters, Delta, NotInstalled,
    NotSend, Reading, LOCAL,
};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// The counters of a shared measurement, which several threads record
/// into, with the shared measurement that encloses it.
#[derive(Debug)]
pub(super) struct SharedCounters {
    counters: Counters,
    /// The shared measurement that was innermost on the starting thread when
    /// this one started: it counts everything this one counts.
    parent: Option<Arc<SharedCounters>>,
}

impl SharedCounters {
    /// Records one allocator call here and in every enclosing shared
    /// measurement. Atomics only: no allocation, no lock.
    pub(super) fn add(&self, d: &Delta) {
        let mut next = Some(self);
        while let Some(c) = next {
            c.counters.add_shared(d, true);
            next = c.parent.as_deref();
        }
    }

    fn stats(&self) -> AllocStats {
        // The counters start at zero with the measurement.
        self.counters
            .read()
            .since(&Reading::default(), self.counters.peak.load(Relaxed))
    }
}

/// An owning reference to shared counters. Creating and releasing one is
/// memsize's own business: the allocation of the counters is made and freed
/// untracked, so it never shows in the figures of any measurement.
#[derive(Debug)]
struct CountersRef(core::mem::ManuallyDrop<Arc<SharedCounters>>);

impl CountersRef {
    fn new(parent: Option<Arc<SharedCounters>>) -> CountersRef {
        let _untracked = untracked();
        CountersRef(core::mem::ManuallyDrop::new(Arc::new(SharedCounters {
            counters: Counters::new(),
            parent,
        })))
    }

    fn arc(&self) -> Arc<SharedCounters> {
        Arc::clone(&self.0)
    }
}

impl Clone for CountersRef {
    fn clone(&self) -> Self {
        CountersRef(core::mem::ManuallyDrop::new(self.arc()))
    }
}

impl core::ops::Deref for CountersRef {
    type Target = SharedCounters;
    fn deref(&self) -> &SharedCounters {
        &self.0
    }
}

impl Drop for CountersRef {
    fn drop(&mut self) {
        // SAFETY: `self.0` is taken once, here, and never used again.
        let arc = unsafe { core::mem::ManuallyDrop::take(&mut self.0) };
        let _untracked = untracked();
        drop(arc);
    }
}

/// A measurement of the allocations of every thread that enters it: the
/// thread that started it, and the threads its [`handle`](Self::handle) is
/// [entered](MeasureHandle::enter) on.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// use memsize::alloc::Measurement;
///
/// let m = Measurement::start_shared();
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let h = m.handle();
///         std::thread::spawn(move || {
///             let _entered = h.enter(); // this thread's calls count in `m`
///             vec![0u8; 1000]
///         })
///     })
///     .collect();
/// let results: Vec<Vec<u8>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
/// let stats = m.finish();
/// assert!(stats.allocations >= 5); // four buffers and `results`
/// assert!(stats.bytes_allocated >= 4000);
/// # drop(results);
/// # }
/// ```
///
/// The counters are atomics shared by the threads, so this costs more per
/// allocation than a per-thread [`Measurement`](super::Measurement). Only
/// the calls a thread makes while it is entered count: a spawned thread's
/// own start-up and exit happen outside. Read the figures once the threads
/// are done (joined), or they are a moment's snapshot. The peak is the peak
/// of the sum over all threads. A shared measurement started while another
/// is entered on the thread counts into that one too.
#[derive(Debug)]
#[must_use = "a measurement ends when dropped"]
pub struct SharedMeasurement {
    counters: CountersRef,
    entered: Option<Entered>,
}

impl SharedMeasurement {
    /// Starts a shared measurement and enters it on this thread.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator (see [`try_start`](Self::try_start)).
    #[track_caller]
    pub fn start() -> SharedMeasurement {
        super::or_panic(SharedMeasurement::try_start())
    }

    /// Starts a shared measurement, or returns [`NotInstalled`] when the
    /// counting allocator is not the global allocator.
    pub fn try_start() -> Result<SharedMeasurement, NotInstalled> {
        ensure_installed()?;
        let parent = with_side(|s| s.entered.last().cloned()).flatten();
        let counters = CountersRef::new(parent);
        let entered = Some(Entered::new(counters.arc()));
        Ok(SharedMeasurement { counters, entered })
    }

    /// A handle to enter this measurement on other threads. It can be
    /// cloned and sent anywhere.
    pub fn handle(&self) -> MeasureHandle {
        MeasureHandle {
            counters: self.counters.clone(),
        }
    }

    /// What has been counted so far, over all threads entered.
    pub fn stats(&self) -> AllocStats {
        self.counters.stats()
    }

    /// Leaves the measurement on this thread and returns what it counted
    /// over all threads. Threads still entered through a handle go on
    /// counting into it, unseen.
    pub fn finish(mut self) -> AllocStats {
        drop(self.entered.take());
        self.stats()
    }
}

/// A handle to a [`SharedMeasurement`], to [`enter`](Self::enter) it on
/// another thread. Cloneable and `Send`.
#[derive(Clone, Debug)]
pub struct MeasureHandle {
    counters: CountersRef,
}

impl MeasureHandle {
    /// Enters the measurement on this thread: until the guard is dropped,
    /// this thread's allocator calls count in it. Entering nests; the
    /// innermost entered measurement (with its enclosing ones) gets the
    /// counts.
    pub fn enter(&self) -> Entered {
        Entered::new(self.counters.arc())
    }

    /// Runs `f` entered in the measurement.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.enter();
        f()
    }

    /// What the measurement has counted so far, over all threads entered.
    pub fn stats(&self) -> AllocStats {
        self.counters.stats()
    }
}

/// The guard of a thread entered in a [`SharedMeasurement`]; dropping it
/// leaves. Bound to its thread (`!Send`).
///
/// Guards should end in the reverse order of their start; if they don't,
/// each still leaves exactly its own measurement, and the thread goes on
/// counting into the innermost one still entered.
#[derive(Debug)]
#[must_use = "the thread leaves the measurement when the guard is dropped"]
pub struct Entered {
    /// The measurement entered; the thread's entered list owns the strong
    /// count that keeps it alive.
    counters: *const SharedCounters,
    _thread: NotSend,
}

impl Entered {
    fn new(counters: Arc<SharedCounters>) -> Entered {
        let ptr = Arc::as_ptr(&counters);
        with_side(|s| {
            s.entered.push(counters);
            LOCAL.with(|l| l.shared.set(ptr));
        });
        open();
        Entered {
            counters: ptr,
            _thread: PhantomData,
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let me = self.counters;
        let released = with_side(|s| {
            let i = s.entered.iter().rposition(|a| Arc::as_ptr(a) == me)?;
            let arc = s.entered.remove(i);
            // Point the allocator at the innermost one left before
            // releasing this one: releasing it may free it.
            let innermost = s.entered.last().map_or(core::ptr::null(), Arc::as_ptr);
            let _ = LOCAL.try_with(|l| l.shared.set(innermost));
            Some(arc)
        })
        .flatten();
        close();
        let _untracked = untracked();
        drop(released);
    }
}

/// The process-wide counters, recorded into while any process measurement
/// is open.
static PROCESS: Counters = Counters::new();
/// How many process measurements are open.
static PROCESS_OPEN: AtomicUsize = AtomicUsize::new(0);

/// Whether a process measurement is open.
#[inline]
pub(super) fn process_open() -> bool {
    PROCESS_OPEN.load(Relaxed) != 0
}

/// Records a call in the process-wide counters, if a process measurement is
/// open.
#[inline]
pub(super) fn record_process(d: &Delta) {
    if process_open() {
        PROCESS.add_shared(d, false);
    }
}

/// A measurement of every allocator call in the process, on every thread.
///
/// Noisy by nature: it sees the test harness, other tests running in
/// parallel, and any thread the program or its libraries run. Prefer a
/// per-thread [`Measurement`](super::Measurement) or a [`SharedMeasurement`].
/// Its peak is exact for one process measurement at a time; overlapping ones
/// on several threads see each other's peaks.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// let (v, stats) = memsize::alloc::measure_process(|| {
///     std::thread::spawn(|| vec![0u8; 4096]).join().unwrap()
/// });
/// assert!(stats.bytes_allocated >= 4096);
/// # drop(v);
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a measurement ends when dropped"]
pub struct ProcessMeasurement {
    start: Reading,
    saved_peak: i64,
    closed: bool,
}

impl ProcessMeasurement {
    /// Opens a process-wide measurement.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator (see [`try_start`](Self::try_start)).
    #[track_caller]
    pub fn start() -> ProcessMeasurement {
        super::or_panic(ProcessMeasurement::try_start())
    }

    /// Opens a process-wide measurement, or returns [`NotInstalled`] when
    /// the counting allocator is not the global allocator.
    pub fn try_start() -> Result<ProcessMeasurement, NotInstalled> {
        ensure_installed()?;
        PROCESS_OPEN.fetch_add(1, Relaxed);
        open();
        let start = PROCESS.read();
        let saved_peak = PROCESS.peak.swap(start.net, Relaxed);
        Ok(ProcessMeasurement {
            start,
            saved_peak,
            closed: false,
        })
    }

    /// What has been counted so far.
    pub fn stats(&self) -> AllocStats {
        PROCESS
            .read()
            .since(&self.start, PROCESS.peak.load(Relaxed))
    }

    /// Ends the measurement and returns what it counted.
    pub fn finish(mut self) -> AllocStats {
        let stats = self.stats();
        self.close();
        stats
    }

    fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            PROCESS.peak.fetch_max(self.saved_peak, Relaxed);
            PROCESS_OPEN.fetch_sub(1, Relaxed);
            close();
        }
    }
}

impl Drop for ProcessMeasurement {
    fn drop(&mut self) {
        self.close();
    }
}

/// Runs `f` under a [`ProcessMeasurement`]: counts every thread's
/// allocator calls meanwhile (noisy; see there).
///
/// # Panics
///
/// If the counting allocator is not the global allocator.
#[track_caller]
pub fn measure_process<R>(f: impl FnOnce() -> R) -> (R, AllocStats) {
    let m = ProcessMeasurement::start();
    let r = f();
    (r, m.finish())
}
