//! How long `heap_size()` takes next to its peers and next to the physical
//! floor, and whether each figure is right.
//!
//! Run with `cargo bench -p memsize-benches --bench deep_size`, followed by
//! `-- <text>` to run only the cases whose title contains it. Each case
//! builds one value, then measures it in rounds: every round takes one
//! sample of every column (the floor, memsize, each peer), in a new random
//! order, so that a busy machine, or whatever one column leaves behind for
//! the next, slows all columns alike. A sample times a batch of calls long
//! enough to read the clock reliably; the figure is the median over the
//! rounds, per call. Ratios divide by the floor of the same case, in the
//! same run.
//!
//! The floor is a hand-written loop that computes the same heap figure from
//! the data directly (capacities times element sizes, summed over the
//! elements that own heap): what no general library can beat. For a
//! `BTreeMap` no plain loop yields the exact figure, so its floor is a bare
//! walk over the keys, the least any exact answer has to do.
//!
//! Correctness: every column's figure is printed next to memsize's, and
//! memsize's against the counting allocator, which sees what dropping the
//! value frees.

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hint::black_box;
use std::mem::{size_of, size_of_val};
use std::time::{Duration, Instant};

use allocative::Allocative;
use datasize::DataSize;
use deepsize::DeepSizeOf;
use get_size2::GetSize;
use mem_dbg::{MemSize, SizeFlags};
use memsize::alloc::CountingAlloc;
use memsize::SizeOf;
use typesize::TypeSize;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Wall time each case spends sampling, once every column has
/// [`MIN_ROUNDS`] samples.
const CASE_BUDGET: Duration = Duration::from_secs(8);
/// Rounds every case takes at least, whatever the budget.
const MIN_ROUNDS: usize = 9;
/// Rounds every case takes at most.
const MAX_ROUNDS: usize = 1001;
/// How long one sample (a batch of calls) should last.
const SAMPLE: Duration = Duration::from_micros(500);

/// The columns, in table order.
const COLUMNS: [&str; 9] = [
    "floor",
    "memsize",
    "deepsize",
    "get-size2",
    "mem_dbg",
    "mem_dbg CAPACITY",
    "datasize",
    "allocative",
    "typesize",
];
const FLOOR: usize = 0;
const MEMSIZE: usize = 1;

/// One way to compute a value's heap bytes; `None` where the crate has no
/// implementation for the type.
type Heap<T> = Option<fn(&T) -> usize>;

fn memsize_heap<T: SizeOf>(v: &T) -> usize {
    v.heap_size()
}

fn deepsize_heap<T: DeepSizeOf>(v: &T) -> usize {
    v.deep_size_of() - size_of_val(v)
}

fn get_size2_heap<T: GetSize>(v: &T) -> usize {
    v.get_heap_size()
}

fn mem_dbg_heap<T: MemSize>(v: &T) -> usize {
    v.mem_size(SizeFlags::default()) - size_of_val(v)
}

fn mem_dbg_capacity_heap<T: MemSize>(v: &T) -> usize {
    v.mem_size(SizeFlags::CAPACITY) - size_of_val(v)
}

fn datasize_heap<T: DataSize>(v: &T) -> usize {
    datasize::data_size(v)
}

fn allocative_heap<T: Allocative>(v: &T) -> usize {
    allocative::size_of_unique_allocated_data(v)
}

fn typesize_heap<T: TypeSize>(v: &T) -> usize {
    v.extra_size()
}

/// The columns after the floor, for a type every crate implements.
macro_rules! columns {
    ($floor:expr, $t:ty) => {
        columns!($floor, $t, Some(typesize_heap::<$t>))
    };
    ($floor:expr, $t:ty, $typesize:expr) => {
        [
            Some($floor as fn(&$t) -> usize),
            Some(memsize_heap::<$t>),
            Some(deepsize_heap::<$t>),
            Some(get_size2_heap::<$t>),
            Some(mem_dbg_heap::<$t>),
            Some(mem_dbg_capacity_heap::<$t>),
            Some(datasize_heap::<$t>),
            Some(allocative_heap::<$t>),
            $typesize,
        ]
    };
}

/// The struct of case 6, measured by each crate through its own derive
/// (mem_dbg's and datasize's written out below: they reject recursive types).
#[derive(
    memsize::SizeOf,
    deepsize::DeepSizeOf,
    get_size2::GetSize,
    allocative::Allocative,
    typesize::derive::TypeSize,
)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    scores: Vec<f32>,
    parent: Option<Box<Record>>,
}

// mem_dbg's derive bounds the impl on every field type implementing
// `MemSize`, which can't be proved for a recursive field (`Option<Box<Record>>`
// needs `Record`): rustc overflows. This is the body the derive generates,
// without the bounds.
impl mem_dbg::FlatType for Record {
    type Flat = mem_dbg::False;
}

impl MemSize for Record {
    fn mem_size_rec(&self, flags: SizeFlags, refs: &mut mem_dbg::HashMap<usize, usize>) -> usize {
        // A field's size, less its inline bytes: they lie in `Self`'s.
        fn extra<T: MemSize>(
            field: &T,
            flags: SizeFlags,
            refs: &mut mem_dbg::HashMap<usize, usize>,
        ) -> usize {
            field.mem_size_rec(flags, refs) - size_of::<T>()
        }
        size_of::<Self>()
            + extra(&self.id, flags, refs)
            + extra(&self.name, flags, refs)
            + extra(&self.tags, flags, refs)
            + extra(&self.scores, flags, refs)
            + extra(&self.parent, flags, refs)
    }
}

// datasize's derive computes `IS_DYNAMIC` from the fields' constants, a
// cycle through `Option<Box<Record>>` that rustc rejects. This is the impl
// the derive generates, with the constants written out.
impl DataSize for Record {
    const IS_DYNAMIC: bool = true;
    const STATIC_HEAP_SIZE: usize = 0;

    fn estimate_heap_size(&self) -> usize {
        datasize::data_size(&self.id)
            + datasize::data_size(&self.name)
            + datasize::data_size(&self.tags)
            + datasize::data_size(&self.scores)
            + datasize::data_size(&self.parent)
    }
}

// The floors: each computes the heap figure of its case by hand.

fn floor_vec_u64(v: &Vec<u64>) -> usize {
    v.capacity() * size_of::<u64>()
}

fn floor_vec_string(v: &Vec<String>) -> usize {
    v.capacity() * size_of::<String>() + v.iter().map(String::capacity).sum::<usize>()
}

/// Group width of std's hash tables on this target (SSE2 on x86, else the
/// portable 8 of 64-bit targets).
const GROUP_WIDTH: usize = if cfg!(any(target_arch = "x86", target_arch = "x86_64")) {
    16
} else {
    8
};

/// The allocation of a std `HashMap`'s table of `(K, V)` buckets, from its
/// capacity: exact for a map that has never seen a removal (its capacity is
/// then the usable capacity of its bucket count), as in these cases.
fn hash_table_bytes<K, V>(map: &HashMap<K, V>) -> usize {
    let cap = map.capacity();
    if cap == 0 {
        return 0;
    }
    let buckets = if cap < 7 { cap + 1 } else { cap / 7 * 8 };
    let align = std::mem::align_of::<(K, V)>().max(GROUP_WIDTH);
    (size_of::<(K, V)>() * buckets).next_multiple_of(align) + buckets + GROUP_WIDTH
}

fn floor_hash_u64(m: &HashMap<u64, u64>) -> usize {
    hash_table_bytes(m)
}

fn floor_hash_string_vec(m: &HashMap<String, Vec<u32>>) -> usize {
    hash_table_bytes(m)
        + m.iter()
            .map(|(k, v)| k.capacity() + v.capacity() * size_of::<u32>())
            .sum::<usize>()
}

/// Not the heap figure: a bare walk over the keys' addresses, the work any
/// exact count of the nodes has to do.
fn floor_btree_walk(m: &BTreeMap<u64, u64>) -> usize {
    m.keys()
        .fold(0usize, |a, k| a.wrapping_add(k as *const u64 as usize))
}

fn record_heap(r: &Record) -> usize {
    r.name.capacity()
        + r.tags.capacity() * size_of::<String>()
        + r.tags.iter().map(String::capacity).sum::<usize>()
        + r.scores.capacity() * size_of::<f32>()
        + r.parent
            .as_deref()
            .map_or(0, |p| size_of::<Record>() + record_heap(p))
}

fn floor_records(v: &Vec<Record>) -> usize {
    v.capacity() * size_of::<Record>() + v.iter().map(record_heap).sum::<usize>()
}

fn floor_vec_vec_u8(v: &Vec<Vec<u8>>) -> usize {
    v.capacity() * size_of::<Vec<u8>>() + v.iter().map(Vec::capacity).sum::<usize>()
}

// The data, from a fixed seed.

/// SplitMix64: small, fast, and the same data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }

    /// A lowercase string of a length in `lo..hi`; one in four has spare
    /// capacity, as strings built by pushing do.
    fn string(&mut self, lo: usize, hi: usize) -> String {
        let len = self.range(lo, hi);
        let mut s = String::with_capacity(len);
        for _ in 0..len {
            s.push(char::from(b'a' + (self.next() % 26) as u8));
        }
        if self.next().is_multiple_of(4) {
            s.reserve(8);
        }
        s
    }
}

fn record(rng: &mut Rng, id: u64, with_parent: bool) -> Record {
    let tags = (0..rng.range(0, 5)).map(|_| rng.string(3, 11)).collect();
    let mut scores = Vec::new();
    for _ in 0..rng.range(0, 9) {
        scores.push(rng.next() as f32);
    }
    let parent =
        (with_parent && id.is_multiple_of(8)).then(|| Box::new(record(rng, id + 1, false)));
    Record {
        id,
        name: rng.string(6, 21),
        tags,
        scores,
        parent,
    }
}

// Measuring.

/// What one column gave for one case.
#[derive(Clone, Copy)]
struct Cell {
    /// Median nanoseconds per call.
    ns: f64,
    /// Spread: the interquartile range over the median.
    spread: f64,
    heap: usize,
}

/// What one case gave.
struct CaseResult {
    title: String,
    /// Whether memsize measures the case in constant time.
    constant: bool,
    /// Whether the floor's figure is the heap figure (not for `BTreeMap`).
    floor_is_heap: bool,
    cells: [Option<Cell>; COLUMNS.len()],
    /// What dropping the value freed, seen by the counting allocator.
    freed: u64,
    rounds: usize,
}

/// Times `iters` calls of `f` on `v`.
fn sample<T>(f: fn(&T) -> usize, v: &T, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f(black_box(v)));
    }
    start.elapsed()
}

/// Fisher-Yates.
fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.range(0, i + 1));
    }
}

fn median_and_spread(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let median = at(0.5);
    (median, (at(0.75) - at(0.25)) / median)
}

fn run_case<T: SizeOf>(
    title: String,
    constant: bool,
    floor_is_heap: bool,
    value: T,
    columns: [Heap<T>; COLUMNS.len()],
    full: bool,
    picks: &[String],
) -> Option<CaseResult> {
    if !picks.is_empty() && !picks.iter().any(|p| title.contains(p.as_str())) {
        return None;
    }
    let v = &value;
    // Warm up every column once, and size its batch from that call.
    let mut iters = [0u64; COLUMNS.len()];
    let mut heaps = [0usize; COLUMNS.len()];
    for (i, f) in columns.iter().enumerate() {
        if let Some(f) = f {
            heaps[i] = f(v);
            let once = sample(*f, v, 1).max(Duration::from_nanos(1));
            let per = (SAMPLE.as_nanos() / once.as_nanos()).max(1);
            iters[i] = per.min(1 << 24) as u64;
            // Re-measure batches of fast calls: the first call pays cold
            // caches and the clock's own cost.
            if iters[i] > 1 {
                let t = sample(*f, v, iters[i]).max(Duration::from_nanos(1));
                let per = (SAMPLE.as_nanos() * u128::from(iters[i]) / t.as_nanos()).max(1);
                iters[i] = per.min(1 << 24) as u64;
            }
        }
    }
    let (budget, min_rounds) = if full {
        (CASE_BUDGET, MIN_ROUNDS)
    } else {
        (Duration::ZERO, 1)
    };
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); COLUMNS.len()];
    let start = Instant::now();
    let mut rounds = 0;
    let mut order: [usize; COLUMNS.len()] = std::array::from_fn(|i| i);
    let mut rng = Rng(1);
    while rounds < MAX_ROUNDS && (rounds < min_rounds || start.elapsed() < budget) {
        // Each round takes the columns in a new random order: what a column
        // finds (caches, clock speed) depends on the ones run just before
        // it, so no column should always follow the same one.
        shuffle(&mut order, &mut rng);
        for &i in &order {
            if let Some(f) = columns[i] {
                let t = sample(f, v, iters[i]);
                samples[i].push(t.as_nanos() as f64 / iters[i] as f64);
            }
        }
        rounds += 1;
    }
    let mut cells = [None; COLUMNS.len()];
    for (i, s) in samples.iter_mut().enumerate() {
        if columns[i].is_some() {
            let (ns, spread) = median_and_spread(s);
            cells[i] = Some(Cell {
                ns,
                spread,
                heap: heaps[i],
            });
        }
    }
    let check = memsize::alloc::check_heap(value);
    Some(CaseResult {
        title,
        constant,
        floor_is_heap,
        cells,
        freed: check.freed_bytes,
        rounds,
    })
}

// Reporting.

fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn ratio(r: f64) -> String {
    if r < 10.0 {
        format!("{r:.2}×")
    } else if r < 1000.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1e}×")
    }
}

/// `n` with thousands separators.
fn bytes(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i != 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure against memsize's: "exact", or the difference in bytes and
/// percent.
fn difference(heap: usize, exact: usize) -> String {
    if heap == exact {
        return "exact".into();
    }
    let d = heap as i128 - exact as i128;
    let sign = if d < 0 { "−" } else { "+" };
    format!(
        "{sign}{} B ({sign}{:.1}%)",
        bytes(d.unsigned_abs() as u64),
        d.unsigned_abs() as f64 * 100.0 / exact as f64
    )
}

fn print_case(r: &CaseResult) {
    let floor = r.cells[FLOOR].map(|c| c.ns).unwrap_or(f64::NAN);
    let exact = r.cells[MEMSIZE].map(|c| c.heap).unwrap_or(0);
    println!();
    println!("{} ({} rounds)", r.title, r.rounds);
    println!(
        "  freed on drop (counting allocator): {} B; memsize: {}",
        bytes(r.freed),
        if exact as u64 == r.freed {
            "exact".to_string()
        } else {
            difference(exact, r.freed as usize)
        }
    );
    println!(
        "  {:<17} {:>10} {:>7} {:>9} {:>16}  vs memsize",
        "column", "median", "spread", "×floor", "heap bytes"
    );
    for (i, cell) in r.cells.iter().enumerate() {
        let Some(c) = cell else {
            println!("  {:<17} {:>10}", COLUMNS[i], "n/a");
            continue;
        };
        let (heap, diff) = if i == FLOOR && !r.floor_is_heap {
            ("(key walk)".to_string(), String::new())
        } else {
            (bytes(c.heap as u64), difference(c.heap, exact))
        };
        println!(
            "  {:<17} {:>10} {:>6.0}% {:>9} {:>16}  {}",
            COLUMNS[i],
            time(c.ns),
            c.spread * 100.0,
            ratio(c.ns / floor),
            heap,
            diff
        );
    }
}

/// A case's title for Markdown: the type in backticks (`<...>` would be
/// taken for HTML).
fn code(title: &str) -> String {
    match title.split_once(" × ") {
        Some((ty, n)) => format!("`{ty}` × {n}"),
        None => format!("`{title}`"),
    }
}

/// The two summary tables, in Markdown: time (and ratio to the floor) per
/// call, and each figure against memsize's.
fn summary(results: &[CaseResult]) -> String {
    let mut out = String::new();
    let head = |out: &mut String, first: &str| {
        let _ = write!(out, "| {first} |");
        for c in COLUMNS {
            let _ = write!(out, " {c} |");
        }
        out.push('\n');
        out.push_str(&"|---".repeat(COLUMNS.len() + 1));
        out.push_str("|\n");
    };
    out.push_str("Median time per call, and its ratio to the floor:\n\n");
    head(&mut out, "case");
    for r in results {
        let floor = r.cells[FLOOR].map(|c| c.ns).unwrap_or(f64::NAN);
        let mark = if r.constant { " (O(1))" } else { "" };
        let _ = write!(out, "| {}{mark} |", code(&r.title));
        for (i, cell) in r.cells.iter().enumerate() {
            match cell {
                None => out.push_str(" n/a |"),
                Some(c) if i == FLOOR => {
                    let _ = write!(out, " {} |", time(c.ns));
                }
                Some(c) => {
                    let _ = write!(out, " {} ({}) |", time(c.ns), ratio(c.ns / floor));
                }
            }
        }
        out.push('\n');
    }
    out.push_str("\nHeap bytes each reports, against memsize's figure (memsize against the counting allocator):\n\n");
    head(&mut out, "case");
    for r in results {
        let exact = r.cells[MEMSIZE].map(|c| c.heap).unwrap_or(0);
        let _ = write!(out, "| {} |", code(&r.title));
        for (i, cell) in r.cells.iter().enumerate() {
            match cell {
                None => out.push_str(" n/a |"),
                Some(_) if i == FLOOR && !r.floor_is_heap => out.push_str(" (key walk) |"),
                Some(c) if i == MEMSIZE => {
                    let vs = if c.heap as u64 == r.freed {
                        "= allocator".to_string()
                    } else {
                        format!("allocator {}", bytes(r.freed))
                    };
                    let _ = write!(out, " {} B, {vs} |", bytes(c.heap as u64));
                }
                Some(c) => {
                    let _ = write!(out, " {} |", difference(c.heap, exact));
                }
            }
        }
        out.push('\n');
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` doesn't: then
    // run every case on small data, once, to check that it all works.
    let full = std::env::args().any(|a| a == "--bench");
    // Other arguments pick cases: those whose title contains one of them.
    let picks: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let scale = if full { 1 } else { 1000 };
    let started = Instant::now();
    let mut results = Vec::new();
    let mut rng = Rng(0x5EED);
    let mut done = |r: Option<CaseResult>| {
        if let Some(r) = r {
            if full {
                print_case(&r);
            }
            results.push(r);
        }
    };

    let n = 10_000_000 / scale;
    let v: Vec<u64> = (0..n as u64).collect();
    done(run_case(
        format!("Vec<u64> × {}", bytes(n as u64)),
        true,
        true,
        v,
        columns!(floor_vec_u64, Vec<u64>),
        full,
        &picks,
    ));

    let n = 1_000_000 / scale;
    let v: Vec<String> = (0..n).map(|_| rng.string(4, 25)).collect();
    done(run_case(
        format!("Vec<String> × {}", bytes(n as u64)),
        false,
        true,
        v,
        columns!(floor_vec_string, Vec<String>),
        full,
        &picks,
    ));

    let n = 1_000_000 / scale;
    let m: HashMap<u64, u64> = (0..n).map(|i| (rng.next(), i as u64)).collect();
    done(run_case(
        format!("HashMap<u64, u64> × {}", bytes(n as u64)),
        true,
        true,
        m,
        columns!(floor_hash_u64, HashMap<u64, u64>),
        full,
        &picks,
    ));

    let n = 100_000 / scale;
    let mut m: HashMap<String, Vec<u32>> = HashMap::new();
    for i in 0..n {
        let mut v = Vec::new();
        for _ in 0..rng.range(0, 17) {
            v.push(rng.next() as u32);
        }
        m.insert(format!("key-{i}-{}", rng.string(0, 8)), v);
    }
    done(run_case(
        format!("HashMap<String, Vec<u32>> × {}", bytes(n as u64)),
        false,
        true,
        m,
        columns!(floor_hash_string_vec, HashMap<String, Vec<u32>>),
        full,
        &picks,
    ));

    let n = 1_000_000 / scale;
    let m: BTreeMap<u64, u64> = (0..n).map(|i| (rng.next(), i as u64)).collect();
    done(run_case(
        format!("BTreeMap<u64, u64> × {}", bytes(n as u64)),
        false,
        false,
        m,
        // typesize has no implementation for `BTreeMap`.
        columns!(floor_btree_walk, BTreeMap<u64, u64>, None),
        full,
        &picks,
    ));

    let n = 100_000 / scale;
    let v: Vec<Record> = (0..n as u64).map(|i| record(&mut rng, i, true)).collect();
    done(run_case(
        format!("Vec<Record> × {}", bytes(n as u64)),
        false,
        true,
        v,
        columns!(floor_records, Vec<Record>),
        full,
        &picks,
    ));

    let n = 100_000 / scale;
    let v: Vec<Vec<u8>> = (0..n)
        .map(|_| {
            let len = rng.range(0, 129);
            let mut b = Vec::with_capacity(len + rng.range(0, 9));
            b.resize(len, 7u8);
            b
        })
        .collect();
    done(run_case(
        format!("Vec<Vec<u8>> × {}", bytes(n as u64)),
        false,
        true,
        v,
        columns!(floor_vec_vec_u8, Vec<Vec<u8>>),
        full,
        &picks,
    ));

    // The floors are checked against memsize, and memsize against the
    // allocator: a mismatch is a bug in one of them, not a result.
    let mut wrong = false;
    for r in &results {
        let [Some(floor), Some(ms), ..] = r.cells else {
            unreachable!("every case has a floor and a memsize column")
        };
        if r.floor_is_heap && floor.heap != ms.heap {
            eprintln!("{}: floor {} != memsize {}", r.title, floor.heap, ms.heap);
            wrong = true;
        }
        if ms.heap as u64 != r.freed {
            eprintln!("{}: memsize {} != freed {}", r.title, ms.heap, r.freed);
            wrong = true;
        }
    }
    if !full {
        assert!(!wrong, "a floor or memsize disagrees with the allocator");
        println!("deep_size benchmark: smoke run ok (run with `cargo bench` to measure)");
        return;
    }
    println!();
    println!("{}", summary(&results));
    println!("total time: {:.0} s", started.elapsed().as_secs_f64());
}
