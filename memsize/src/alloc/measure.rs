//! Per-thread measurements: [`measure`] and the guard [`Measurement`].

use super::{close, ensure_installed, open, Counts, NotInstalled, NotSend, LOCAL, MAX_NEST};
use core::fmt;
use core::marker::PhantomData;

/// What the allocator handed out during a measurement.
///
/// A reallocation counts once in [`reallocations`](Self::reallocations) and
/// neither in allocations nor in deallocations; its new size adds to
/// [`bytes_allocated`](Self::bytes_allocated) and its old size to
/// [`bytes_freed`](Self::bytes_freed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stats {
    /// Successful `alloc` and `alloc_zeroed` calls.
    pub allocations: u64,
    /// `dealloc` calls.
    pub deallocations: u64,
    /// Successful `realloc` calls.
    pub reallocations: u64,
    /// Bytes asked for by allocations, plus the new size of each
    /// reallocation.
    pub bytes_allocated: u64,
    /// Bytes given back by deallocations, plus the old size of each
    /// reallocation.
    pub bytes_freed: u64,
    /// `bytes_allocated - bytes_freed`: how many more bytes are live at the
    /// end than at the start. Negative when the code freed memory allocated
    /// before.
    pub net_bytes: i64,
    /// The most live bytes above the start at any moment of the measurement
    /// (zero if the live bytes never rose above the start).
    pub peak_bytes: u64,
}

impl Stats {
    /// True when nothing was allocated, reallocated or freed.
    pub fn is_empty(&self) -> bool {
        self.allocations == 0 && self.deallocations == 0 && self.reallocations == 0
    }

    /// Allocations not matched by a deallocation: `allocations -
    /// deallocations` (negative when more were freed than made).
    pub fn net_allocations(&self) -> i64 {
        self.allocations.wrapping_sub(self.deallocations) as i64
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} allocations, {} deallocations, {} reallocations; \
             {} bytes allocated, {} freed, net {:+}, peak {}",
            self.allocations,
            self.deallocations,
            self.reallocations,
            self.bytes_allocated,
            self.bytes_freed,
            self.net_bytes,
            self.peak_bytes
        )
    }
}

/// Runs `f` and returns its value with what the allocator handed out to this
/// thread meanwhile.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// let (s, stats) = memsize::alloc::measure(|| {
///     let mut s = String::with_capacity(8);
///     s.push_str("hello, world"); // grows: one reallocation
///     s
/// });
/// assert_eq!(stats.allocations, 1);
/// assert_eq!(stats.reallocations, 1);
/// assert_eq!(stats.net_bytes as usize, s.capacity());
/// # }
/// ```
///
/// Only this thread's calls are counted (see [`SharedMeasurement`] for work
/// spread over threads). Measurements nest: an inner one's allocations count
/// in the outer one too.
///
/// # Panics
///
/// If [`CountingAlloc`](super::CountingAlloc) is not the global allocator
/// (see [`try_measure`]). A panic in `f` goes through, leaving no
/// measurement open.
///
/// [`SharedMeasurement`]: super::SharedMeasurement
#[track_caller]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Stats) {
    let m = Measurement::start();
    let r = f();
    (r, m.finish())
}

/// Like [`measure`], but returns [`NotInstalled`] instead of panicking when
/// the counting allocator is not the global allocator. `f` is not run then.
///
/// ```
/// // No `#[global_allocator]` in this doctest:
/// let r = memsize::alloc::try_measure(|| vec![1, 2, 3]);
/// assert_eq!(r, Err(memsize::alloc::NotInstalled));
/// ```
pub fn try_measure<R>(f: impl FnOnce() -> R) -> Result<(R, Stats), NotInstalled> {
    let m = Measurement::try_start()?;
    let r = f();
    Ok((r, m.finish()))
}

/// An open measurement of this thread's allocations, for code that does not
/// fit in a closure. It ends when finished or dropped.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// use memsize::alloc::Measurement;
///
/// let outer = Measurement::start();
/// let a = vec![0u8; 1000];
/// let inner = Measurement::start();
/// let b = vec![0u8; 500];
/// drop(b);
/// let inner = inner.finish();
/// drop(a);
/// let outer = outer.finish();
///
/// assert_eq!((inner.net_bytes, inner.peak_bytes), (0, 500));
/// // The inner peak happened on top of the outer's 1000 live bytes.
/// assert_eq!((outer.net_bytes, outer.peak_bytes), (0, 1500));
/// # }
/// ```
///
/// Measurements nest, each counting everything its inner ones count, and a
/// child's peak folds into its parent's at the moment it happened. Guards
/// must end in the reverse order of their start, as scopes end; the first
/// 32 levels of nesting keep exact peaks even when an outer one is read
/// while inner ones are open. A panic that unwinds through a guard closes
/// it, leaving no state behind.
///
/// The guard is bound to its thread (`!Send`).
#[derive(Debug)]
#[must_use = "a measurement ends when dropped"]
pub struct Measurement {
    start: Counts,
    /// This measurement's depth on the thread, from 1.
    level: usize,
    /// For levels past [`MAX_NEST`]: the shared peak slot's value at start.
    saved_peak: i64,
    closed: bool,
    _thread: NotSend,
}

impl Measurement {
    /// Opens a measurement of this thread's allocations.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator (see [`try_start`](Self::try_start)).
    #[track_caller]
    pub fn start() -> Measurement {
        super::or_panic(Measurement::try_start())
    }

    /// Opens a measurement, or returns [`NotInstalled`] when the counting
    /// allocator is not the global allocator.
    pub fn try_start() -> Result<Measurement, NotInstalled> {
        ensure_installed()?;
        let m = LOCAL.with(|l| {
            let level = l.depth.get() + 1;
            let net = l.net.get();
            let slot = &l.peaks[level.min(MAX_NEST) - 1];
            let saved_peak = slot.replace(net);
            l.depth.set(level);
            Measurement {
                start: l.counters(),
                level,
                saved_peak,
                closed: false,
                _thread: PhantomData,
            }
        });
        open();
        Ok(m)
    }

    /// Starts a [`SharedMeasurement`](super::SharedMeasurement): one whose
    /// [handle](super::SharedMeasurement::handle) other threads can enter.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator.
    #[track_caller]
    pub fn start_shared() -> super::SharedMeasurement {
        super::SharedMeasurement::start()
    }

    /// What has been counted so far; the measurement stays open.
    pub fn stats(&self) -> Stats {
        LOCAL.with(|l| {
            let now = l.counters();
            let depth = l.depth.get();
            let peak = if self.closed || depth < self.level {
                // Closed, or its inner guards were mishandled: no peak
                // beyond the net figure can be known.
                now.net
            } else {
                // This level's peak is the highest of its own slot and the
                // slots of the measurements open inside it.
                let from = self.level.min(MAX_NEST) - 1;
                let to = depth.min(MAX_NEST);
                l.peaks[from..to]
                    .iter()
                    .map(|c| c.get())
                    .fold(now.net, i64::max)
            };
            now.since(&self.start, peak)
        })
    }

    /// Ends the measurement and returns what it counted.
    pub fn finish(mut self) -> Stats {
        let stats = self.stats();
        self.close();
        stats
    }

    fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        close();
        let _ = LOCAL.try_with(|l| {
            let depth = l.depth.get();
            if depth < self.level {
                // Already closed by an outer guard ended out of order.
                return;
            }
            // Fold this level's peak (and that of any inner guard not ended
            // properly) into the parent's slot.
            let from = self.level.min(MAX_NEST) - 1;
            let to = depth.min(MAX_NEST);
            let peak = l.peaks[from..to]
                .iter()
                .map(|c| c.get())
                .fold(i64::MIN, i64::max);
            if self.level > MAX_NEST {
                // Levels past the last slot share it: restore what the
                // parent had there, raised by this level's peak.
                l.peaks[MAX_NEST - 1].set(self.saved_peak.max(peak));
            } else if self.level > 1 {
                let parent = &l.peaks[self.level - 2];
                parent.set(parent.get().max(peak));
            }
            l.depth.set(self.level - 1);
        });
    }
}

impl Drop for Measurement {
    fn drop(&mut self) {
        self.close();
    }
}
