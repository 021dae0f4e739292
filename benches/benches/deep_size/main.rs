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
//!
//! Every column runs in two call shapes (see `columns.rs`): inlined into the
//! timing loop, and out of line (a boxed closure calling the crate's trait
//! method through a function pointer behind `black_box`), sampled in the same
//! rounds. The bench's global allocator is memsize's `CountingAlloc<System>`,
//! or `System` with the feature `deep-size-system` (then the figures are not
//! checked against an allocator).
//!
//! For an instruction profile of one column, run the bench binary under
//! `valgrind --tool=callgrind` with `--profile=<column> <case>` (and
//! `--out-of-line` for that shape): each picked case is built at full size
//! and measured by that column only, 10 times, in `timing::profiled`.
//!
//! The files: `columns.rs` the contenders, `floors.rs` the hand-written
//! floors, `timing.rs` the timing loop, `report.rs` the tables; the cases
//! are below, their data in the library (`memsize_benches::data`).

mod columns;
mod floors;
mod report;
mod timing;

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::time::Instant;

use get_size2::{GetSize, StandardTracker};
use memsize::SizeOf;
use memsize_benches::data::{self, Graph, List};
use memsize_benches::rng::Rng;

use columns::{all, all_but_typesize, column, fastest, Columns, FLOOR, GET_SIZE2, MEMSIZE, SHAPES};
use floors::HashTable;
use report::bytes;
use timing::{run_case, Case, CaseResult, Plan};

#[cfg(not(feature = "deep-size-system"))]
#[global_allocator]
static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
    memsize::alloc::CountingAlloc::new(std::alloc::System);

/// Whether the global allocator is memsize's counting one (else `System`).
pub const COUNTING: bool = cfg!(not(feature = "deep-size-system"));
/// The global allocator's name, for the tables.
pub const ALLOCATOR: &str = if COUNTING {
    "CountingAlloc<System>"
} else {
    "System"
};

/// The stack of the thread the cases run on: deepsize and get-size2
/// recurse once per node of a list.
const STACK: usize = 1 << 30;

/// Builds, measures and checks one case, if `plan` picks it. Each case
/// draws its data from its own seed, so picking cases leaves the data of
/// each unchanged.
fn case<T: SizeOf>(
    plan: &Plan,
    results: &mut Vec<CaseResult>,
    title: String,
    constant: bool,
    floor_is_heap: bool,
    seed: u64,
    build: impl FnOnce(&mut Rng) -> (T, Columns<T>),
) {
    if !plan.picks(&title) {
        return;
    }
    let (value, columns) = build(&mut Rng::new(seed));
    let r = run_case(
        Case {
            title,
            constant,
            floor_is_heap,
            value,
            columns,
        },
        plan,
    );
    if plan.full && plan.profile.is_none() {
        report::print_case(&r);
    }
    results.push(r);
}

/// Every case, in table order.
fn cases(plan: &Plan, scale: usize) -> Vec<CaseResult> {
    let mut out = Vec::new();
    let r = &mut out;
    let title = |ty: &str, n: usize| format!("{ty} × {}", bytes(n as u64));

    let n = 10_000_000 / scale;
    case(plan, r, title("Vec<u64>", n), true, true, 1, |_| {
        ((0..n as u64).collect(), all(floors::vec_u64))
    });

    let n = 1_000_000 / scale;
    case(plan, r, title("Vec<String>", n), false, true, 2, |rng| {
        let v = (0..n).map(|_| rng.string(4, 25)).collect();
        (v, all(floors::vec_string))
    });

    let n = 1_000_000 / scale;
    case(
        plan,
        r,
        title("HashMap<u64, u64>", n),
        true,
        true,
        3,
        |rng| {
            let m: HashMap<u64, u64> = (0..n).map(|i| (rng.wide(), i as u64)).collect();
            let table = HashTable::of(&m);
            (m, all(move |m| table.bytes(m)))
        },
    );

    let n = 1_000_000 / scale;
    case(
        plan,
        r,
        title("HashMap<u64, String>", n),
        false,
        true,
        4,
        |rng| {
            let m: HashMap<u64, String> = (0..n).map(|_| (rng.wide(), rng.string(4, 25))).collect();
            let table = HashTable::of(&m);
            (m, all(floors::hash_u64_string(table)))
        },
    );

    let n = 100_000 / scale;
    let t = title("HashMap<String, Vec<u32>>", n);
    case(plan, r, t, false, true, 5, |rng| {
        let mut m: HashMap<String, Vec<u32>> = HashMap::new();
        for i in 0..n {
            let mut v = Vec::new();
            for _ in 0..rng.range(0, 17) {
                v.push(rng.next_u64() as u32);
            }
            m.insert(format!("key-{i}-{}", rng.string(0, 8)), v);
        }
        let table = HashTable::of(&m);
        (m, all(floors::hash_string_vec(table)))
    });

    let n = 1_000_000 / scale;
    case(
        plan,
        r,
        title("BTreeMap<u64, u64>", n),
        false,
        false,
        6,
        |rng| {
            let m: BTreeMap<u64, u64> = (0..n).map(|i| (rng.wide(), i as u64)).collect();
            // typesize has no implementation for `BTreeMap`.
            (m, all_but_typesize(floors::btree_walk))
        },
    );

    for (n, seed) in [(100_000 / scale, 7), (1_000_000 / scale, 8)] {
        case(plan, r, title("Vec<Record>", n), false, true, seed, |rng| {
            (data::records(rng, n), all(floors::records))
        });
    }

    let n = 100_000 / scale;
    case(plan, r, title("Vec<Vec<u8>>", n), false, true, 9, |rng| {
        let v = (0..n)
            .map(|_| {
                let len = rng.range(0, 129);
                let mut b = Vec::with_capacity(len + rng.range(0, 9));
                b.resize(len, 7u8);
                b
            })
            .collect();
        (v, all(floors::vec_vec_u8))
    });

    // The other peers' derives reject these recursive types (see `Record`).
    let n = 100_000 / scale;
    case(
        plan,
        r,
        title("List (Box, deep)", n),
        false,
        true,
        10,
        |_| (data::list(n), fastest::<List>(floors::list)),
    );

    let n = 100_000 / scale;
    case(
        plan,
        r,
        title("Graph (Rc, shared)", n),
        false,
        true,
        11,
        |rng| {
            let mut c = fastest::<Graph>(floors::graph);
            // `get_heap_size()` counts an `Rc` every time it is reached; with
            // a tracker it counts each once, as the others do.
            c[GET_SIZE2] = column(
                |g: &Graph| g.get_heap_size_with_tracker(StandardTracker::new()).0,
                |g: &Graph| {
                    let f: fn(&Graph, StandardTracker) -> (usize, StandardTracker) =
                        black_box(<Graph as GetSize>::get_heap_size_with_tracker);
                    f(g, StandardTracker::new()).0
                },
            );
            (data::graph(rng, n), c)
        },
    );

    out
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` doesn't: then
    // run every case on small data, once, to check that it all works.
    let full = std::env::args().any(|a| a == "--bench");
    // Other arguments pick cases: those whose title contains one of them.
    let picks = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let profile = std::env::args().find_map(|a| a.strip_prefix("--profile=").map(String::from));
    let profile_shape = if std::env::args().any(|a| a == "--out-of-line") {
        columns::OUT_OF_LINE
    } else {
        columns::INLINED
    };
    let plan = Plan {
        full: full || profile.is_some(),
        picks,
        profile,
        profile_shape,
    };
    let scale = if plan.full { 1 } else { 1000 };
    let started = Instant::now();
    let results = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || (cases(&plan, scale), plan))
        .expect("a thread to run the cases on")
        .join()
        .expect("the cases to run");
    let (results, plan) = results;
    if plan.profile.is_some() {
        return;
    }

    // The floors are checked against memsize, and memsize against the
    // allocator: a mismatch is a bug in one of them, not a result.
    // Both shapes of one column must give the same figure.
    let mut wrong = false;
    for r in &results {
        for (shape, cells) in r.cells.iter().enumerate() {
            let (Some(floor), Some(ms)) = (cells[FLOOR], cells[MEMSIZE]) else {
                unreachable!("every case has a floor and a memsize column")
            };
            let name = SHAPES[shape];
            if r.floor_is_heap && floor.heap != ms.heap {
                eprintln!(
                    "{} ({name}): floor {} != memsize {}",
                    r.title, floor.heap, ms.heap
                );
                wrong = true;
            }
            if let Some(freed) = r.freed {
                if ms.heap as u64 != freed {
                    eprintln!("{} ({name}): memsize {} != freed {freed}", r.title, ms.heap);
                    wrong = true;
                }
            }
            for (i, c) in cells.iter().enumerate() {
                if c.map(|c| c.heap) != r.cells[0][i].map(|c| c.heap) {
                    eprintln!(
                        "{} ({name}): column {i} differs between the shapes",
                        r.title
                    );
                    wrong = true;
                }
            }
        }
    }
    if !plan.full {
        assert!(!wrong, "a floor or memsize disagrees with the allocator");
        println!("deep_size benchmark: smoke run ok (run with `cargo bench` to measure)");
        return;
    }
    println!();
    println!("Global allocator: {ALLOCATOR}\n");
    println!("{}", report::summary(&results));
    println!("{}", report::against_fastest(&results));
    println!("total time: {:.0} s", started.elapsed().as_secs_f64());
}
