//! How much heap `heap_size()` itself takes while it runs: the peak of what
//! the traversal allocates above what was live when it started, seen by the
//! counting allocator.
//!
//! Run with `cargo bench -p memsize-benches --bench traversal_memory`.
//! Shared allocations (`Rc`) have to be remembered so that each counts once;
//! deep data (a long `Box` list) has to be continued from a work list on
//! the heap so that the machine stack stays flat. Both cost heap during the
//! call, given back before it returns. The figures are per shared
//! allocation seen, and in percent of the bytes measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use deepsize::DeepSizeOf;
use get_size2::{GetSize, StandardTracker};
use memsize::alloc::CountingAlloc;
use memsize::SizeOf;
use memsize_benches::data;
use memsize_benches::rng::Rng;

/// Every call, counted below memsize's counting allocator: memsize leaves
/// its own traversal's allocations out of its measurements (so that
/// `heap_size()` passes inside `assert_no_alloc`), and this layer is how the
/// bench still sees them.
struct Raw<A>(A);

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static CALLS: AtomicU64 = AtomicU64::new(0);

fn grew(by: i64) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call goes straight to `A`; the counters are plain atomics.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Raw<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        grew(layout.size() as i64);
        // SAFETY: the caller's contract is `GlobalAlloc::alloc`'s.
        unsafe { self.0.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Relaxed);
        // SAFETY: as above.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        grew(new_size as i64 - layout.size() as i64);
        // SAFETY: as above.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc<Raw<System>> = CountingAlloc::new(Raw(System));

/// What running `f` took at its peak above what was live before, and how
/// many allocations it made.
struct Peak {
    peak_bytes: i64,
    allocations: u64,
}

/// The peak of `f`'s own heap, and its result.
fn peak(f: impl FnOnce() -> usize) -> (usize, Peak) {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    let calls = CALLS.load(Relaxed);
    let heap = black_box(f());
    let s = Peak {
        peak_bytes: PEAK.load(Relaxed) - start,
        allocations: CALLS.load(Relaxed) - calls,
    };
    (heap, s)
}

/// One row of the table.
fn row(case: &str, who: &str, shared: usize, (heap, s): (usize, Peak)) {
    let per = if shared == 0 {
        "n/a".to_string()
    } else {
        format!("{:.1} B", s.peak_bytes as f64 / shared as f64)
    };
    println!(
        "| {case} | {who} | {heap} | {} | {} | {per} | {:.3}% |",
        s.peak_bytes,
        s.allocations,
        s.peak_bytes as f64 * 100.0 / heap as f64
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` doesn't: then
    // run on small data to check that it all works.
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 1_000_000 } else { 1_000 };
    println!(
        "| case | who | heap measured (B) | traversal peak (B) | traversal allocations | peak per shared allocation | peak ÷ heap |"
    );
    println!("|---|---|---|---|---|---|---|");

    let g = data::graph(&mut Rng::new(11), n);
    let case = format!("`Graph` (Rc, shared) × {n}");
    // Every node is one shared allocation.
    let shared = g.nodes.len();
    let (heap, s) = peak(|| g.heap_size());
    assert_eq!(
        heap as u64,
        memsize::alloc::measure(|| data::graph(&mut Rng::new(11), n))
            .1
            .net_bytes as u64
    );
    row(&case, "memsize", shared, (heap, s));
    row(&case, "deepsize", shared, peak(|| g.deep_size_of()));
    row(
        &case,
        "get-size2 (tracker)",
        shared,
        peak(|| g.get_heap_size_with_tracker(StandardTracker::new()).0),
    );
    drop(g);

    let (l, built) = memsize::alloc::measure(|| data::list(n));
    let case = format!("`List` (Box, deep) × {n}");
    let (heap, s) = peak(|| l.heap_size());
    assert_eq!(
        heap as i64, built.net_bytes,
        "memsize against the allocator"
    );
    row(&case, "memsize", 0, (heap, s));
    drop(l);

    let (v, built) = memsize::alloc::measure(|| data::records(&mut Rng::new(8), n));
    let case = format!("`Vec<Record>` × {n}");
    let (heap, s) = peak(|| v.heap_size());
    assert_eq!(
        heap as i64, built.net_bytes,
        "memsize against the allocator"
    );
    row(&case, "memsize", 0, (heap, s));
}
