//! Integration, property and UI tests for memsize; nothing is published.
//! What the test files share lives here.

/// A small deterministic generator (a 64-bit LCG), so that failures
/// reproduce.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Checks a value against the allocator after each step of its history:
/// for every prefix of `steps`, builds the value with `new`, applies the
/// prefix, and hands the result to [`memsize::alloc::assert_heap_exact`].
/// Rebuilding beats measuring clones, whose capacities and sharing differ
/// from the original's.
#[cfg(feature = "std")]
pub fn check_history<T: memsize::SizeOf>(new: impl Fn() -> T, steps: &[&dyn Fn(&mut T)]) {
    for n in 0..=steps.len() {
        let mut value = new();
        for step in &steps[..n] {
            step(&mut value);
        }
        memsize::alloc::assert_heap_exact(value);
    }
}

/// A heap-free element whose `add_heap` panics: a container of these that
/// visits its elements, instead of answering from its capacity alone, fails
/// the test.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NeverVisited(pub u32);

impl memsize::SizeOf for NeverVisited {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {
        panic!("a container of heap-free elements visited them");
    }
    fn is_heap_free() -> bool {
        true
    }
}

/// One way to read a report, by name (see [`report_views`]).
pub type ReportView = (&'static str, fn(&memsize::Report));

/// Every way to read a [`memsize::Report`], by name: a report read back
/// (from JSON, from anywhere) must go through each without a panic or a
/// hang, whatever it holds. The tests run each in a thread of its own
/// with a time bound; the fuzz target (`fuzz/`) runs them all.
#[cfg(feature = "std")]
pub fn report_views() -> Vec<ReportView> {
    use memsize::report::SortBy;
    use memsize::Report;
    use std::hint::black_box;
    #[cfg_attr(not(feature = "inferno"), allow(unused_mut))]
    let mut views: Vec<ReportView> = vec![
        ("accessors", |r| {
            black_box((r.total_bytes(), r.heap_bytes(), r.allocations()));
            black_box((r.shared_bytes(), r.unique_bytes(), r.usable_heap_bytes()));
            black_box((r.skipped(), r.schema_version(), r.has_usable_sizes()));
            black_box((r.root().name(), r.roots().len(), r.nodes().len()));
            // Every node through its parent, with an explicit stack.
            let mut stack = vec![r.root()];
            stack.extend(r.roots());
            while let Some(n) = stack.pop() {
                black_box((n.name(), n.type_name(), n.edge(), n.count(), n.index()));
                black_box((n.inline_bytes(), n.own_bytes(), n.own_allocations()));
                black_box((n.heap_bytes(), n.allocations(), n.usable_heap_bytes()));
                black_box((n.total_bytes(), n.self_bytes(), n.padding_bytes()));
                black_box((n.is_shared(), n.share(), n.child("[..]").is_some()));
                stack.extend(n.children());
            }
        }),
        ("display", |r| {
            black_box(r.to_string());
        }),
        ("display with options", |r| {
            let d = r.display().depth(3).min_share(0.05).sort(SortBy::Name);
            black_box(d.padding(true).usable(true).width(40).to_string());
        }),
        ("by_type", |r| {
            let t = r.by_type();
            black_box((t.total_bytes(), t.heap_bytes(), t.rows().len()));
            black_box(t.to_string());
        }),
        ("folded", |r| {
            black_box(r.folded());
        }),
        ("diff", |r| {
            let empty = Report::new(&());
            for d in [r.diff(r), r.diff(&empty), Report::compare(r, &empty)] {
                black_box((d.total_diff(), d.heap_diff(), d.allocations_diff()));
                for p in d.paths() {
                    black_box((p.total_diff(), p.heap_diff(), p.count_diff()));
                }
                black_box(d.to_string());
            }
        }),
    ];
    #[cfg(feature = "inferno")]
    views.push(("flame graph", |r| {
        // A report whose total is zero is an error here, not a panic.
        let mut svg = Vec::new();
        black_box(r.write_flamegraph(&mut svg).is_ok());
    }));
    views
}
