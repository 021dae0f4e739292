//! What the registry of roots costs a running service: a publication (a
//! measurement of every root, the report, the gauges set through the
//! Prometheus recorder) of a state of a million records next to that
//! state's `heap_size()`, in time and in memory; the worst wait a worker
//! saw for the state's lock while publications ran; and what registering
//! costs the service when nothing publishes.
//!
//! Run with `cargo bench -p memsize-benches --bench registry`;
//! `cargo test -p memsize-benches --bench registry` is a smoke run on small
//! data.

use std::alloc::System;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use memsize::alloc::{measure, CountingAlloc};
use memsize::registry::{MetricsOptions, Publisher, Registry};
use memsize::{Report, SizeOf};
use memsize_benches::data::{self, Record};
use memsize_benches::rng::Rng;
use metrics_exporter_prometheus::PrometheusBuilder;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

type State = Arc<RwLock<HashMap<u64, Record>>>;

fn state(n: usize) -> State {
    let mut rng = Rng::new(17);
    let map = (0..n as u64)
        .map(|i| (i, data::record(&mut rng, i, true)))
        .collect();
    Arc::new(RwLock::new(map))
}

/// The median and the smallest of `rounds` timings of `f`.
fn time(rounds: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[t.len() / 2], t[0])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// The waits of a worker that takes the state's write lock in a loop (a
/// brief critical section, then a pause of `pause`) while `busy` says
/// whether publications run: the longest, and the 99th percentile.
fn worker_waits(s: &State, run: Duration, pause: Duration) -> (Duration, Duration, usize) {
    let mut waits = Vec::new();
    let end = Instant::now() + run;
    while Instant::now() < end {
        let start = Instant::now();
        let mut map = s.write().unwrap();
        waits.push(start.elapsed());
        // A change that leaves the state's size as it was.
        if let Some(r) = map.get_mut(&1) {
            r.id = black_box(r.id);
        }
        drop(map);
        std::thread::sleep(pause);
    }
    waits.sort();
    let p99 = waits[waits.len() * 99 / 100];
    (*waits.last().unwrap(), p99, waits.len())
}

/// `--profile=<heap|report|publish>`: 100,000 records measured that way
/// 5 times and nothing else, for `valgrind --tool=callgrind`.
fn profiled(what: &str) {
    let s = state(100_000);
    let registry = Registry::new();
    let _users = registry.register_arc("users", &s);
    for _ in 0..5 {
        match what {
            "heap" => drop(black_box(s.heap_size())),
            "report" => drop(black_box(Report::builder().root("users", &s).build())),
            "publish" => drop(black_box(registry.publish_once(&MetricsOptions::default()))),
            _ => panic!("--profile=heap, report or publish"),
        }
    }
}

fn main() {
    if let Some(what) =
        std::env::args().find_map(|a| a.strip_prefix("--profile=").map(String::from))
    {
        return profiled(&what);
    }
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 1_000_000 } else { 10_000 };
    let rounds = if full { 11 } else { 3 };
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .expect("installing the Prometheus recorder");

    let s = state(n);
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let _users = registry.register_arc("users", &s);
    let options = MetricsOptions::default();
    let heap = s.heap_size();
    println!("state: HashMap<u64, Record> × {n} behind Arc<RwLock<_>>, heap {heap} B");

    // Time: heap_size(), a report, a publication, a scrape.
    let (heap_t, heap_min) = time(rounds, || {
        black_box(black_box(&s).heap_size());
    });
    let (report_t, report_min) = time(rounds, || {
        black_box(Report::builder().root("users", black_box(&s)).build());
    });
    let mut series = 0;
    let mut measure_t = Vec::new();
    let (publish_t, publish_min) = time(rounds, || {
        let p = registry.publish_once(&options);
        series = p.series;
        measure_t.push(p.measure);
        black_box(p);
    });
    let (render_t, _) = time(rounds, || {
        black_box(handle.render());
    });
    let text = handle.render();
    let scraped = text.lines().filter(|l| l.starts_with("memsize_")).count();
    println!();
    println!("| what | median | fastest | ÷ heap_size() (median) |");
    println!("|---|---|---|---|");
    let ratio = |d: Duration| d.as_secs_f64() / heap_t.as_secs_f64();
    println!(
        "| `heap_size()` | {} | {} | 1.00× |",
        ms(heap_t),
        ms(heap_min)
    );
    println!(
        "| `Report::builder().root(..).build()` | {} | {} | {:.2}× |",
        ms(report_t),
        ms(report_min),
        ratio(report_t)
    );
    println!(
        "| `registry.publish_once()` (report + {series} series set) | {} | {} | {:.2}× |",
        ms(publish_t),
        ms(publish_min),
        ratio(publish_t)
    );
    println!(
        "| Prometheus scrape (`PrometheusHandle::render`, {scraped} memsize lines) | {} | | |",
        us(render_t)
    );

    // Memory: what a publication allocates at its peak, above what was live.
    let (_, stats) = measure(|| black_box(registry.publish_once(&options)));
    let (_, heap_stats) = measure(|| black_box(s.heap_size()));
    println!();
    println!(
        "memory: a publication peaks at {} B above what was live ({:.4}% of the state's heap), \
         and keeps {} B; heap_size() peaks at {} B",
        stats.peak_bytes,
        stats.peak_bytes as f64 * 100.0 / heap as f64,
        stats.net_bytes,
        heap_stats.peak_bytes,
    );

    // The worst wait of a worker that takes the state's write lock, with
    // publications running back to back on another thread, and without.
    let run = Duration::from_secs(if full { 10 } else { 1 });
    let pause = Duration::from_micros(200);
    let (idle_max, idle_p99, idle_n) = worker_waits(&s, run, pause);
    let stop = AtomicBool::new(false);
    let (busy, publications) = std::thread::scope(|scope| {
        let publisher = scope.spawn(|| {
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                black_box(registry.publish_once(&options));
                k += 1;
            }
            k
        });
        let waits = worker_waits(&s, run, pause);
        stop.store(true, Ordering::Relaxed);
        (waits, publisher.join().unwrap())
    });
    // The same with a `Publisher` asked for a publication every
    // millisecond: it pauses as long as each one took.
    let publisher = Publisher::spawn_with(registry, Duration::from_millis(1), options);
    let paced = worker_waits(&s, run, pause);
    drop(publisher);
    let reader = {
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    black_box(registry.publish_once(&options));
                }
            });
            let mut worst = Duration::ZERO;
            let end = Instant::now() + run;
            while Instant::now() < end {
                let start = Instant::now();
                let map = s.read().unwrap();
                worst = worst.max(start.elapsed());
                black_box(map.len());
                drop(map);
                std::thread::sleep(pause);
            }
            stop.store(true, Ordering::Relaxed);
            worst
        })
    };
    println!();
    println!("| worker | publications meanwhile | lock takes | worst wait | 99th percentile |");
    println!("|---|---|---|---|---|");
    println!(
        "| writer, no publication | 0 | {idle_n} | {} | {} |",
        us(idle_max),
        us(idle_p99)
    );
    println!(
        "| writer, publications back to back | {publications} | {} | {} | {} |",
        busy.2,
        ms(busy.0),
        us(busy.1)
    );
    println!(
        "| writer, a `Publisher` every 1 ms (paused as long as each took) | | {} | {} | {} |",
        paced.2,
        ms(paced.0),
        us(paced.1)
    );
    println!(
        "| reader, publications back to back | | | {} | |",
        us(reader)
    );
    let median_measure = {
        measure_t.sort();
        measure_t[measure_t.len() / 2]
    };
    println!(
        "(a writer waits at most for one measurement of the map's contents: median measurement {})",
        ms(median_measure)
    );

    // With nothing publishing, registering costs the service nothing: the
    // same writes, timed with the root registered and without, in
    // alternating rounds so that a busy machine slows both alike.
    drop(_users);
    let writes = if full { 200_000 } else { 2_000 };
    let write_loop = |s: &State| {
        let start = Instant::now();
        for i in 0..writes {
            let mut map = s.write().unwrap();
            if let Some(r) = map.get_mut(&(i % 1000)) {
                r.id = black_box(r.id);
            }
        }
        start.elapsed()
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Each first in every other round.
        if round % 2 == 1 {
            without.push(write_loop(&s));
        }
        let users = registry.register_arc("users", &s);
        with.push(write_loop(&s));
        drop(users);
        if round % 2 == 0 {
            without.push(write_loop(&s));
        }
    }
    with.sort();
    without.sort();
    let (with, without) = (with[rounds / 2], without[rounds / 2]);
    println!();
    println!(
        "{writes} writes under the lock, medians: {} registered, {} unregistered ({:+.1}%)",
        ms(with),
        ms(without),
        (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
    );
    assert!(registry.is_empty());
}
