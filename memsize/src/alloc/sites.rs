//! Allocation sites: where the live allocations of a measurement were made,
//! like Python's `tracemalloc` snapshots and statistics.
//!
//! ```
//! # #[global_allocator]
//! # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
//! #     memsize::alloc::CountingAlloc::new(std::alloc::System);
//! # fn main() {
//! use memsize::alloc::sites::{self, GroupBy};
//!
//! let tracing = sites::Tracing::start();
//! let names: Vec<String> = (0..100).map(|i| format!("name {i}")).collect();
//! let before = tracing.snapshot();
//! let more: Vec<u64> = vec![0; 1000];
//! let after = tracing.snapshot();
//! let (stats, _) = tracing.finish();
//!
//! // The top sites by live bytes (`statistics('lineno')`).
//! for stat in after.statistics(GroupBy::Line).iter().take(3) {
//!     println!("{stat}");
//! }
//! // What grew between the two snapshots (`compare_to`).
//! let diff = after.compare_to(&before, GroupBy::Line);
//! assert_eq!(diff[0].bytes_diff, 8000);
//! assert!(stats.net_bytes > 8000);
//! # drop((names, more));
//! # }
//! ```
//!
//! A backtrace is captured for every allocation a [`Tracing`] thread makes,
//! so this is slow (microseconds per allocation, a little less than what
//! dhat-rs's heap profiler costs: see `benches/`): a tool for finding where
//! memory goes. A reallocation keeps the block's site, where it was
//! first allocated, and captures nothing. For a run that stays on,
//! [sample](TracingBuilder::sample_every) by bytes, as Go's heap profiler
//! does: one backtrace per 512 KiB allocated on average, unbiased
//! estimates of every figure. Capturing happens after the wrapped
//! allocator has answered, with a per-thread flag set so the allocations
//! the capture itself makes are neither recorded nor counted nor traced
//! again. Frames are kept as bare addresses and resolved to functions,
//! files and lines only when a report is made.
//!
//! Frames inside memsize, std, core, alloc, the backtrace machinery and the
//! C runtime are folded away, and those of the crates named with
//! [`TracingBuilder::fold_crates`], so a site is the first frame of the
//! user's code, with its file and line wherever the build has line tables
//! (`debug = "line-tables-only"` is enough); [`GroupBy::Backtrace`] keeps
//! every frame. Sites are per thread: an allocation freed on another
//! thread stays live in the snapshots of the thread that made it.
//!
//! A snapshot is written for the tools of the ecosystem with
//! `Snapshot::write_pprof` (feature `pprof`: a gzipped `profile.proto`,
//! as Go's heap profiles, for `go tool pprof`, Pyroscope, Parca, Grafana)
//! and [`Snapshot::write_dhat`] (DHAT's JSON, for Valgrind's `dh_view`).
//! A [`Report`](crate::Report) built with
//! [`sites`](crate::report::ReportBuilder::sites) lists, for each path,
//! where its own allocations were made.

use super::{untracked, AllocStats, Event, Measurement, LOCAL};
use core::cell::RefCell;
use core::fmt;
use std::borrow::ToOwned;
use std::collections::HashMap;
use std::string::{String, ToString};
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// The most frames kept per allocation.
const MAX_FRAMES: usize = 64;

/// The mean distance between samples, in bytes allocated, of a sampled
/// [`Tracing`] ([`TracingBuilder::sampled`]): 512 KiB, Go's
/// `runtime.MemProfileRate`.
pub const DEFAULT_SAMPLE_BYTES: u64 = 512 * 1024;

/// One live allocation.
struct Live {
    size: usize,
    /// How many allocations of its size it stands for: 1 when every
    /// allocation is recorded, `1 / (1 - exp(-size / N))` when sampled.
    weight: f64,
    trace: u32,
    /// When it was recorded, so that a [`Tracing`] sees only its own.
    seq: u64,
    /// When it was made, in nanoseconds since the table's clock started.
    born: u64,
}

/// The instruction pointer of one captured frame. Only ever looked up in
/// the symbol tables, never dereferenced; kept as the pointer the unwinder
/// gave rather than an integer, because symbol lookup under Miri needs the
/// pointer's provenance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Ip(*mut core::ffi::c_void);

// SAFETY: an `Ip` is an address to look up, never read or written through,
// so sharing or sending it between threads can't race on anything.
unsafe impl Send for Ip {}
// SAFETY: as above.
unsafe impl Sync for Ip {}

/// Hashes a block's address for the live table: one multiply, mixed so
/// that the low bits (zero in aligned addresses) and the high ones both
/// vary. The table is looked up on every free while tracing.
#[derive(Default)]
struct AddressHasher(u64);

impl core::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        let h = (n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

type ByAddress = core::hash::BuildHasherDefault<AddressHasher>;

/// Sampling by bytes, as Go's heap profiler and tcmalloc do: the distances
/// between samples, in bytes allocated, are exponential with mean `mean`
/// (a Poisson process over the bytes), so an allocation of `size` bytes is
/// sampled with probability `1 - exp(-size / mean)`, whatever came before
/// it; one far larger than `mean` always is.
///
/// The allocator counts the bytes down to the next sample itself
/// (`Local::sample_until`, a subtraction per allocation) and calls in here
/// only for a sample, or for a free whose address may be a sampled block's.
struct Sampler {
    mean: f64,
    /// xorshift64* state.
    rng: u64,
}

impl Sampler {
    fn new(mean: u64, seed: u64) -> Sampler {
        Sampler {
            mean: mean.max(1) as f64,
            // xorshift needs a state that is not zero.
            rng: seed | 1,
        }
    }

    /// How many allocations of `size` bytes a sampled one stands for: Go's
    /// estimate (`scaleHeapSample`), 1 / P(sampled).
    fn weight(&self, size: usize) -> f64 {
        let p = -(-(size as f64) / self.mean).exp_m1();
        if p > 0.0 {
            1.0 / p
        } else {
            1.0
        }
    }

    /// An exponential distance with mean `mean`, in whole bytes.
    fn distance(&mut self) -> i64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        // Uniform in (0, 1]: the top 53 bits, plus one.
        let u = ((x >> 11) + 1) as f64 / (1u64 << 53) as f64;
        (-u.ln() * self.mean) as i64 + 1
    }
}

/// This thread's live allocations and the traces they were made at.
#[derive(Default)]
struct Table {
    live: HashMap<usize, Live, ByAddress>,
    /// How allocations are sampled, none: all are recorded. Set by the
    /// outermost [`Tracing`] of the thread.
    sampler: Option<Sampler>,
    interned: HashMap<Arc<[Ip]>, u32>,
    traces: Vec<Arc<[Ip]>>,
    /// The figures of each trace since the table was made.
    made: Vec<Made>,
    seq: u64,
    /// The clock of lifetimes and peaks, started by the first allocation.
    clock: Option<Instant>,
    /// Live bytes over all traces, and the most there were.
    live_bytes: f64,
    peak_bytes: f64,
    /// When that peak was reached, in the clock's nanoseconds.
    peak_at: u64,
    /// Whether the live figures are at the peak and not yet copied into
    /// [`Made::at_peak_bytes`] (copied lazily, at the first free after a
    /// peak, as dhat-rs does, so growth costs nothing extra).
    at_peak: bool,
}

/// What one trace did since the table was made: allocations made (live or
/// freed) and their bytes, the summed lifetimes of the freed ones, what is
/// live, the most that was, and what was at the table's peak.
///
/// Each allocation counts with its [weight](Live::weight), so the figures
/// are estimates when sampled. They are floats, exact while every weight is
/// 1 (integers below 2^53 add exactly).
#[derive(Clone, Copy, Default, Debug)]
struct Made {
    count: f64,
    bytes: f64,
    freed_lifetimes: f64,
    live_bytes: f64,
    live_count: f64,
    max_bytes: f64,
    max_count: f64,
    at_peak_bytes: f64,
    at_peak_count: f64,
}

impl Table {
    /// Nanoseconds on the table's clock.
    fn now(&mut self) -> u64 {
        let clock = *self.clock.get_or_insert_with(Instant::now);
        clock.elapsed().as_nanos() as u64
    }

    /// Forgets a block that is freed. `peak_check`: the free may end a
    /// peak (not so for the first half of a growing reallocation).
    /// Returns the block's trace, if it was live here.
    fn remove(&mut self, ptr: *mut u8, peak_check: bool) -> Option<u32> {
        let live = self.live.remove(&(ptr as usize))?;
        if self.sampler.is_some() {
            let _ = LOCAL.try_with(|l| {
                let slot = &l.sampled_slots[super::filter_slot(ptr)];
                if slot.get() < u8::MAX {
                    slot.set(slot.get().saturating_sub(1));
                }
            });
        }
        if self.at_peak && peak_check {
            for m in &mut self.made {
                m.at_peak_bytes = m.live_bytes;
                m.at_peak_count = m.live_count;
            }
            self.at_peak = false;
        }
        let now = self.now();
        let m = &mut self.made[live.trace as usize];
        let bytes = live.size as f64 * live.weight;
        m.live_bytes -= bytes;
        m.live_count -= live.weight;
        m.freed_lifetimes += now.saturating_sub(live.born) as f64 * live.weight;
        self.live_bytes -= bytes;
        Some(live.trace)
    }

    /// Records a new block at the backtrace of this call, if sampled;
    /// `trace` is the site it has already (a reallocated block's).
    #[inline]
    fn insert(&mut self, ptr: *mut u8, size: usize, trace: Option<u32>) {
        let weight = match &mut self.sampler {
            None => 1.0,
            Some(sampler) => {
                let Ok(true) = LOCAL.try_with(|l| l.sample_until.get() <= 0) else {
                    return;
                };
                let weight = sampler.weight(size);
                let next = sampler.distance();
                let _ = LOCAL.try_with(|l| {
                    l.sample_until.set(next);
                    let slot = &l.sampled_slots[super::filter_slot(ptr)];
                    slot.set(slot.get().saturating_add(1));
                });
                weight
            }
        };
        let trace = match trace {
            Some(trace) => trace,
            None => self.capture(),
        };
        self.insert_at(ptr, size, weight, trace);
    }

    /// This call's backtrace, interned.
    fn capture(&mut self) -> u32 {
        let mut ips = [Ip(core::ptr::null_mut()); MAX_FRAMES];
        let mut n = 0;
        let mut push = |frame: &backtrace::Frame| {
            ips[n] = Ip(frame.ip());
            n += 1;
            n < MAX_FRAMES
        };
        // On Unix the unwinder (libgcc's or libunwind's `_Unwind_Backtrace`)
        // is thread-safe, so the process-wide lock of `backtrace::trace`
        // (there for Windows' dbghelp) would only make the threads that
        // trace wait for each other.
        #[cfg(all(unix, not(miri)))]
        // SAFETY: `trace_unsynchronized` asks that nothing else unwind
        // concurrently through an unwinder that can't take it; the Unix
        // unwinders can, and the closure touches only this call's array.
        unsafe {
            backtrace::trace_unsynchronized(&mut push)
        };
        #[cfg(not(all(unix, not(miri))))]
        backtrace::trace(&mut push);
        let ips = &ips[..n];
        match self.interned.get(ips) {
            Some(&id) => id,
            None => {
                let id = self.traces.len() as u32;
                let key: Arc<[Ip]> = Arc::from(ips);
                self.traces.push(key.clone());
                self.made.push(Made::default());
                self.interned.insert(key, id);
                id
            }
        }
    }

    /// Records a new block made at `trace`, standing for `weight`
    /// allocations.
    fn insert_at(&mut self, ptr: *mut u8, size: usize, weight: f64, trace: u32) {
        let born = self.now();
        let bytes = size as f64 * weight;
        let m = &mut self.made[trace as usize];
        m.count += weight;
        m.bytes += bytes;
        m.live_bytes += bytes;
        m.live_count += weight;
        if m.live_bytes > m.max_bytes {
            m.max_bytes = m.live_bytes;
            m.max_count = m.live_count;
        }
        self.live_bytes += bytes;
        if self.live_bytes > self.peak_bytes {
            self.peak_bytes = self.live_bytes;
            self.peak_at = born;
            self.at_peak = true;
        }
        self.seq += 1;
        let seq = self.seq;
        self.live.insert(
            ptr as usize,
            Live {
                size,
                weight,
                trace,
                seq,
                born,
            },
        );
    }
}

std::thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// Records the site of one allocator call. Runs untracked: what it
/// allocates is not seen by the allocator's bookkeeping.
pub(super) fn record(event: Event) {
    let _ = TABLE.try_with(|table| {
        let Ok(mut table) = table.try_borrow_mut() else {
            return;
        };
        match event {
            Event::Alloc(b) => table.insert(b.ptr, b.size, None),
            Event::Dealloc(b) => {
                if !table.live.is_empty() {
                    table.remove(b.ptr, true);
                }
            }
            // A reallocated block keeps its site, where it was first
            // allocated (as in dhat-rs): a vector grown by pushes is one
            // site, and growing it captures no backtrace. A block from
            // before the tracing gets the site of the reallocation. When
            // sampled, the new size is sampled afresh (so its weight is
            // right for it): a free and an allocation.
            Event::Realloc { old, new } => {
                let trace = table.remove(old.ptr, new.size < old.size);
                table.insert(new.ptr, new.size, trace);
            }
        }
    });
}

/// An open measurement that also records where each live allocation of
/// this thread was made. It ends when finished or dropped.
///
/// Nests with other measurements like [`Measurement`]; a snapshot of an
/// inner `Tracing` holds only the allocations made since it started.
#[derive(Debug)]
#[must_use = "tracing ends when dropped"]
pub struct Tracing {
    /// The counts, unless sampled.
    measurement: Option<Measurement>,
    /// Whether sampled: then [`super::open`] was called for it.
    sampled: bool,
    /// Until ended.
    open: bool,
    start_seq: u64,
    /// The table's [`Made`] counts when this started (taken and freed
    /// untracked).
    start_made: Vec<Made>,
    started: Instant,
    /// The crates whose frames are folded away besides std's and
    /// memsize's (made and freed untracked).
    fold: Option<Arc<[String]>>,
}

/// Starts a [`Tracing`] with options: `Tracing::builder().fold_crates(["bytes",
/// "tokio"]).start()`.
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct TracingBuilder {
    fold: Vec<String>,
    sample_every: Option<u64>,
    seed: Option<u64>,
}

impl TracingBuilder {
    /// Folds away the frames of these crates too, as std's and memsize's
    /// are: a site is then the first frame of the user's code outside them
    /// (the line that called `BytesMut::reserve`, not the line inside
    /// `bytes` that allocated). A crate is named as in `Cargo.toml`
    /// (`tokio-util` or `tokio_util`); its frames are known by the crate in
    /// the function's path, or by a source file under its directory
    /// (`tokio-1.47.0/src/...`). The whole backtrace stays available
    /// ([`GroupBy::Backtrace`]). Adds to the crates of earlier calls.
    ///
    /// ```
    /// # #[global_allocator]
    /// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
    /// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
    /// # fn main() {
    /// use memsize::alloc::sites::Tracing;
    ///
    /// let tracing = Tracing::builder().fold_crates(["bytes", "tokio"]).start();
    /// let v = vec![0u8; 100];
    /// let snapshot = tracing.snapshot();
    /// assert_eq!(snapshot.bytes(), 100);
    /// # drop(v);
    /// # }
    /// ```
    pub fn fold_crates<I, S>(mut self, crates: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fold.extend(crates.into_iter().map(Into::into));
        self
    }

    /// Samples allocations by bytes, at the default rate: on average one
    /// sample per [`DEFAULT_SAMPLE_BYTES`] (512 KiB) allocated, as Go's
    /// heap profiler does. See [`sample_every`](Self::sample_every).
    pub fn sampled(self) -> Self {
        self.sample_every(DEFAULT_SAMPLE_BYTES)
    }

    /// Samples allocations by bytes: on average one sample per `bytes`
    /// allocated, the distances between samples exponential (a Poisson
    /// process over the bytes, like Go's `MemProfileRate` and tcmalloc's
    /// sampling), so an allocation of `s` bytes is sampled with
    /// probability `1 - exp(-s / bytes)`: one of a few times `bytes` or
    /// more, almost surely. Only sampled allocations capture a backtrace,
    /// so the cost is a subtraction per allocation and a lookup per free,
    /// and a backtrace per `bytes` allocated.
    ///
    /// Every figure of the snapshots (bytes, counts, the `alloc_*` ones,
    /// lifetimes, peaks) is then an unbiased estimate: each sample counts
    /// as `1 / (1 - exp(-s / bytes))` allocations of its size (Go's
    /// `scaleHeapSample`), rounded to whole bytes and allocations per
    /// backtrace. A site's bytes are off by a standard deviation of
    /// `sqrt(Σ s² (1 - p) / p)` over its allocations (`p` the probability
    /// above), which for allocations small against `bytes` is about
    /// `sqrt(bytes × B)` for a site of `B` bytes: ±11% of a site holding
    /// 64 MiB at 512 KiB, ±1.1% of one allocating 6.4 GiB. The
    /// [`AllocStats`] of the tracing stay exact: the counting allocator
    /// counts every call.
    ///
    /// The rate is the thread's: the outermost `Tracing` of the thread
    /// sets it, and tracings nested in it keep it. `bytes` 0 is 1.
    pub fn sample_every(mut self, bytes: u64) -> Self {
        self.sample_every = Some(bytes.max(1));
        self
    }

    /// The seed of the sampling's random distances, for runs that repeat
    /// (tests). Without it, each thread draws its own seed.
    pub fn sample_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts the tracing.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator.
    #[track_caller]
    pub fn start(self) -> Tracing {
        // memsize's own copy, untracked; the builder is the caller's and
        // goes before the measurement starts.
        let fold: Arc<[String]> = {
            let _untracked = untracked();
            self.fold.iter().cloned().collect()
        };
        let sampler = self.sample_every.map(|mean| {
            let seed = self.seed.unwrap_or_else(|| {
                use core::hash::BuildHasher;
                std::collections::hash_map::RandomState::new().hash_one(Instant::now())
            });
            Sampler::new(mean, seed)
        });
        drop(self);
        Tracing::start_with(fold, sampler)
    }
}

impl Tracing {
    /// Starts measuring this thread's allocations and recording their
    /// sites.
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`](super::CountingAlloc) is not the global
    /// allocator.
    #[track_caller]
    pub fn start() -> Tracing {
        Tracing::builder().start()
    }

    /// A tracing with options (see [`TracingBuilder`]).
    pub fn builder() -> TracingBuilder {
        TracingBuilder::default()
    }

    #[track_caller]
    fn start_with(fold: Arc<[String]>, mut sampler: Option<Sampler>) -> Tracing {
        // A sampled tracing counts nothing itself (that is what keeps it
        // cheap): it only opens the allocator's slow path.
        let measurement = if sampler.is_some() {
            super::or_panic(super::ensure_installed());
            super::open();
            None
        } else {
            Some(Measurement::start())
        };
        let outermost = LOCAL.with(|l| l.sites_depth.get() == 0);
        if outermost {
            if let Some(sampler) = &mut sampler {
                let first = sampler.distance();
                LOCAL.with(|l| {
                    l.sample_until.set(first);
                    l.sampling.set(true);
                });
            }
        }
        let sampled = sampler.is_some();
        let (start_seq, start_made) = {
            let _untracked = untracked();
            TABLE.with(|t| {
                let mut t = t.borrow_mut();
                if outermost {
                    t.sampler = sampler;
                }
                (t.seq, t.made.clone())
            })
        };
        LOCAL.with(|l| l.sites_depth.set(l.sites_depth.get() + 1));
        Tracing {
            measurement,
            sampled,
            open: true,
            start_seq,
            start_made,
            started: Instant::now(),
            fold: Some(fold),
        }
    }

    /// What the measurement has counted so far: every allocator call of
    /// the thread since the start, exactly. A sampled tracing
    /// ([`TracingBuilder::sample_every`]) counts nothing (so that it stays
    /// cheap): its stats are all zero, and a [`Measurement`] open beside it
    /// gives the exact figures.
    pub fn stats(&self) -> AllocStats {
        self.measurement
            .as_ref()
            .map(|m| m.stats())
            .unwrap_or_default()
    }

    /// The allocations made since the start that are still live, with
    /// their sites (`tracemalloc.take_snapshot()`). Taking it allocates
    /// nothing that the measurement counts.
    pub fn snapshot(&self) -> Snapshot {
        let start = self.start_seq;
        let _untracked = untracked();
        {
            TABLE.with(|t| {
                let mut t = t.borrow_mut();
                let now = t.now();
                // Live bytes, count and lifetimes so far, by trace.
                let mut by_trace: HashMap<u32, (f64, f64, f64)> = HashMap::new();
                for live in t.live.values().filter(|l| l.seq > start) {
                    let e = by_trace.entry(live.trace).or_default();
                    e.0 += live.size as f64 * live.weight;
                    e.1 += live.weight;
                    e.2 += now.saturating_sub(live.born) as f64 * live.weight;
                }
                // Estimates to whole bytes and allocations (exact when
                // nothing is sampled: every figure is then an integer).
                let whole = |x: f64| x.max(0.0).round() as u64;
                let at_peak = t.at_peak;
                // Every trace allocated at since the start, live or not.
                let traces = t
                    .made
                    .iter()
                    .enumerate()
                    .filter_map(|(id, made)| {
                        let before = self.start_made.get(id).copied().unwrap_or_default();
                        let (bytes, count, live_lifetimes) =
                            by_trace.get(&(id as u32)).copied().unwrap_or_default();
                        let made_count = whole(made.count - before.count);
                        let (bytes, count) = (whole(bytes), whole(count));
                        (made_count > 0 || count > 0).then(|| TraceTotal {
                            ips: t.traces[id].clone(),
                            bytes,
                            count,
                            allocated: made_count,
                            allocated_bytes: whole(made.bytes - before.bytes),
                            lifetimes: whole(
                                made.freed_lifetimes - before.freed_lifetimes + live_lifetimes,
                            ),
                            max_bytes: whole(made.max_bytes).max(bytes),
                            max_count: whole(made.max_count).max(count),
                            at_peak_bytes: whole(if at_peak {
                                made.live_bytes
                            } else {
                                made.at_peak_bytes
                            }),
                            at_peak_count: whole(if at_peak {
                                made.live_count
                            } else {
                                made.at_peak_count
                            }),
                        })
                    })
                    .collect();
                // The table's times, from this tracing's start.
                let clock = t.clock.unwrap_or(self.started);
                let since_start = |ns: u64| {
                    (clock + Duration::from_nanos(ns)).saturating_duration_since(self.started)
                };
                Snapshot {
                    traces: core::mem::ManuallyDrop::new(traces),
                    elapsed: since_start(now),
                    peak_at: since_start(t.peak_at),
                    sample_every: t.sampler.as_ref().map(|s| s.mean as u64),
                    fold: core::mem::ManuallyDrop::new(
                        self.fold.clone().unwrap_or_else(|| Arc::from([])),
                    ),
                }
            })
        }
    }

    /// The sites of blocks given by address, each with a key (a report's
    /// node): per key, the sites by line and the bytes and allocations of
    /// those blocks made there, the most bytes first. Blocks this tracing
    /// did not see made are left out. Keys come sorted.
    pub(crate) fn sites_of(&self, blocks: &[(u32, usize)]) -> Vec<(u32, Vec<SiteStats>)> {
        let start = self.start_seq;
        let fold: &[String] = self.fold.as_deref().unwrap_or(&[]);
        let resolved: Vec<(u32, Frame, f64, f64)> = {
            let _untracked = untracked();
            TABLE.with(|t| {
                let t = t.borrow();
                let mut by: HashMap<(u32, u32), (f64, f64)> = HashMap::new();
                for &(key, address) in blocks {
                    if let Some(live) = t.live.get(&address).filter(|l| l.seq > start) {
                        let e = by.entry((key, live.trace)).or_default();
                        e.0 += live.size as f64 * live.weight;
                        e.1 += live.weight;
                    }
                }
                let mut lines: HashMap<u32, Frame> = HashMap::new();
                by.into_iter()
                    .map(|((key, trace), (bytes, count))| {
                        let frame = lines
                            .entry(trace)
                            .or_insert_with(|| {
                                user_frames(&t.traces[trace as usize], fold)
                                    .first()
                                    .map_or_else(unknown_frame, line_frame)
                            })
                            .clone();
                        (key, frame, bytes, count)
                    })
                    .collect()
            })
        };
        // Copy out of the untracked allocations, then free them untracked.
        let mut by_key: std::collections::BTreeMap<u32, HashMap<Frame, (f64, f64)>> =
            std::collections::BTreeMap::new();
        for (key, frame, bytes, count) in &resolved {
            let e = by_key
                .entry(*key)
                .or_default()
                .entry(frame.clone())
                .or_default();
            e.0 += bytes;
            e.1 += count;
        }
        {
            let _untracked = untracked();
            drop(resolved);
        }
        by_key
            .into_iter()
            .map(|(key, sites)| {
                let mut stats: Vec<SiteStats> = sites
                    .into_iter()
                    .map(|(frame, (bytes, count))| SiteStats {
                        site: Site {
                            frames: std::vec![frame],
                        },
                        bytes: bytes.round() as u64,
                        count: count.round() as u64,
                    })
                    .collect();
                stats.sort_by(|a, b| {
                    (b.bytes, b.count)
                        .cmp(&(a.bytes, a.count))
                        .then_with(|| a.site.cmp(&b.site))
                });
                (key, stats)
            })
            .collect()
    }

    /// Ends the measurement; returns what it counted, and a last snapshot.
    pub fn finish(mut self) -> (AllocStats, Snapshot) {
        let snapshot = self.snapshot();
        let stats = self.stats();
        self.end();
        (stats, snapshot)
    }

    fn end(&mut self) {
        if core::mem::take(&mut self.open) {
            let m = self.measurement.take();
            {
                let _untracked = untracked();
                drop(core::mem::take(&mut self.start_made));
                drop(self.fold.take());
            }
            let _ = LOCAL.try_with(|l| {
                let depth = l.sites_depth.get().saturating_sub(1);
                l.sites_depth.set(depth);
                if depth == 0 {
                    l.sampling.set(false);
                    for slot in &l.sampled_slots {
                        slot.set(0);
                    }
                    // The last one out empties the table, untracked.
                    let _untracked = untracked();
                    let _ = TABLE.try_with(|t| {
                        if let Ok(mut t) = t.try_borrow_mut() {
                            *t = Table::default();
                        }
                    });
                }
            });
            drop(m);
            if self.sampled {
                super::close();
            }
        }
    }
}

impl Drop for Tracing {
    fn drop(&mut self) {
        self.end();
    }
}

/// Runs `f` under a [`Tracing`]; returns its value, what was counted, and a
/// snapshot of the allocations it left live (where
/// [`alloc::measure`](super::measure) gives the first two).
///
/// # Panics
///
/// If the counting allocator is not the global allocator.
#[track_caller]
pub fn trace<R>(f: impl FnOnce() -> R) -> (R, AllocStats, Snapshot) {
    let tracing = Tracing::start();
    let r = f();
    let (stats, snapshot) = tracing.finish();
    (r, stats, snapshot)
}

/// Live bytes and count for one backtrace, and what was allocated there
/// in all.
#[derive(Clone)]
struct TraceTotal {
    ips: Arc<[Ip]>,
    bytes: u64,
    count: u64,
    /// Allocations made there since the [`Tracing`] started, freed or not
    /// (a reallocation counts as one).
    allocated: u64,
    /// Their bytes.
    allocated_bytes: u64,
    /// The summed lifetimes of those allocations, in nanoseconds: until
    /// freed, or until the snapshot.
    lifetimes: u64,
    /// The most bytes live there at one time, and the allocations then.
    max_bytes: u64,
    max_count: u64,
    /// What was live there when the thread's live bytes peaked.
    at_peak_bytes: u64,
    at_peak_count: u64,
}

/// The live allocations of a [`Tracing`] at one moment, by backtrace.
///
/// Made and dropped untracked: holding snapshots doesn't disturb the
/// figures of the measurements open around them.
pub struct Snapshot {
    traces: core::mem::ManuallyDrop<Vec<TraceTotal>>,
    /// From the tracing's start to the snapshot.
    elapsed: Duration,
    /// From the tracing's start to the peak of the thread's live bytes.
    peak_at: Duration,
    /// The tracing's [folded crates](TracingBuilder::fold_crates).
    fold: core::mem::ManuallyDrop<Arc<[String]>>,
    /// The mean bytes between samples, if sampled.
    sample_every: Option<u64>,
}

impl Clone for Snapshot {
    fn clone(&self) -> Self {
        let _untracked = untracked();
        Snapshot {
            traces: self.traces.clone(),
            elapsed: self.elapsed,
            peak_at: self.peak_at,
            fold: self.fold.clone(),
            sample_every: self.sample_every,
        }
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SAFETY: taken once, here, and never used again.
        let traces = unsafe { core::mem::ManuallyDrop::take(&mut self.traces) };
        // SAFETY: as above.
        let fold = unsafe { core::mem::ManuallyDrop::take(&mut self.fold) };
        let _untracked = untracked();
        drop((traces, fold));
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("bytes", &self.bytes())
            .field("count", &self.count())
            .field("traces", &self.traces.len())
            .finish()
    }
}

/// How [`Snapshot::statistics`] groups allocations
/// (`tracemalloc`'s `key_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// By the first frame of the user's code: file and line where known,
    /// else function (`'lineno'`).
    Line,
    /// By the function of the first frame of the user's code.
    Function,
    /// By the whole backtrace, folded (`'traceback'`): the user's frames
    /// only.
    Traceback,
    /// By the whole backtrace as captured, nothing folded: every frame from
    /// the allocator's entry outward, std's, memsize's and the folded
    /// crates' included.
    Backtrace,
}

/// One frame of a backtrace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    /// The function, demangled, without its hash (`"<unknown>"` if it
    /// could not be resolved).
    pub function: String,
    /// The source file, if debug info says.
    pub file: Option<String>,
    /// The line in [`file`](Self::file), if debug info says.
    pub line: Option<u32>,
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line} ({})", self.function),
            (Some(file), None) => write!(f, "{file} ({})", self.function),
            _ => f.write_str(&self.function),
        }
    }
}

/// Where allocations were made: the user's frames, innermost first. One
/// frame for [`GroupBy::Line`] and [`GroupBy::Function`]; the folded
/// backtrace for [`GroupBy::Traceback`]. Empty when no frame of the user's
/// code was found.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    /// The frames, innermost first.
    pub frames: Vec<Frame>,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frames.split_first() {
            None => f.write_str("<unknown>"),
            Some((first, rest)) => {
                write!(f, "{first}")?;
                for frame in rest {
                    write!(f, "\n    {frame}")?;
                }
                Ok(())
            }
        }
    }
}

/// The live allocations of one site (`tracemalloc.Statistic`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SiteStats {
    /// Where.
    pub site: Site,
    /// Live bytes.
    pub bytes: u64,
    /// Live allocations.
    pub count: u64,
}

impl fmt::Display for SiteStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: size={} B, count={}, average={} B",
            self.site,
            self.bytes,
            self.count,
            self.bytes.checked_div(self.count).unwrap_or(0)
        )
    }
}

/// How one site changed between two snapshots
/// (`tracemalloc.StatisticDiff`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SiteDiff {
    /// Where.
    pub site: Site,
    /// Live bytes in the newer snapshot.
    pub bytes: u64,
    /// Newer minus older live bytes.
    pub bytes_diff: i64,
    /// Live allocations in the newer snapshot.
    pub count: u64,
    /// Newer minus older live allocations.
    pub count_diff: i64,
}

impl fmt::Display for SiteDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: size={} B ({:+} B), count={} ({:+})",
            self.site, self.bytes, self.bytes_diff, self.count, self.count_diff
        )
    }
}

impl Snapshot {
    /// The mean bytes between samples when the tracing sampled
    /// ([`TracingBuilder::sample_every`]): the figures are then estimates.
    /// `None`: every allocation was recorded, and the figures are exact.
    pub fn sample_every(&self) -> Option<u64> {
        self.sample_every
    }

    /// Live bytes over all sites.
    pub fn bytes(&self) -> u64 {
        self.traces.iter().map(|t| t.bytes).sum()
    }

    /// Live allocations over all sites.
    pub fn count(&self) -> u64 {
        self.traces.iter().map(|t| t.count).sum()
    }

    /// Live bytes and count by site, the most bytes first
    /// (`Snapshot.statistics()`).
    pub fn statistics(&self, group: GroupBy) -> Vec<SiteStats> {
        let mut out: Vec<SiteStats> = self
            .grouped(group)
            .into_iter()
            .map(|(site, (bytes, count))| SiteStats { site, bytes, count })
            .collect();
        out.sort_by(|a, b| {
            (b.bytes, b.count)
                .cmp(&(a.bytes, a.count))
                .then_with(|| a.site.cmp(&b.site))
        });
        out
    }

    /// The `n` sites holding the most live bytes, by line.
    pub fn top_by_bytes(&self, n: usize) -> Vec<SiteStats> {
        let mut s = self.statistics(GroupBy::Line);
        s.truncate(n);
        s
    }

    /// The `n` sites holding the most live allocations, by line.
    pub fn top_by_count(&self, n: usize) -> Vec<SiteStats> {
        let mut s = self.statistics(GroupBy::Line);
        s.sort_by(|a, b| {
            (b.count, b.bytes)
                .cmp(&(a.count, a.bytes))
                .then_with(|| a.site.cmp(&b.site))
        });
        s.truncate(n);
        s
    }

    /// How each site changed since `old`, the biggest change in bytes first
    /// (`Snapshot.compare_to()`). Sites present in either snapshot are
    /// listed.
    pub fn compare_to(&self, old: &Snapshot, group: GroupBy) -> Vec<SiteDiff> {
        let new = self.grouped(group);
        let mut old = old.grouped(group);
        let mut out: Vec<SiteDiff> = new
            .into_iter()
            .map(|(site, (bytes, count))| {
                let (ob, oc) = old.remove(&site).unwrap_or((0, 0));
                SiteDiff {
                    site,
                    bytes,
                    bytes_diff: bytes as i64 - ob as i64,
                    count,
                    count_diff: count as i64 - oc as i64,
                }
            })
            .collect();
        out.extend(old.into_iter().map(|(site, (ob, oc))| SiteDiff {
            site,
            bytes: 0,
            bytes_diff: -(ob as i64),
            count: 0,
            count_diff: -(oc as i64),
        }));
        out.sort_by(|a, b| {
            (b.bytes_diff.unsigned_abs(), b.bytes)
                .cmp(&(a.bytes_diff.unsigned_abs(), a.bytes))
                .then_with(|| a.site.cmp(&b.site))
        });
        out
    }

    /// Totals by site. Symbols are resolved untracked (the resolver's
    /// caches are memsize's business); the result is built normally.
    fn grouped(&self, group: GroupBy) -> HashMap<Site, (u64, u64)> {
        let resolved: Vec<(Vec<Frame>, u64, u64)> = {
            let _untracked = untracked();
            let mut cache: HashMap<Arc<[Ip]>, Vec<Frame>> = HashMap::new();
            let v: Vec<(Vec<Frame>, u64, u64)> = self
                .traces
                .iter()
                .map(|t| {
                    let frames = cache
                        .entry(t.ips.clone())
                        .or_insert_with(|| match group {
                            GroupBy::Backtrace => all_frames(&t.ips),
                            _ => user_frames(&t.ips, &self.fold),
                        })
                        .clone();
                    (frames, t.bytes, t.count)
                })
                .collect();
            drop(cache);
            v
        };
        // Copy out of the untracked allocations, then free them untracked.
        let mut out: HashMap<Site, (u64, u64)> = HashMap::new();
        for (frames, bytes, count) in resolved.iter().filter(|r| r.2 > 0) {
            let frames = match group {
                GroupBy::Traceback | GroupBy::Backtrace => frames.clone(),
                // Like `tracemalloc`'s 'lineno': a closure and the function
                // around it share a line, and a site.
                GroupBy::Line => frames
                    .first()
                    .map(|f| Frame {
                        function: without_closures(&f.function).to_owned(),
                        file: f.file.clone(),
                        line: f.line,
                    })
                    .into_iter()
                    .collect(),
                GroupBy::Function => frames
                    .first()
                    .map(|f| Frame {
                        function: without_closures(&f.function).to_owned(),
                        file: f.file.clone(),
                        line: None,
                    })
                    .into_iter()
                    .collect(),
            };
            let e = out.entry(Site { frames }).or_default();
            e.0 += bytes;
            e.1 += count;
        }
        {
            let _untracked = untracked();
            drop(resolved);
        }
        out
    }
}

/// One backtrace of a [`Snapshot`], resolved for an export: the stack
/// from the first frame of the user's code outward, and the figures.
pub(crate) struct ResolvedTrace {
    /// Per address, outermost last: the address and its frames, innermost
    /// (inlined) first, each with its symbol as the binary names it
    /// (mangled). The first address keeps only the frames from the user's
    /// code on.
    pub(crate) stack: Vec<(usize, Vec<(Frame, String)>)>,
    /// Live bytes.
    pub(crate) bytes: u64,
    /// Live allocations.
    pub(crate) count: u64,
    /// Allocations made since the start, freed or not.
    pub(crate) allocated: u64,
    /// Their bytes.
    pub(crate) allocated_bytes: u64,
    /// Their summed lifetimes, in nanoseconds (until the snapshot for the
    /// live ones).
    pub(crate) lifetimes: u64,
    /// The most bytes live at one time, and the allocations then.
    pub(crate) max_bytes: u64,
    pub(crate) max_count: u64,
    /// What was live when the thread's live bytes peaked.
    pub(crate) at_peak_bytes: u64,
    pub(crate) at_peak_count: u64,
}

impl Snapshot {
    /// From the tracing's start to the snapshot.
    pub(crate) fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// From the tracing's start to the peak of the thread's live bytes.
    pub(crate) fn peak_at(&self) -> Duration {
        self.peak_at
    }

    /// Every backtrace with its figures, resolved. Call it untracked: the
    /// result, and the resolver's caches, are memsize's own.
    pub(crate) fn resolved_traces(&self) -> Vec<ResolvedTrace> {
        let mut cache: HashMap<Ip, Vec<(Frame, String)>> = HashMap::new();
        self.traces
            .iter()
            .map(|t| {
                let mut stack: Vec<(usize, Vec<(Frame, String)>)> = t
                    .ips
                    .iter()
                    .filter(|ip| !ip.0.is_null())
                    .map(|&ip| {
                        let frames = cache
                            .entry(ip)
                            .or_insert_with(|| resolve_with_symbols(ip))
                            .clone();
                        (ip.0 as usize, frames)
                    })
                    .collect();
                let flat: Vec<&Frame> = stack
                    .iter()
                    .flat_map(|(_, f)| f.iter().map(|(frame, _)| frame))
                    .collect();
                let start = first_user_frame(&flat, &self.fold);
                // Drop the frames before `start`, address by address.
                let mut skip = start;
                while let Some((_, frames)) = stack.first_mut() {
                    if skip < frames.len() {
                        frames.drain(..skip);
                        break;
                    }
                    skip -= frames.len();
                    stack.remove(0);
                }
                ResolvedTrace {
                    stack,
                    bytes: t.bytes,
                    count: t.count,
                    allocated: t.allocated,
                    allocated_bytes: t.allocated_bytes,
                    lifetimes: t.lifetimes,
                    max_bytes: t.max_bytes,
                    max_count: t.max_count,
                    at_peak_bytes: t.at_peak_bytes,
                    at_peak_count: t.at_peak_count,
                }
            })
            .collect()
    }
}

/// A frame as [`GroupBy::Line`] names it: the function without its
/// closures.
fn line_frame(f: &Frame) -> Frame {
    Frame {
        function: without_closures(&f.function).to_owned(),
        file: f.file.clone(),
        line: f.line,
    }
}

/// The frame of a site with none of the user's code.
fn unknown_frame() -> Frame {
    Frame {
        function: "<unknown>".to_owned(),
        file: None,
        line: None,
    }
}

/// `f::{{closure}}::{{closure}}` to `f`.
fn without_closures(mut function: &str) -> &str {
    while let Some(outer) = function.strip_suffix("::{{closure}}") {
        function = outer;
    }
    function
}

/// The frames of one address: several where functions were inlined, the
/// innermost first.
fn resolve(ip: Ip) -> Vec<Frame> {
    resolve_with_symbols(ip)
        .into_iter()
        .map(|(frame, _)| frame)
        .collect()
}

/// [`resolve`], each frame with its symbol as the binary names it
/// (mangled, or the function's name where there is no other).
fn resolve_with_symbols(ip: Ip) -> Vec<(Frame, String)> {
    let mut frames = Vec::new();
    backtrace::resolve(ip.0, |sym| {
        let function = sym
            .name()
            .map(|n| std::format!("{n:#}"))
            .unwrap_or_else(|| "<unknown>".to_owned());
        let symbol = sym
            .name()
            .and_then(|n| n.as_str().map(ToOwned::to_owned))
            .unwrap_or_else(|| function.clone());
        let frame = Frame {
            function,
            file: sym.filename().map(|p| p.display().to_string()),
            line: sym.lineno(),
        };
        frames.push((frame, symbol));
    });
    frames
}

/// The frames of a trace that belong to the user's code, innermost first,
/// with the crates in `fold` folded away too.
fn user_frames(ips: &[Ip], fold: &[String]) -> Vec<Frame> {
    let frames = ips.iter().flat_map(|&ip| resolve(ip)).collect();
    pick_user_frames(frames, fold)
}

/// Every frame of a trace from the allocator's entry outward, innermost
/// first, nothing folded.
fn all_frames(ips: &[Ip]) -> Vec<Frame> {
    let mut frames: Vec<Frame> = ips.iter().flat_map(|&ip| resolve(ip)).collect();
    let start = frames
        .iter()
        .rposition(is_allocator_entry)
        .map_or(0, |i| i + 1);
    frames.drain(..start);
    frames
}

/// Where the user's code starts among the resolved frames of a trace: the
/// first frame that [`pick_user_frames`] keeps, or, if none, the first
/// past the allocator's entry.
fn first_user_frame(frames: &[&Frame], fold: &[String]) -> usize {
    let start = frames
        .iter()
        .rposition(|f| is_allocator_entry(f))
        .map_or(0, |i| i + 1);
    frames[start..]
        .iter()
        .position(|f| !is_folded(&f.function, f.file.as_deref(), fold))
        .map_or(start, |i| start + i)
}

/// The user's frames among the resolved frames of a trace, innermost
/// first.
///
/// Two steps, so that builds with line tables only (`debug =
/// "line-tables-only"`, a common profiling setting) name the user's line
/// too. There, a function inlined into another is named without its path
/// (`trace_unsynchronized<...>`, `make_index`), so its crate can't be read
/// from its name:
///
/// 1. Every frame up to the global allocator's entry (the `__rust_alloc`
///    family of symbols, or `CountingAlloc`'s own methods) is the capture
///    machinery: backtrace, memsize, the thread-locals in between. They are
///    dropped by position, whatever their names say.
/// 2. Of the rest, frames of std, memsize, the backtrace machinery and the
///    C runtime are folded away: by the crate in the function's path where
///    it has one, else by the source file.
fn pick_user_frames(frames: Vec<Frame>, fold: &[String]) -> Vec<Frame> {
    let start = frames
        .iter()
        .rposition(is_allocator_entry)
        .map_or(0, |i| i + 1);
    let mut user: Vec<Frame> = frames
        .into_iter()
        .skip(start)
        .filter(|f| !is_folded(&f.function, f.file.as_deref(), fold))
        .collect();
    user.dedup();
    user
}

/// The symbols through which every allocation enters the global allocator.
const ALLOCATOR_SHIMS: &[&str] = &[
    "__rust_alloc",
    "__rust_alloc_zeroed",
    "__rust_realloc",
    "__rust_dealloc",
];

/// Whether a frame is where the allocation entered the global allocator:
/// an allocator shim, or a `GlobalAlloc` method of `CountingAlloc`.
fn is_allocator_entry(frame: &Frame) -> bool {
    let function = frame.function.as_str();
    let last = function.rsplit("::").next().unwrap_or(function);
    if ALLOCATOR_SHIMS.contains(&last) {
        return true;
    }
    // `<memsize::alloc::CountingAlloc<A> as core::alloc::global::GlobalAlloc>::alloc`
    if function.contains("CountingAlloc<") && function.contains("GlobalAlloc>::") {
        return true;
    }
    // The same, inlined and named without its path: `alloc<std::alloc::System>`.
    let base = function.split('<').next().unwrap_or(function);
    matches!(base, "alloc" | "alloc_zeroed" | "realloc" | "dealloc")
        && frame
            .file
            .as_deref()
            .is_some_and(|f| in_crate_sources(f, "memsize") && f.ends_with("alloc/mod.rs"))
}

/// Crates whose frames are folded away.
const INTERNAL_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "memsize",
    "backtrace",
    "hashbrown",
    "test",
    "addr2line",
    "gimli",
    "miniz_oxide",
    "rustc_demangle",
];

/// Whether `file` is a source file of crate `krate`: under a directory
/// `krate/src/` or `krate-<version>/src/` (a checkout or cargo's registry).
fn in_crate_sources(file: &str, krate: &str) -> bool {
    let parts: Vec<&str> = file.split(['/', '\\']).collect();
    parts.windows(2).any(|w| {
        w[1] == "src"
            && (w[0] == krate
                || w[0]
                    .strip_prefix(krate)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit())))
    })
}

/// Whether a file is the standard library's source.
fn is_std_source(file: &str) -> bool {
    file.starts_with("/rustc/")
        || [
            "/library/std/",
            "/library/core/",
            "/library/alloc/",
            "/library/test/",
            "/library/panic_unwind/",
        ]
        .iter()
        .any(|l| file.contains(l))
}

/// Whether a frame is folded away: [internal](is_internal), or of one of
/// the crates the user named ([`TracingBuilder::fold_crates`]), by the
/// crate in the function's path or by the source file.
fn is_folded(function: &str, file: Option<&str>, fold: &[String]) -> bool {
    if is_internal(function, file) {
        return true;
    }
    if fold.is_empty() {
        return false;
    }
    let krate = crate_of(function);
    fold.iter().any(|name| {
        let path_name = name.replace('-', "_");
        krate == Some(path_name.as_str())
            || file.is_some_and(|f| in_crate_sources(f, name) || in_crate_sources(f, &path_name))
    })
}

/// The crate in a function's path: `bytes` in `bytes::BytesMut::reserve`
/// and in `<bytes::BytesMut as bytes::BufMut>::put_slice`; none for a name
/// without a path.
fn crate_of(function: &str) -> Option<&str> {
    let path = match function.strip_prefix('<') {
        Some(rest) => {
            let self_ty = rest.split(" as ").next().unwrap_or(rest);
            self_ty
                .trim_start_matches(['&', '*', '[', '('])
                .trim_start_matches("mut ")
        }
        None => function,
    };
    let path = path.split('<').next().unwrap_or(path);
    path.split_once("::").map(|(krate, _)| krate)
}

/// Whether a frame is memsize's, the standard library's, the backtrace
/// machinery's or the C runtime's.
fn is_internal(function: &str, file: Option<&str>) -> bool {
    if file.is_some_and(is_std_source) {
        return true;
    }
    // `<T as Trait>::method`: judge by `T` (a user type's trait impl is the
    // user's code; a primitive's or std type's is not).
    let path = match function.strip_prefix('<') {
        Some(rest) => {
            let self_ty = rest.split(" as ").next().unwrap_or(rest);
            self_ty
                .trim_start_matches(['&', '*', '[', '('])
                .trim_start_matches("mut ")
        }
        None => function,
    };
    // The path ends where generic arguments begin: in
    // `trace_unsynchronized<memsize::...>` the `::` is an argument's.
    let path = path.split('<').next().unwrap_or(path);
    let Some((krate, _)) = path.split_once("::") else {
        // No path: an inlined function in a build with line tables only,
        // or a C symbol (`main`, `__libc_start_main`, `start_thread`). The
        // source file tells: a Rust file outside the folded crates is the
        // user's; no file, or a C one, is not.
        return match file {
            Some(file) if file.ends_with(".rs") => INTERNAL_CRATES
                .iter()
                .any(|krate| in_crate_sources(file, krate)),
            _ => true,
        };
    };
    // A user crate may be named like a std crate (an example `alloc.rs` is
    // crate `alloc`): with a source file outside the standard library, it
    // is the user's.
    if matches!(krate, "std" | "core" | "alloc") && file.is_some() {
        return false;
    }
    // memsize's own unit tests are user code to themselves.
    if krate == "memsize" && path.contains("::tests::") {
        return false;
    }
    INTERNAL_CRATES.contains(&krate) || krate.starts_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;
    use std::vec;

    #[inline(never)]
    fn make_blocks(n: usize) -> (Vec<Vec<u8>>, u32) {
        let line = line!() + 1;
        let v = (0..n).map(|_| black_box(vec![0u8; 100])).collect();
        (v, line)
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri names frames without their crate, so folding by crate is not what it checks"
    )]
    fn the_site_is_the_users_line() {
        let tracing = Tracing::start();
        let (blocks, line) = make_blocks(10);
        let snap = tracing.snapshot();
        let top = snap.top_by_bytes(5);
        let site = &top[0];
        // Ten blocks, and the vector that collects them, on the same line.
        let outer = 10 * core::mem::size_of::<Vec<u8>>() as u64;
        assert_eq!(site.bytes, 1000 + outer, "{top:#?}");
        assert_eq!(site.count, 11, "{top:#?}");
        let frame = &site.site.frames[0];
        assert!(frame.function.contains("make_blocks"), "{frame}");
        // Files, lines and un-inlined closures need an unoptimized build
        // with debug info.
        if cfg!(debug_assertions) {
            assert!(
                frame.file.as_deref().unwrap().ends_with("sites.rs"),
                "{frame}"
            );
            assert_eq!(frame.line, Some(line), "{frame}");
            // The folded traceback goes on into this test.
            let tb = snap.statistics(GroupBy::Traceback);
            let tb = tb.iter().find(|s| s.bytes == 1000).unwrap();
            assert!(tb.site.frames[0]
                .function
                .contains("make_blocks::{{closure}}"));
            assert!(
                tb.site.frames[1..]
                    .iter()
                    .any(|f| f.function.contains("the_site_is_the_users_line")),
                "{}",
                tb.site
            );
        }
        drop(blocks);
        let after = tracing.snapshot();
        assert_eq!(
            after.top_by_bytes(5).iter().map(|s| s.bytes).sum::<u64>(),
            after.bytes()
        );
        assert!(after.statistics(GroupBy::Line).iter().all(|s| !s
            .site
            .frames
            .iter()
            .any(|f| f.function.contains("make_blocks"))));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri names frames without their crate, so folding by crate is not what it checks"
    )]
    fn compare_to_shows_what_grew_and_what_shrank() {
        let tracing = Tracing::start();
        let (a, _) = make_blocks(3);
        let old = tracing.snapshot();
        drop(a);
        let b = black_box(vec![0u64; 50]);
        let new = tracing.snapshot();
        let diff = new.compare_to(&old, GroupBy::Line);
        let grown = diff
            .iter()
            .find(|d| d.bytes_diff == 400)
            .expect("the vector");
        assert_eq!((grown.count, grown.count_diff), (1, 1));
        // Three blocks, and the vector that held them, on one line.
        let blocks = -(300 + 3 * core::mem::size_of::<Vec<u8>>() as i64);
        let gone = diff
            .iter()
            .find(|d| d.bytes_diff == blocks)
            .unwrap_or_else(|| panic!("{diff:#?}"));
        assert_eq!((gone.bytes, gone.count_diff), (0, -4));
        assert!(grown.to_string().contains("(+400 B)"), "{grown}");
        drop(b);
    }

    #[test]
    fn tracing_does_not_change_the_figures() {
        let work = || {
            let mut v: Vec<u32> = Vec::with_capacity(2);
            v.extend(0..100);
            let s = black_box(std::string::String::from("hello"));
            drop(s);
            v
        };
        let (v1, plain) = crate::alloc::measure(work);
        let (v2, traced, snap) = trace(work);
        // Usable sizes depend on the heap's state (a realloc in place or
        // not), so they are left out.
        let requested = |s: AllocStats| AllocStats {
            usable_bytes_allocated: None,
            usable_bytes_freed: None,
            ..s
        };
        assert_eq!(requested(plain), requested(traced));
        // A realloc moves the block, with its site: one live vector.
        assert_eq!(snap.count(), 1);
        assert_eq!(snap.bytes(), v2.capacity() as u64 * 4);
        drop((v1, v2));
    }

    #[test]
    fn an_inner_tracing_sees_only_its_own() {
        let outer = Tracing::start();
        let a = black_box(vec![0u8; 10]);
        let inner = Tracing::start();
        let b = black_box(vec![0u8; 20]);
        assert_eq!(inner.snapshot().bytes(), 20);
        assert_eq!(outer.snapshot().bytes(), 30);
        drop(inner);
        drop(outer);
        LOCAL.with(|l| assert_eq!(l.sites_depth.get(), 0));
        TABLE.with(|t| assert!(t.borrow().live.is_empty()));
        drop((a, b));
    }

    fn frame(function: &str, file: Option<&str>, line: u32) -> Frame {
        Frame {
            function: function.to_owned(),
            file: file.map(ToOwned::to_owned),
            line: Some(line),
        }
    }

    /// The frames of one allocation as resolved in a build with
    /// `debug = "line-tables-only"` (read from a real run): inlined
    /// functions are named without their path.
    fn line_tables_only_trace() -> Vec<Frame> {
        const BT: &str = "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/backtrace-0.3.77/src/backtrace";
        const MS: &str = "/home/u/memsize/memsize/src/alloc";
        const STD: &str = "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library";
        vec![
            frame("trace", Some(&std::format!("{BT}/libunwind.rs")), 117),
            frame(
                "trace_unsynchronized<memsize::alloc::sites::{impl#2}::insert::{closure_env#0}>",
                Some(&std::format!("{BT}/mod.rs")),
                66,
            ),
            frame("backtrace::backtrace::trace", Some(&std::format!("{BT}/mod.rs")), 53),
            frame("memsize::alloc::sites::Table::insert", Some(&std::format!("{MS}/sites.rs")), 89),
            frame(
                "try_with<core::cell::RefCell<memsize::alloc::sites::Table>, memsize::alloc::sites::record::{closure_env#0}, ()>",
                Some(&std::format!("{STD}/std/src/thread/local.rs")),
                513,
            ),
            frame("record", Some(&std::format!("{MS}/mod.rs")), 379),
            frame("memsize::alloc::dispatch", Some(&std::format!("{MS}/mod.rs")), 282),
            frame(
                "<memsize::alloc::CountingAlloc<A> as core::alloc::global::GlobalAlloc>::alloc_zeroed",
                Some(&std::format!("{MS}/mod.rs")),
                182,
            ),
            frame("__rustc::__rust_alloc_zeroed", Some(&std::format!("{MS}/mod.rs")), 96),
            frame("alloc_zeroed", Some(&std::format!("{STD}/alloc/src/alloc.rs")), 178),
            frame(
                "from_elem<alloc::alloc::Global>",
                Some(&std::format!("{STD}/alloc/src/vec/spec_from_elem.rs")),
                51,
            ),
            frame("alloc::vec::from_elem", Some(&std::format!("{STD}/alloc/src/vec/mod.rs")), 3651),
            frame("make_index<u32>", Some("/home/u/app/src/index.rs"), 42),
            frame("app::index::build::{{closure}}", Some("/home/u/app/src/index.rs"), 17),
            frame("core::ops::function::FnOnce::call_once", Some(&std::format!("{STD}/core/src/ops/function.rs")), 250),
            frame("app::main", Some("/home/u/app/src/main.rs"), 5),
            frame("main", None, 0),
            frame("__libc_start_main", None, 0),
            frame("start_thread", Some("./nptl/pthread_create.c"), 442),
        ]
    }

    #[test]
    fn line_tables_only_names_the_users_line() {
        let user = pick_user_frames(line_tables_only_trace(), &[]);
        let lines: Vec<_> = user
            .iter()
            .map(|f| (f.function.as_str(), f.line.unwrap()))
            .collect();
        assert_eq!(
            lines,
            [
                ("make_index<u32>", 42),
                ("app::index::build::{{closure}}", 17),
                ("app::main", 5),
            ]
        );
    }

    #[test]
    fn named_crates_fold_by_path_and_by_file() {
        const BYTES: &str =
            "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/bytes-1.10.1/src";
        let mut trace = line_tables_only_trace();
        let at = trace
            .iter()
            .position(|f| f.function == "make_index<u32>")
            .unwrap();
        let bytes_frames = [
            frame(
                "bytes::bytes_mut::BytesMut::reserve_inner",
                Some(&std::format!("{BYTES}/bytes_mut.rs")),
                640,
            ),
            // Inlined, named without its path: known by its file.
            frame("reserve", Some(&std::format!("{BYTES}/bytes_mut.rs")), 590),
            frame(
                "<bytes::bytes_mut::BytesMut as bytes::buf::buf_mut::BufMut>::put_slice",
                None,
                1200,
            ),
        ];
        for (i, f) in bytes_frames.into_iter().enumerate() {
            trace.insert(at + i, f);
        }
        let plain = pick_user_frames(trace.clone(), &[]);
        assert_eq!(
            plain[0].function,
            "bytes::bytes_mut::BytesMut::reserve_inner"
        );
        let folded = pick_user_frames(trace.clone(), &["bytes".to_owned()]);
        assert_eq!(folded[0].function, "make_index<u32>");
        assert_eq!(folded.len(), 3);
        // A crate named with a dash folds its underscored path too.
        assert!(is_folded(
            "tokio_util::codec::Framed::poll",
            None,
            &["tokio-util".to_owned()]
        ));
        assert!(is_folded(
            "poll_read",
            Some("/r/tokio-util-0.7.15/src/io/read_buf.rs"),
            &["tokio-util".to_owned()]
        ));
        assert!(!is_folded(
            "<app::Conn as tokio::io::AsyncRead>::poll_read",
            None,
            &["tokio".to_owned()]
        ));
        let refs: Vec<&Frame> = trace.iter().collect();
        let start = first_user_frame(&refs, &["bytes".to_owned()]);
        assert_eq!(trace[start].function, "make_index<u32>");
    }

    #[test]
    fn without_the_allocator_entry_frames_fold_by_file() {
        // Say the shim and the methods were inlined away (fat LTO): the
        // file still tells the machinery's short-named frames apart.
        let mut trace = line_tables_only_trace();
        trace.retain(|f| !is_allocator_entry(f));
        let user = pick_user_frames(trace, &[]);
        assert_eq!(user[0].function, "make_index<u32>");
        assert!(!user.iter().any(|f| f.function.starts_with("trace")));
        // The short-named `record` in memsize's own file, and the C start
        // symbols, fold away too.
        assert!(!user
            .iter()
            .any(|f| f.function == "record" || f.function == "main"));
    }

    #[test]
    fn crate_sources_by_directory() {
        let bt = "/r/index.crates.io-1949cf8c6b5b557f/backtrace-0.3.77/src/backtrace/mod.rs";
        assert!(in_crate_sources(bt, "backtrace"));
        assert!(in_crate_sources(
            "/w/memsize/memsize/src/alloc/mod.rs",
            "memsize"
        ));
        assert!(in_crate_sources("memsize/src/alloc/mod.rs", "memsize"));
        // A checkout named after the crate holds user code outside `src/`.
        assert!(!in_crate_sources(
            "/w/memsize/tests/tests/alloc_sites.rs",
            "memsize"
        ));
        assert!(!in_crate_sources(
            "/w/backtrace-tools/src/main.rs",
            "backtrace"
        ));
        assert!(!in_crate_sources("/w/app/src/main.rs", "memsize"));
    }

    #[test]
    fn folds_std_and_memsize_frames() {
        assert!(is_internal("alloc::vec::Vec<T>::push", None));
        assert!(is_internal(
            "<alloc::vec::Vec<T> as core::clone::Clone>::clone",
            None
        ));
        assert!(is_internal(
            "<str as alloc::string::ToString>::to_string",
            None
        ));
        assert!(is_internal("memsize::alloc::measure", None));
        assert!(is_internal("main", None));
        assert!(is_internal(
            "myapp::f",
            Some("/rustc/abc/library/core/src/x.rs")
        ));
        assert!(!is_internal("myapp::build_index", Some("src/main.rs")));
        assert!(!is_internal(
            "<myapp::Index as core::clone::Clone>::clone",
            None
        ));
        assert!(!is_internal("alloc_sites::make::{{closure}}", None));
        assert!(!is_internal(
            "alloc::build_index",
            Some("memsize/examples/alloc.rs")
        ));
        assert!(is_internal(
            "alloc::vec::Vec<T>::push",
            Some("/x/library/alloc/src/vec/mod.rs")
        ));
    }
}
