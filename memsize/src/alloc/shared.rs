//! Measurements that span threads: [`SharedMeasurement`] with its
//! [`MeasureHandle`], and the process-wide [`ProcessMeasurement`].

use super::{close, ensure_installed, open, Counts, Event, NotInstalled, NotSend, Stats, LOCAL};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// Atomic counters that several threads record into.
#[derive(Debug)]
pub(super) struct Counters {
    allocations: AtomicU64,
    deallocations: AtomicU64,
    reallocations: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
    net: AtomicI64,
    peak: AtomicI64,
    /// The shared measurement that was innermost on the starting thread when
    /// this one started: it counts everything this one counts.
    parent: Option<Arc<Counters>>,
}

impl Counters {
    const fn new(parent: Option<Arc<Counters>>) -> Self {
        Counters {
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            reallocations: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            bytes_freed: AtomicU64::new(0),
            net: AtomicI64::new(0),
            peak: AtomicI64::new(0),
            parent,
        }
    }

    /// Records one allocator call here and in every enclosing shared
    /// measurement. Atomics only: no allocation, no lock.
    pub(super) fn record(&self, event: Event) {
        let mut next = Some(self);
        while let Some(c) = next {
            c.record_one(event);
            next = c.parent.as_deref();
        }
    }

    fn record_one(&self, event: Event) {
        match event {
            Event::Alloc { size, .. } => {
                self.allocations.fetch_add(1, Relaxed);
                self.bytes_allocated.fetch_add(size as u64, Relaxed);
            }
            Event::Dealloc { size, .. } => {
                self.deallocations.fetch_add(1, Relaxed);
                self.bytes_freed.fetch_add(size as u64, Relaxed);
            }
            Event::Realloc {
                old_size, new_size, ..
            } => {
                self.reallocations.fetch_add(1, Relaxed);
                self.bytes_allocated.fetch_add(new_size as u64, Relaxed);
                self.bytes_freed.fetch_add(old_size as u64, Relaxed);
            }
        }
        let delta = event.delta();
        let net = self.net.fetch_add(delta, Relaxed).wrapping_add(delta);
        self.peak.fetch_max(net, Relaxed);
    }

    fn counts(&self) -> Counts {
        Counts {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            reallocations: self.reallocations.load(Relaxed),
            bytes_allocated: self.bytes_allocated.load(Relaxed),
            bytes_freed: self.bytes_freed.load(Relaxed),
            net: self.net.load(Relaxed),
        }
    }

    fn stats_since(&self, start: &Counts) -> Stats {
        self.counts().since(start, self.peak.load(Relaxed))
    }
}

/// An owning reference to shared counters. Creating and releasing one is
/// memsize's own business: the allocation of the counters is made and freed
/// untracked, so it never shows in the figures of any measurement.
#[derive(Debug)]
struct CountersRef(core::mem::ManuallyDrop<Arc<Counters>>);

impl CountersRef {
    fn new(parent: Option<Arc<Counters>>) -> CountersRef {
        super::untracked(|| {
            CountersRef(core::mem::ManuallyDrop::new(Arc::new(Counters::new(
                parent,
            ))))
        })
    }

    fn arc(&self) -> Arc<Counters> {
        Arc::clone(&self.0)
    }
}

impl Clone for CountersRef {
    fn clone(&self) -> Self {
        CountersRef(core::mem::ManuallyDrop::new(self.arc()))
    }
}

impl core::ops::Deref for CountersRef {
    type Target = Counters;
    fn deref(&self) -> &Counters {
        &self.0
    }
}

impl Drop for CountersRef {
    fn drop(&mut self) {
        // SAFETY: `self.0` is taken once, here, and never used again.
        let arc = unsafe { core::mem::ManuallyDrop::take(&mut self.0) };
        super::untracked(move || drop(arc));
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
        let parent = LOCAL.with(|l| {
            let p = l.shared.get();
            if p.is_null() {
                None
            } else {
                // SAFETY: a non-null pointer in `shared` owns a strong count
                // of an `Arc<Counters>` (see `Entered`), so it is alive, and
                // it came from `Arc::into_raw`. Taking one more strong count
                // leaves the stored one untouched.
                Some(unsafe {
                    Arc::increment_strong_count(p);
                    Arc::from_raw(p)
                })
            }
        });
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
    pub fn stats(&self) -> Stats {
        self.counters.stats_since(&Counts::default())
    }

    /// Leaves the measurement on this thread and returns what it counted
    /// over all threads. Threads still entered through a handle go on
    /// counting into it, unseen.
    pub fn finish(mut self) -> Stats {
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
    pub fn stats(&self) -> Stats {
        self.counters.stats_since(&Counts::default())
    }
}

/// The guard of a thread entered in a [`SharedMeasurement`]; dropping it
/// leaves. Bound to its thread (`!Send`).
#[derive(Debug)]
#[must_use = "the thread leaves the measurement when the guard is dropped"]
pub struct Entered {
    /// What was entered before, owning one strong count (null: nothing).
    prev: *const Counters,
    _thread: NotSend,
}

impl Entered {
    fn new(counters: Arc<Counters>) -> Entered {
        let raw = Arc::into_raw(counters);
        // The strong count `raw` owns moves into the thread-local; the one
        // the thread-local owned moves into the guard.
        let prev = LOCAL.with(|l| l.shared.replace(raw));
        open();
        Entered {
            prev,
            _thread: PhantomData,
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let prev = core::mem::replace(&mut self.prev, core::ptr::null());
        // Put the previous measurement back before releasing the current
        // one: releasing it may free it, and the allocator must not see it
        // in the thread-local by then.
        let cur = LOCAL
            .try_with(|l| l.shared.replace(prev))
            .unwrap_or(core::ptr::null());
        close();
        if !cur.is_null() {
            // SAFETY: every non-null pointer stored in `shared` owns one
            // strong count of an `Arc<Counters>` made by `Arc::into_raw`;
            // having taken it out of the thread-local, this releases it once.
            let arc = unsafe { Arc::from_raw(cur) };
            super::untracked(move || drop(arc));
        }
    }
}

/// The process-wide counters, recorded into while any process measurement
/// is open.
static PROCESS: Counters = Counters::new(None);
/// How many process measurements are open.
static PROCESS_OPEN: AtomicUsize = AtomicUsize::new(0);

/// Records a call in the process-wide counters, if a process measurement is
/// open.
#[inline]
pub(super) fn record_process(event: Event) {
    if PROCESS_OPEN.load(Relaxed) != 0 {
        PROCESS.record_one(event);
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
    start: Counts,
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
        let start = PROCESS.counts();
        let saved_peak = PROCESS.peak.swap(start.net, Relaxed);
        Ok(ProcessMeasurement {
            start,
            saved_peak,
            closed: false,
        })
    }

    /// What has been counted so far.
    pub fn stats(&self) -> Stats {
        PROCESS.stats_since(&self.start)
    }

    /// Ends the measurement and returns what it counted.
    pub fn finish(mut self) -> Stats {
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
pub fn measure_process<R>(f: impl FnOnce() -> R) -> (R, Stats) {
    let m = ProcessMeasurement::start();
    let r = f();
    (r, m.finish())
}
