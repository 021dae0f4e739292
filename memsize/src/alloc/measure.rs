//! Per-thread measurements: [`measure`] and the guard [`Measurement`].

use super::{close, ensure_installed, open, with_side, NotInstalled, NotSend, Reading, LOCAL};
use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::Ordering::Relaxed;

/// What the allocator handed out during a measurement.
///
/// A reallocation counts once in [`reallocations`](Self::reallocations) and
/// neither in allocations nor in deallocations; its new size adds to
/// [`bytes_allocated`](Self::bytes_allocated) and its old size to
/// [`bytes_freed`](Self::bytes_freed).
///
/// Not to be confused with [`HeapStats`](crate::HeapStats), what a value
/// reports it owns: these are what the allocator saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AllocStats {
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
    /// Like [`bytes_allocated`](Self::bytes_allocated), in the usable bytes
    /// the allocator reserved for each block (at least the bytes asked
    /// for). `None` when the allocator could not tell for some block: the
    /// counting allocator was made with
    /// [`CountingAlloc::new`](super::CountingAlloc::new), or its
    /// [`UsableSize`](super::UsableSize) hook answered `None`.
    pub usable_bytes_allocated: Option<u64>,
    /// Like [`bytes_freed`](Self::bytes_freed), in usable bytes; `None`
    /// under the same conditions as
    /// [`usable_bytes_allocated`](Self::usable_bytes_allocated).
    pub usable_bytes_freed: Option<u64>,
}

impl Default for AllocStats {
    /// Nothing happened: every figure zero, the usable ones included (no
    /// block, so nothing unknown).
    fn default() -> Self {
        AllocStats {
            allocations: 0,
            deallocations: 0,
            reallocations: 0,
            bytes_allocated: 0,
            bytes_freed: 0,
            net_bytes: 0,
            peak_bytes: 0,
            usable_bytes_allocated: Some(0),
            usable_bytes_freed: Some(0),
        }
    }
}

impl AllocStats {
    /// True when nothing was allocated, reallocated or freed.
    pub fn is_empty(&self) -> bool {
        self.allocations == 0 && self.deallocations == 0 && self.reallocations == 0
    }

    /// Allocations not matched by a deallocation: `allocations -
    /// deallocations` (negative when more were freed than made).
    pub fn net_allocations(&self) -> i64 {
        self.allocations.wrapping_sub(self.deallocations) as i64
    }

    /// `usable_bytes_allocated - usable_bytes_freed`, when both are known.
    pub fn usable_net_bytes(&self) -> Option<i64> {
        Some(
            self.usable_bytes_allocated?
                .wrapping_sub(self.usable_bytes_freed?) as i64,
        )
    }
}

impl fmt::Display for AllocStats {
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
        )?;
        if let (Some(a), Some(fr)) = (self.usable_bytes_allocated, self.usable_bytes_freed) {
            if !self.is_empty() {
                write!(f, "; usable {a} allocated, {fr} freed")?;
            }
        }
        Ok(())
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
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, AllocStats) {
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
pub fn try_measure<R>(f: impl FnOnce() -> R) -> Result<(R, AllocStats), NotInstalled> {
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
/// must end in the reverse order of their start, as scopes end; an outer
/// guard read while inner ones are open sees their peaks, at any depth. A
/// panic that unwinds through a guard closes it, leaving no state behind.
///
/// The guard is bound to its thread (`!Send`).
#[derive(Debug)]
#[must_use = "a measurement ends when dropped"]
pub struct Measurement {
    start: Reading,
    /// This measurement's depth on the thread, from 1.
    level: usize,
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
            let c = &l.counters;
            // Save the parent's running peak (a placeholder at depth 0);
            // this level's starts at the live bytes now.
            let parent_peak = c.peak.load(Relaxed);
            with_side(|s| s.peaks.push(parent_peak));
            c.peak.store(c.net.load(Relaxed), Relaxed);
            l.depth.set(level);
            Measurement {
                start: c.read(),
                level,
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

    /// The highest live bytes since this level started: its running peak
    /// as saved by its child, and those of the levels inside it.
    fn peak(&self, l: &super::Local) -> Option<i64> {
        let depth = l.depth.get();
        if self.closed || depth < self.level {
            // Closed, or closed by an outer guard ended out of order.
            return None;
        }
        let running = l.counters.peak.load(Relaxed);
        let peak = with_side(|s| {
            // `peaks[i]` is the running peak of level `i`, saved when level
            // `i + 1` started: levels `self.level..depth`.
            s.peaks
                .get(self.level..depth)
                .unwrap_or(&[])
                .iter()
                .copied()
                .fold(running, i64::max)
        });
        Some(peak.unwrap_or(running))
    }

    /// What has been counted so far; the measurement stays open.
    pub fn stats(&self) -> AllocStats {
        LOCAL.with(|l| {
            let now = l.counters.read();
            let peak = self.peak(l).unwrap_or(now.net).max(now.net);
            now.since(&self.start, peak)
        })
    }

    /// Ends the measurement and returns what it counted.
    pub fn finish(mut self) -> AllocStats {
        let stats = self.stats();
        self.close();
        stats
    }

    fn close(&mut self) {
        if self.closed {
            return;
        }
        let peak = LOCAL.try_with(|l| self.peak(l)).ok().flatten();
        self.closed = true;
        close();
        let Some(peak) = peak else {
            return;
        };
        let _ = LOCAL.try_with(|l| {
            // Fold this level's peak (and those of inner guards not ended
            // properly) into the parent's running peak.
            let level = self.level;
            let parent = with_side(|s| {
                let saved = s.peaks.get(level - 1).copied().unwrap_or(i64::MIN);
                s.peaks.truncate(level - 1);
                saved
            })
            .unwrap_or(i64::MIN);
            l.counters.peak.store(parent.max(peak), Relaxed);
            l.depth.set(level - 1);
        });
    }
}

impl Drop for Measurement {
    fn drop(&mut self) {
        self.close();
    }
}
