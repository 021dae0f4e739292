//! The cost of counting allocators: memsize's `CountingAlloc` and its peers,
//! each installed as the global allocator, against `System`.
//!
//! A global allocator is chosen at build time, so this bench is one binary
//! per allocator, picked by a cargo feature: none for `System`,
//! `alloc-memsize` (`alloc-memsize-sites` for memsize with allocation sites
//! and the modes that trace them), `alloc-allocation-counter`, `alloc-stats-alloc`,
//! `alloc-peak-alloc`, `alloc-cap`, `alloc-dhat`. `alloc-peers.sh` (next to
//! this crate's `Cargo.toml`) builds them all, runs them in turn, and prints
//! one table with the ratios to the `System` binary of the same run.
//!
//! One binary alone: `cargo bench -p memsize-benches --bench alloc
//! --features alloc-memsize`; it prints one line per figure, tab-separated:
//! allocator, mode, workload, threads, nanoseconds per operation.
//!
//! Arguments after `--` pick figures by mode, workload and thread count,
//! e.g. `-- "measuring alloc/free pair 1"`, for a profiler
//! (`valgrind --tool=callgrind`; the workloads are the functions `pairs`,
//! `vec_growth` and `small_strings`).
//!
//! The workloads go through the global allocator as programs do
//! ([`std::alloc::alloc`], `Vec`, `String`). Modes: `idle` (the allocator
//! installed, no measurement open) and `measuring` (the allocator's own way
//! of measuring open on every thread, or once for the process where it has
//! no other). With `alloc-memsize-sites`, `sites`: a `Tracing` open on every
//! thread, a backtrace captured for every allocation, the same work as
//! dhat-rs's `measuring` (its heap profiler, which captures one for every
//! allocation too). And `sampled`: the same, sampled by bytes at the
//! default rate (one sample per 512 KiB on average). stats_alloc,
//! peak_alloc and cap count on every call whether or not anyone reads the
//! counts, so their two modes run the same code.

use std::alloc::Layout;
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[cfg(any(
    all(feature = "alloc-memsize", feature = "alloc-allocation-counter"),
    all(feature = "alloc-memsize", feature = "alloc-stats-alloc"),
    all(feature = "alloc-memsize", feature = "alloc-peak-alloc"),
    all(feature = "alloc-memsize", feature = "alloc-cap"),
    all(feature = "alloc-memsize", feature = "alloc-dhat"),
    all(feature = "alloc-allocation-counter", feature = "alloc-stats-alloc"),
    all(feature = "alloc-allocation-counter", feature = "alloc-peak-alloc"),
    all(feature = "alloc-allocation-counter", feature = "alloc-cap"),
    all(feature = "alloc-allocation-counter", feature = "alloc-dhat"),
    all(feature = "alloc-stats-alloc", feature = "alloc-peak-alloc"),
    all(feature = "alloc-stats-alloc", feature = "alloc-cap"),
    all(feature = "alloc-stats-alloc", feature = "alloc-dhat"),
    all(feature = "alloc-peak-alloc", feature = "alloc-cap"),
    all(feature = "alloc-peak-alloc", feature = "alloc-dhat"),
    all(feature = "alloc-cap", feature = "alloc-dhat"),
))]
compile_error!("the alloc bench takes one `alloc-*` feature at a time: one global allocator");

/// The allocator under test, and how it measures.
mod under_test {
    #[cfg(feature = "alloc-memsize")]
    mod imp {
        use memsize::alloc::{CountingAlloc, MeasureHandle, Measurement, SharedMeasurement};
        use std::alloc::System;

        #[global_allocator]
        static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

        #[cfg(not(feature = "alloc-memsize-sites"))]
        pub const NAME: &str = "memsize";
        #[cfg(not(feature = "alloc-memsize-sites"))]
        pub const MODES: &[&str] = &["idle", "measuring", "measuring shared"];
        /// With sites compiled in: the same modes, and tracing every
        /// allocation's site.
        #[cfg(feature = "alloc-memsize-sites")]
        pub const NAME: &str = "memsize+sites";
        #[cfg(feature = "alloc-memsize-sites")]
        pub const MODES: &[&str] = &["idle", "measuring", "measuring shared", "sites", "sampled"];

        /// What a measurement of the whole run holds.
        pub type Process = Option<SharedMeasurement>;

        pub fn open_process(mode: &str) -> Process {
            (mode == "measuring shared").then(SharedMeasurement::start)
        }

        /// What a worker thread takes along: a handle on the shared
        /// measurement, if any.
        pub type Token = Option<MeasureHandle>;

        pub fn token(process: &Process) -> Token {
            process.as_ref().map(SharedMeasurement::handle)
        }

        /// Runs `f` on a worker thread, measured as `mode` says.
        pub fn on_thread<R>(mode: &str, token: Token, f: impl FnOnce() -> R) -> R {
            match (mode, token) {
                #[cfg(feature = "alloc-memsize-sites")]
                ("sites", _) => {
                    let t = memsize::alloc::sites::Tracing::start();
                    let r = f();
                    std::hint::black_box(t.finish());
                    r
                }
                #[cfg(feature = "alloc-memsize-sites")]
                ("sampled", _) => {
                    let t = memsize::alloc::sites::Tracing::builder().sampled().start();
                    let r = f();
                    std::hint::black_box(t.finish());
                    r
                }
                ("measuring", _) => {
                    let m = Measurement::start();
                    let r = f();
                    std::hint::black_box(m.finish());
                    r
                }
                (_, Some(handle)) => handle.in_scope(f),
                _ => f(),
            }
        }
    }

    #[cfg(feature = "alloc-allocation-counter")]
    mod imp {
        // The crate installs its own global allocator.
        pub const NAME: &str = "allocation-counter";
        pub const MODES: &[&str] = &["idle", "measuring"];
        pub type Process = super::Nothing;

        pub fn open_process(_: &str) -> Process {
            super::Nothing
        }

        pub type Token = super::Nothing;

        pub fn token(_: &Process) -> Token {
            super::Nothing
        }

        pub fn on_thread<R>(mode: &str, _: Token, f: impl FnOnce() -> R) -> R {
            if mode == "measuring" {
                let mut r = None;
                std::hint::black_box(allocation_counter::measure(|| r = Some(f())));
                r.expect("measure runs the closure")
            } else {
                f()
            }
        }
    }

    /// The allocators that count on every call, for the whole process.
    #[cfg(any(
        feature = "alloc-stats-alloc",
        feature = "alloc-peak-alloc",
        feature = "alloc-cap"
    ))]
    mod imp {
        #[cfg(feature = "alloc-stats-alloc")]
        #[global_allocator]
        static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> =
            &stats_alloc::INSTRUMENTED_SYSTEM;
        #[cfg(feature = "alloc-stats-alloc")]
        pub const NAME: &str = "stats_alloc";
        #[cfg(feature = "alloc-stats-alloc")]
        fn read() -> usize {
            stats_alloc::Region::new(GLOBAL).change().bytes_allocated
        }

        #[cfg(feature = "alloc-peak-alloc")]
        #[global_allocator]
        static GLOBAL: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;
        #[cfg(feature = "alloc-peak-alloc")]
        pub const NAME: &str = "peak_alloc";
        #[cfg(feature = "alloc-peak-alloc")]
        fn read() -> usize {
            GLOBAL.peak_usage()
        }

        #[cfg(feature = "alloc-cap")]
        #[global_allocator]
        static GLOBAL: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);
        #[cfg(feature = "alloc-cap")]
        pub const NAME: &str = "cap";
        #[cfg(feature = "alloc-cap")]
        fn read() -> usize {
            GLOBAL.allocated()
        }

        pub const MODES: &[&str] = &["idle", "measuring"];
        pub type Process = super::Nothing;

        pub fn open_process(_: &str) -> Process {
            super::Nothing
        }

        pub type Token = super::Nothing;

        pub fn token(_: &Process) -> Token {
            super::Nothing
        }

        /// The counters run either way; measuring reads them at the end.
        pub fn on_thread<R>(mode: &str, _: Token, f: impl FnOnce() -> R) -> R {
            let r = f();
            if mode == "measuring" {
                std::hint::black_box(read());
            }
            r
        }
    }

    #[cfg(feature = "alloc-dhat")]
    mod imp {
        #[global_allocator]
        static GLOBAL: dhat::Alloc = dhat::Alloc;

        pub const NAME: &str = "dhat";
        pub const MODES: &[&str] = &["idle", "measuring"];
        /// dhat's heap profiler is one for the process; testing mode keeps
        /// the counts in memory and writes no file.
        pub type Process = Option<dhat::Profiler>;

        pub fn open_process(mode: &str) -> Process {
            (mode == "measuring").then(|| dhat::Profiler::builder().testing().build())
        }

        pub type Token = super::Nothing;

        pub fn token(_: &Process) -> Token {
            super::Nothing
        }

        pub fn on_thread<R>(_: &str, _: Token, f: impl FnOnce() -> R) -> R {
            f()
        }
    }

    #[cfg(not(any(
        feature = "alloc-memsize",
        feature = "alloc-allocation-counter",
        feature = "alloc-stats-alloc",
        feature = "alloc-peak-alloc",
        feature = "alloc-cap",
        feature = "alloc-dhat"
    )))]
    mod imp {
        // No `#[global_allocator]`: Rust's default, `System`.
        pub const NAME: &str = "System";
        pub const MODES: &[&str] = &["idle"];
        pub type Process = super::Nothing;

        pub fn open_process(_: &str) -> Process {
            super::Nothing
        }

        pub type Token = super::Nothing;

        pub fn token(_: &Process) -> Token {
            super::Nothing
        }

        pub fn on_thread<R>(_: &str, _: Token, f: impl FnOnce() -> R) -> R {
            f()
        }
    }

    pub use imp::*;

    /// What a worker thread takes along, or the run holds open, where the
    /// allocator needs nothing.
    #[allow(dead_code)]
    pub struct Nothing;
}

/// The sizes the alloc/free pairs cycle through, so that several of the
/// allocator's size classes play.
const SIZES: [usize; 4] = [16, 64, 256, 1024];

/// `n` alloc/free pairs through the global allocator.
#[inline(never)]
fn pairs(n: u32) {
    for i in 0..n {
        let layout = Layout::from_size_align(SIZES[i as usize % SIZES.len()], 8).unwrap();
        // SAFETY: the layout has a non-zero size; the pointer is freed with
        // the same layout, once, by the allocator that made it.
        unsafe {
            let p = black_box(std::alloc::alloc(layout));
            assert!(!p.is_null());
            std::alloc::dealloc(p, layout);
        }
    }
}

/// `n` vectors grown by pushing to 256 `u64`s, then dropped: 7 growths
/// (a first allocation of 4 elements, then doublings) and a free each.
#[inline(never)]
fn vec_growth(n: u32) {
    for _ in 0..n {
        let mut v = Vec::new();
        for i in 0..256u64 {
            v.push(i);
        }
        black_box(&v);
    }
}

/// `n` small strings in batches of 16, each built by two pushes (an
/// allocation and a growth), kept in a vector, then dropped.
#[inline(never)]
fn small_strings(n: u32) {
    const PARTS: [&str; 4] = ["alpha", "beta-", "gamma", "delta"];
    for batch in 0..n / 16 {
        let mut v = Vec::with_capacity(16);
        for i in 0..16 {
            let mut s = String::new();
            s.push_str(PARTS[i % 4]);
            s.push_str(PARTS[(i + batch as usize) % 4]);
            s.push_str("-item");
            v.push(s);
        }
        black_box(&v);
    }
}

/// A workload: its name, the operations per round, and the function.
type Workload = (&'static str, u32, fn(u32));

const WORKLOADS: [Workload; 3] = [
    ("alloc/free pair", 50_000, pairs),
    ("Vec grown to 256", 2_000, vec_growth),
    ("small String", 16_000, small_strings),
];

/// Time per cell after its first rounds.
const BUDGET: Duration = Duration::from_millis(300);
/// Rounds per cell at least.
const MIN_ROUNDS: u32 = 5;

/// The best round, in nanoseconds per operation, of `threads` threads each
/// running `ops` operations of `f`, measured as `mode` says.
fn bench(mode: &str, threads: usize, ops: u32, f: fn(u32)) -> f64 {
    let process = under_test::open_process(mode);
    let process = &process;
    let mut best = Duration::MAX;
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || start.elapsed() < BUDGET {
        let barrier = Barrier::new(threads);
        let elapsed = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let barrier = &barrier;
                    let token = under_test::token(process);
                    s.spawn(move || {
                        under_test::on_thread(mode, token, || {
                            barrier.wait();
                            let start = Instant::now();
                            f(ops);
                            start.elapsed()
                        })
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap())
                .max()
                .unwrap()
        });
        best = best.min(elapsed);
        rounds += 1;
    }
    best.as_nanos() as f64 / f64::from(ops)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` doesn't: then
    // just check that every workload runs in every mode.
    let full = std::env::args().any(|a| a == "--bench");
    // Other arguments pick figures: those whose mode, workload and thread
    // count ("idle alloc/free pair 1") contain every one of them.
    let picks: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for &mode in under_test::MODES {
        for (workload, ops, f) in WORKLOADS {
            for threads in [1, 2] {
                let name = format!("{mode} {workload} {threads}");
                if !picks.iter().all(|p| name.contains(p.as_str())) {
                    continue;
                }
                if !full {
                    let process = under_test::open_process(mode);
                    under_test::on_thread(mode, under_test::token(&process), || f(ops / 100));
                    continue;
                }
                let ns = bench(mode, threads, ops, f);
                println!(
                    "{}\t{mode}\t{workload}\t{threads}\t{ns:.2}",
                    under_test::NAME
                );
            }
        }
    }
    if !full {
        println!(
            "alloc benchmark ({}): smoke run ok (run `alloc-peers.sh` to measure)",
            under_test::NAME
        );
    }
}
