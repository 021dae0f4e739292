//! The timing loop: rounds of one sample per column, in a new random order
//! each round; the figure is the median per call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use memsize::SizeOf;
use memsize_benches::rng::Rng;

use crate::columns::{Columns, COLUMNS};

/// Wall time each case spends sampling, once every column has
/// [`MIN_ROUNDS`] samples.
const CASE_BUDGET: Duration = Duration::from_secs(8);
/// Rounds every case takes at least, whatever the budget.
const MIN_ROUNDS: usize = 9;
/// Rounds every case takes at most.
const MAX_ROUNDS: usize = 1001;
/// How long one sample (a batch of calls) should last.
const SAMPLE: Duration = Duration::from_micros(500);

/// What one column gave for one case.
#[derive(Clone, Copy)]
pub struct Cell {
    /// Median nanoseconds per call.
    pub ns: f64,
    /// Spread: the interquartile range over the median.
    pub spread: f64,
    pub heap: usize,
}

/// What one case gave.
pub struct CaseResult {
    pub title: String,
    /// Whether memsize measures the case in constant time.
    pub constant: bool,
    /// Whether the floor's figure is the heap figure (not for `BTreeMap`).
    pub floor_is_heap: bool,
    pub cells: [Option<Cell>; COLUMNS.len()],
    /// What dropping the value freed, seen by the counting allocator.
    pub freed: u64,
    pub rounds: usize,
}

/// One case: a value and how each column measures it.
pub struct Case<T> {
    pub title: String,
    pub constant: bool,
    pub floor_is_heap: bool,
    pub value: T,
    pub columns: Columns<T>,
}

/// How the cases run: sampled for the budget (`cargo bench`) or once each
/// (a smoke run), and which cases.
pub struct Plan {
    pub full: bool,
    pub picks: Vec<String>,
    /// With `--profile=<column>`: no timing, only [`PROFILE_CALLS`] calls of
    /// that column, in [`profiled`], for an instruction-counting profiler.
    pub profile: Option<String>,
}

/// Calls per case in a profile run.
pub const PROFILE_CALLS: u64 = 10;

/// `calls` calls of `f` on `v`: the function a profiler's report is read
/// from (`callgrind_annotate --inclusive=yes`: its inclusive cost over
/// `calls`, over the case's element count, is the cost per element).
#[inline(never)]
pub fn profiled<T>(f: &dyn Fn(&T) -> usize, v: &T, calls: u64) -> usize {
    let mut heap = 0;
    for _ in 0..calls {
        heap = black_box(f(black_box(v)));
    }
    heap
}

impl Plan {
    /// Whether the case titled `title` runs.
    pub fn picks(&self, title: &str) -> bool {
        self.picks.is_empty() || self.picks.iter().any(|p| title.contains(p.as_str()))
    }
}

/// Times `iters` calls of `f` on `v`.
fn sample<T>(f: &dyn Fn(&T) -> usize, v: &T, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f(black_box(v)));
    }
    start.elapsed()
}

fn median_and_spread(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let median = at(0.5);
    (median, (at(0.75) - at(0.25)) / median)
}

/// Samples every column of `case`, then checks its value against the
/// counting allocator (dropping it).
pub fn run_case<T: SizeOf>(case: Case<T>, plan: &Plan) -> CaseResult {
    let Case {
        title,
        constant,
        floor_is_heap,
        value,
        columns,
    } = case;
    let v = &value;
    if let Some(name) = &plan.profile {
        let i = COLUMNS
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name:?}; the columns: {COLUMNS:?}"));
        let mut cells = [None; COLUMNS.len()];
        if let Some(f) = &columns[i] {
            let heap = profiled(&**f, v, PROFILE_CALLS);
            println!("{title}: {name}: {heap} B, {PROFILE_CALLS} calls");
            cells[i] = Some(Cell {
                ns: 0.0,
                spread: 0.0,
                heap,
            });
        }
        return CaseResult {
            title,
            constant,
            floor_is_heap,
            cells,
            freed: 0,
            rounds: 0,
        };
    }
    // Warm up every column once, and size its batch from that call.
    let mut iters = [0u64; COLUMNS.len()];
    let mut heaps = [0usize; COLUMNS.len()];
    for (i, f) in columns.iter().enumerate() {
        if let Some(f) = f {
            heaps[i] = f(v);
            let once = sample(&**f, v, 1).max(Duration::from_nanos(1));
            let per = (SAMPLE.as_nanos() / once.as_nanos()).max(1);
            iters[i] = per.min(1 << 24) as u64;
            // Re-measure batches of fast calls: the first call pays cold
            // caches and the clock's own cost.
            if iters[i] > 1 {
                let t = sample(&**f, v, iters[i]).max(Duration::from_nanos(1));
                let per = (SAMPLE.as_nanos() * u128::from(iters[i]) / t.as_nanos()).max(1);
                iters[i] = per.min(1 << 24) as u64;
            }
        }
    }
    let (budget, min_rounds) = if plan.full {
        (CASE_BUDGET, MIN_ROUNDS)
    } else {
        (Duration::ZERO, 1)
    };
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); COLUMNS.len()];
    let start = Instant::now();
    let mut rounds = 0;
    let mut order: [usize; COLUMNS.len()] = std::array::from_fn(|i| i);
    let mut rng = Rng::new(1);
    while rounds < MAX_ROUNDS && (rounds < min_rounds || start.elapsed() < budget) {
        // Each round takes the columns in a new random order: what a column
        // finds (caches, clock speed) depends on the ones run just before
        // it, so no column should always follow the same one.
        rng.shuffle(&mut order);
        for &i in &order {
            if let Some(f) = &columns[i] {
                let t = sample(&**f, v, iters[i]);
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
    CaseResult {
        title,
        constant,
        floor_is_heap,
        cells,
        freed: check.freed_bytes,
        rounds,
    }
}
