//! The timing loop: rounds of one sample per column and call shape, in a
//! new random order each round; the figure is the median per call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use memsize::SizeOf;
use memsize_benches::rng::Rng;

use crate::columns::{Columns, COLUMNS, INLINED, OUT_OF_LINE, SHAPES};

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
    /// Per call shape ([`SHAPES`]), per column.
    pub cells: [[Option<Cell>; COLUMNS.len()]; SHAPES.len()],
    /// What dropping the value freed, seen by the counting allocator; `None`
    /// under `System`.
    pub freed: Option<u64>,
    pub rounds: usize,
    /// Every sample, ns per call in round order, by shape and column (empty
    /// where n/a): for ratios of samples taken in the same round.
    pub samples: Vec<Vec<f64>>,
}

impl CaseResult {
    /// The median over the rounds of `a`'s sample over `b`'s in the same
    /// round, each `(shape, column)`.
    pub fn paired_ratio(&self, a: (usize, usize), b: (usize, usize)) -> f64 {
        let at = |(shape, col): (usize, usize)| &self.samples[shape * COLUMNS.len() + col];
        let mut r: Vec<f64> = at(a).iter().zip(at(b)).map(|(x, y)| x / y).collect();
        if r.is_empty() {
            return f64::NAN;
        }
        median_and_spread(&mut r).0
    }
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
    /// The shape a profile calls ([`INLINED`], or [`OUT_OF_LINE`] with
    /// `--out-of-line`).
    pub profile_shape: usize,
}

/// Calls per case in a profile run.
pub const PROFILE_CALLS: u64 = 10;

/// `f(calls)` makes `calls` calls of one column: the function a profiler's
/// report is read from (`callgrind_annotate --inclusive=yes`: its inclusive
/// cost over `calls`, over the case's element count, is the cost per
/// element).
#[inline(never)]
pub fn profiled(f: &dyn Fn(u64) -> usize, calls: u64) -> usize {
    f(calls)
}

impl Plan {
    /// Whether the case titled `title` runs.
    pub fn picks(&self, title: &str) -> bool {
        self.picks.is_empty() || self.picks.iter().any(|p| title.contains(p.as_str()))
    }
}

/// `iters` calls of an out-of-line closure, each through `black_box`;
/// returns the last figure.
fn calls(f: &dyn Fn() -> usize, iters: u64) -> usize {
    let mut heap = 0;
    for _ in 0..iters {
        heap = black_box(black_box(f)());
    }
    heap
}

/// One sampler per column and shape: `iters` calls, returning the last
/// figure.
type Sampler<'a> = Box<dyn Fn(u64) -> usize + 'a>;

/// Times `iters` calls of `f`.
fn sample(f: &dyn Fn(u64) -> usize, iters: u64) -> Duration {
    let start = Instant::now();
    black_box(f(iters));
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
    // Both shapes of every column, as one list of samplers:
    // `shape * COLUMNS.len() + column`.
    let samplers: Vec<Option<Sampler<'_>>> = (0..SHAPES.len())
        .flat_map(|shape| {
            columns.iter().map(move |c| {
                c.as_ref().map(|c| -> Sampler<'_> {
                    if shape == INLINED {
                        Box::new(move |n| (c.inlined)(v, n))
                    } else {
                        let boxed = (c.out_of_line)(v);
                        Box::new(move |n| calls(&*boxed, n))
                    }
                })
            })
        })
        .collect();
    debug_assert_eq!(OUT_OF_LINE * COLUMNS.len() + COLUMNS.len(), samplers.len());
    let mut cells = [[None; COLUMNS.len()]; SHAPES.len()];
    if let Some(name) = &plan.profile {
        let i = COLUMNS
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name:?}; the columns: {COLUMNS:?}"));
        let shape = plan.profile_shape;
        if let Some(f) = &samplers[shape * COLUMNS.len() + i] {
            let heap = profiled(&**f, PROFILE_CALLS);
            println!(
                "{title}: {name} ({}): {heap} B, {PROFILE_CALLS} calls",
                SHAPES[shape]
            );
            cells[shape][i] = Some(Cell {
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
            freed: None,
            rounds: 0,
            samples: Vec::new(),
        };
    }
    // Warm up every sampler once, and size its batch from that call.
    let mut iters = vec![0u64; samplers.len()];
    let mut heaps = vec![0usize; samplers.len()];
    for (i, f) in samplers.iter().enumerate() {
        if let Some(f) = f {
            heaps[i] = f(1);
            let once = sample(&**f, 1).max(Duration::from_nanos(1));
            let per = (SAMPLE.as_nanos() / once.as_nanos()).max(1);
            iters[i] = per.min(1 << 24) as u64;
            // Re-measure batches of fast calls: the first call pays cold
            // caches and the clock's own cost.
            if iters[i] > 1 {
                let t = sample(&**f, iters[i]).max(Duration::from_nanos(1));
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
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); samplers.len()];
    let start = Instant::now();
    let mut rounds = 0;
    let mut order: Vec<usize> = (0..samplers.len()).collect();
    let mut rng = Rng::new(1);
    while rounds < MAX_ROUNDS && (rounds < min_rounds || start.elapsed() < budget) {
        // Each round takes the samplers in a new random order: what one
        // finds (caches, clock speed) depends on the ones run just before
        // it, so none should always follow the same one.
        rng.shuffle(&mut order);
        for &i in &order {
            if let Some(f) = &samplers[i] {
                let t = sample(&**f, iters[i]);
                samples[i].push(t.as_nanos() as f64 / iters[i] as f64);
            }
        }
        rounds += 1;
    }
    for (i, s) in samples.iter().enumerate() {
        if samplers[i].is_some() {
            let (ns, spread) = median_and_spread(&mut s.clone());
            cells[i / COLUMNS.len()][i % COLUMNS.len()] = Some(Cell {
                ns,
                spread,
                heap: heaps[i],
            });
        }
    }
    drop(samplers);
    let freed = crate::COUNTING.then(|| memsize::alloc::check_heap(value).freed_bytes);
    CaseResult {
        title,
        constant,
        floor_is_heap,
        cells,
        freed,
        rounds,
        samples,
    }
}
