//! The cost of the counting allocator: alloc/free pairs through `System`
//! directly and through `CountingAlloc<System>`, on one and two threads,
//! with and without an open measurement.
//!
//! Run with `cargo bench -p memsize-benches --bench alloc`. Each figure is
//! the best of several rounds, in nanoseconds per alloc/free pair; the
//! ratios compare against `System` in the same run.

use memsize::alloc::{CountingAlloc, Measurement, SharedMeasurement};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Pairs per round and thread.
const PAIRS: u32 = 2_000_000;
/// Rounds; the best one is reported.
const ROUNDS: u32 = 9;

/// The sizes cycled through, so the allocator's size classes all play.
const SIZES: [usize; 4] = [16, 64, 256, 1024];

/// `PAIRS` alloc/free pairs through `a`.
#[inline(never)]
fn pairs<A: GlobalAlloc>(a: &A) {
    for i in 0..PAIRS {
        let layout = Layout::from_size_align(SIZES[i as usize % SIZES.len()], 8).unwrap();
        // SAFETY: the layout has a non-zero size; the pointer is freed with
        // the same layout, once, by the allocator that made it.
        unsafe {
            let p = black_box(a.alloc(layout));
            assert!(!p.is_null());
            a.dealloc(p, layout);
        }
    }
}

/// What each thread keeps open while it runs its pairs.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Nothing,
    PerThread,
    Shared,
}

/// The best round, in nanoseconds per pair, of `threads` threads each
/// running [`pairs`] through `a` with `open` open.
fn bench<A: GlobalAlloc + Sync>(a: &A, threads: usize, open: Open) -> f64 {
    let mut best = Duration::MAX;
    let shared = (open == Open::Shared).then(SharedMeasurement::start);
    for _ in 0..ROUNDS {
        let barrier = Barrier::new(threads);
        let handle = shared.as_ref().map(|m| m.handle());
        let elapsed = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let barrier = &barrier;
                    let handle = handle.clone();
                    s.spawn(move || {
                        let _entered = handle.as_ref().map(|h| h.enter());
                        let _m = (open == Open::PerThread).then(Measurement::start);
                        barrier.wait();
                        let start = Instant::now();
                        pairs(a);
                        start.elapsed()
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
    }
    best.as_nanos() as f64 / f64::from(PAIRS)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` doesn't: then
    // just check that everything runs.
    if !std::env::args().any(|a| a == "--bench") {
        pairs(&System);
        pairs(&GLOBAL);
        println!("alloc benchmark: smoke run ok (run with `cargo bench` to measure)");
        return;
    }
    println!("ns per alloc/free pair (best of {ROUNDS} rounds of {PAIRS} pairs per thread)");
    println!(
        "{:<44} {:>9} {:>9}",
        "configuration", "1 thread", "2 threads"
    );
    let mut base = [0.0; 2];
    let rows: [(&str, &dyn Fn(usize) -> f64); 4] = [
        ("System", &|t| bench(&System, t, Open::Nothing)),
        ("CountingAlloc, no measurement open", &|t| {
            bench(&GLOBAL, t, Open::Nothing)
        }),
        ("CountingAlloc, per-thread measurement open", &|t| {
            bench(&GLOBAL, t, Open::PerThread)
        }),
        ("CountingAlloc, shared measurement (atomics)", &|t| {
            bench(&GLOBAL, t, Open::Shared)
        }),
    ];
    for (i, (name, run)) in rows.iter().enumerate() {
        let one = run(1);
        let two = run(2);
        if i == 0 {
            base = [one, two];
            println!("{name:<44} {one:>9.2} {two:>9.2}");
        } else {
            println!(
                "{name:<44} {one:>9.2} {two:>9.2}   ratio to System: {:.3} / {:.3}",
                one / base[0],
                two / base[1]
            );
        }
    }
}
