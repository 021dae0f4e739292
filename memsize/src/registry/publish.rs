//! The registry's report as gauges of the `metrics` facade, for Prometheus
//! or any other recorder.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::string::{String, ToString};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::vec::Vec;

use super::{global, Registry};
use crate::report::diff::child_path;
use crate::report::NodeRef;
use crate::Report;

/// The heap bytes of each path's own allocations.
const HEAP_BYTES: &str = "memsize_heap_bytes";
/// How many allocations those are.
const HEAP_ALLOCATIONS: &str = "memsize_heap_allocations";
/// How long the last measurement took.
const MEASURE_SECONDS: &str = "memsize_measure_seconds";
/// What the last measurement could not reach.
const SKIPPED: &str = "memsize_skipped";
/// The path that stands for the paths not published one by one.
pub(crate) const OTHER: &str = "(other)";

/// Which paths of a report become series of their own: the rest are summed
/// into one `(other)` series per root, so that the number of series stays
/// bounded however the state is shaped, and every root's series still sum
/// to its heap.
///
/// For each root, in order:
///
/// 1. **Depth** ([`max_depth`](Self::max_depth), default 2): a path more
///    than this many steps below its root is folded into its ancestor at
///    that depth, which then publishes its whole heap (its own allocations
///    and everything below).
/// 2. **Minimum share** ([`min_share`](Self::min_share), default 0.01): a
///    path whose bytes are below this share of its root's heap goes to
///    `(other)`.
/// 3. **Top N** ([`top_n`](Self::top_n), default 16): of the paths left,
///    the `top_n` with the most bytes are published; the rest go to
///    `(other)`.
///
/// The root's own path is always published (as 0 when it owns nothing), so
/// an empty root is seen. A root thus gives at most `top_n + 2` paths (its
/// own, its top paths, `(other)`), each with a bytes and an allocations
/// series: with the defaults, at most 36 series per root.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricsOptions {
    max_depth: usize,
    min_share: f64,
    top_n: usize,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions {
            max_depth: 2,
            min_share: 0.01,
            top_n: 16,
        }
    }
}

impl MetricsOptions {
    /// How many steps below its root a path may be and still be a series
    /// of its own; deeper paths fold into their ancestor at this depth.
    /// 0 publishes each root's heap as one series.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// The share of its root's heap (0 to 1) below which a path goes to
    /// `(other)`.
    pub fn min_share(mut self, share: f64) -> Self {
        self.min_share = share;
        self
    }

    /// How many paths of each root, besides the root's own and `(other)`,
    /// are published: the ones with the most bytes.
    pub fn top_n(mut self, n: usize) -> Self {
        self.top_n = n;
        self
    }
}

/// One published series: a root and a path.
type Series = (Cow<'static, str>, String);

/// What a root's paths published: bytes and allocations per path.
fn root_series(root: NodeRef<'_>, options: &MetricsOptions) -> Vec<(String, u64, u64)> {
    let mut by_path: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let root_path = String::from(root.name());
    let mut stack = Vec::from([(root, root_path.clone(), 0usize)]);
    while let Some((n, path, depth)) = stack.pop() {
        let figures = if depth >= options.max_depth {
            (n.heap_bytes(), n.allocations())
        } else {
            for c in n.children() {
                stack.push((c, child_path(&path, c.name()), depth + 1));
            }
            (n.own_bytes(), n.own_allocations())
        };
        if figures != (0, 0) || depth == 0 {
            // Siblings of different types may share a path (`*` of two
            // `dyn` values): one series.
            let e = by_path.entry(path).or_default();
            e.0 += figures.0;
            e.1 += figures.1;
        }
    }
    let own = by_path.remove(&root_path).unwrap_or_default();
    let mut paths: Vec<(String, u64, u64)> =
        by_path.into_iter().map(|(p, (b, a))| (p, b, a)).collect();
    // The most bytes first; ties by path, so the cut is the same every time.
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let floor = options.min_share * root.heap_bytes() as f64;
    let keep = paths
        .iter()
        .take(options.top_n)
        .take_while(|p| p.1 as f64 >= floor)
        .count();
    let folded = paths.len() > keep;
    let other = paths[keep..]
        .iter()
        .fold((0, 0), |(b, a), p| (b + p.1, a + p.2));
    paths.truncate(keep);
    paths.insert(0, (root_path, own.0, own.1));
    if folded {
        paths.push((String::from(OTHER), other.0, other.1));
    }
    paths
}

/// Publishes `report` as gauges through the `metrics` facade's recorder,
/// reading the finished tree (nothing is measured again):
///
/// - `memsize_heap_bytes{root, path}`: the bytes of the allocations the
///   values at `path` own directly (a `Vec`'s buffer, a hash table), for
///   the paths [`MetricsOptions`] picks, and the rest of each root in
///   `path="(other)"`. Each allocation is in exactly one series, so sums
///   over any label are meaningful: `sum by (root)` is each root's heap,
///   the sum of all, the report's. Paths are written like
///   [`PathDiff::path`](crate::report::PathDiff::path), beginning with the
///   root's name: `users.*[value].name`.
/// - `memsize_heap_allocations{root, path}`: how many allocations those
///   are.
///
/// A series published before that the report no longer has (a root
/// dropped, a path folded into `(other)`) is set to 0: the facade can't
/// remove a series (metrics-exporter-prometheus drops idle ones with its
/// `idle_timeout`). Returns how many series were set.
///
/// [`Registry::publish_once`] measures, publishes and adds the
/// measurement's duration and what it skipped; this is for a report made
/// otherwise. It remembers nothing between calls, so it zeroes nothing.
pub fn publish_report(report: &Report, options: &MetricsOptions) -> usize {
    set_series(report, options, &BTreeSet::new()).0
}

/// Sets the series of `report`, zeroes those of `before` it no longer has;
/// returns how many it set and the set it published.
fn set_series(
    report: &Report,
    options: &MetricsOptions,
    before: &BTreeSet<Series>,
) -> (usize, BTreeSet<Series>) {
    describe();
    let mut now = BTreeSet::new();
    let mut set = 0;
    for root in report.roots() {
        let name: Cow<'static, str> = report.nodes()[root.index() as usize].name.clone();
        for (path, bytes, allocations) in root_series(root, options) {
            let labels = [("root", name.to_string()), ("path", path.clone())];
            // A root registered twice under one name: its series add up.
            if now.insert((name.clone(), path)) {
                ::metrics::gauge!(HEAP_BYTES, &labels).set(bytes as f64);
                ::metrics::gauge!(HEAP_ALLOCATIONS, &labels).set(allocations as f64);
            } else {
                ::metrics::gauge!(HEAP_BYTES, &labels).increment(bytes as f64);
                ::metrics::gauge!(HEAP_ALLOCATIONS, &labels).increment(allocations as f64);
            }
            set += 2;
        }
    }
    for (root, path) in before.difference(&now) {
        let labels = [("root", root.to_string()), ("path", path.clone())];
        ::metrics::gauge!(HEAP_BYTES, &labels).set(0.0);
        ::metrics::gauge!(HEAP_ALLOCATIONS, &labels).set(0.0);
        set += 2;
    }
    (set, now)
}

fn describe() {
    use ::metrics::{describe_gauge, Unit};
    describe_gauge!(
        HEAP_BYTES,
        Unit::Bytes,
        "Heap bytes the values at a path of a registered root own directly (memsize)"
    );
    describe_gauge!(
        HEAP_ALLOCATIONS,
        Unit::Count,
        "Heap allocations the values at a path of a registered root own directly (memsize)"
    );
    describe_gauge!(
        MEASURE_SECONDS,
        Unit::Seconds,
        "How long memsize's last measurement of the registered roots took"
    );
    describe_gauge!(
        SKIPPED,
        Unit::Count,
        "Contents memsize's last measurement could not reach (locks held elsewhere): not in the figures"
    );
}

/// What the registry remembers of its publications: the series last set,
/// to zero those that vanish, and which measurement set them, so that a
/// slower, older measurement never overwrites a newer one.
pub(crate) struct Published {
    last: Option<u64>,
    series: BTreeSet<Series>,
}

impl Published {
    pub(crate) const fn new() -> Self {
        Published {
            last: None,
            series: BTreeSet::new(),
        }
    }
}

/// One publication: the report it published (for the caller to reuse),
/// how long the measurement took and how many series were set.
#[derive(Debug)]
#[non_exhaustive]
pub struct Publication {
    /// The report published.
    pub report: Report,
    /// How long measuring took (the snapshot of the roots, the traversal,
    /// the report), as published in `memsize_measure_seconds`.
    pub measure: Duration,
    /// How long setting the gauges took.
    pub publish: Duration,
    /// How many series were set (zeroed ones included).
    pub series: usize,
    /// Whether the gauges were set: false when a measurement that started
    /// later had already published.
    pub published: bool,
}

impl Registry {
    /// Measures every root ([`Registry::report`]) and publishes the report
    /// through the `metrics` facade (see [`publish_report`] for the series),
    /// with `memsize_measure_seconds`, how long the measurement took, and
    /// `memsize_skipped`, how many contents it could not reach (locks held
    /// elsewhere past the lock policy's retries).
    ///
    /// For a program's own scheduler; [`Publisher`] calls it on a thread of
    /// its own. Measurements run in parallel; only the setting of the gauges
    /// (a few dozen calls) takes a lock, and a measurement that started
    /// earlier than the last one published sets nothing.
    pub fn publish_once(&self, options: &MetricsOptions) -> Publication {
        let order = self.publications.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        // Paths deeper than the gauges go are folded anyway: the traversal
        // below them runs without the report, at `heap_size()`'s speed.
        let report = self.report_to(Some(options.max_depth));
        let measure = start.elapsed();
        let start = Instant::now();
        let mut state = self
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (series, published) = if state.last.is_some_and(|last| last > order) {
            (0, false)
        } else {
            let (set, now) = set_series(&report, options, &state.series);
            ::metrics::gauge!(MEASURE_SECONDS).set(measure.as_secs_f64());
            ::metrics::gauge!(SKIPPED).set(report.skipped() as f64);
            state.series = now;
            state.last = Some(order);
            (set + 2, true)
        };
        drop(state);
        Publication {
            report,
            measure,
            publish: start.elapsed(),
            series,
            published,
        }
    }
}

/// Measures the [global] registry and publishes it with the default
/// [`MetricsOptions`] (see [`Registry::publish_once`]).
pub fn publish_once() -> Publication {
    global().publish_once(&MetricsOptions::default())
}

/// A thread that publishes a registry every interval (see
/// [`Registry::publish_once`]); it stops, and is joined, when this handle
/// drops. It runs beside any async runtime: measuring is plain blocking
/// work on a thread of its own. A publication that takes longer than the
/// interval is followed by a pause as long as it took, so the thread never
/// measures more than half the time (and a writer waiting for a lock a
/// measurement holds waits for one measurement, not for several back to
/// back).
///
/// ```
/// use std::time::Duration;
/// use memsize::registry::Publisher;
///
/// let publisher = Publisher::spawn(Duration::from_secs(15));
/// // ... the program runs; its roots are published every 15 s ...
/// drop(publisher);
/// ```
#[must_use = "the publisher stops as soon as it drops"]
#[derive(Debug)]
pub struct Publisher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Publisher {
    /// Publishes the [global] registry now and then every
    /// `interval`, with the default [`MetricsOptions`].
    pub fn spawn(interval: Duration) -> Publisher {
        Publisher::spawn_with(global(), interval, MetricsOptions::default())
    }

    /// Publishes `registry` now and then every `interval`, with `options`.
    ///
    /// # Panics
    ///
    /// If the thread can't be spawned, like `std::thread::spawn`.
    pub fn spawn_with(
        registry: &'static Registry,
        interval: Duration,
        options: MetricsOptions,
    ) -> Publisher {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(String::from("memsize-publisher"))
            .spawn(move || {
                let (stopped, wake) = &*stopping;
                let mut next = Instant::now();
                loop {
                    let started = Instant::now();
                    registry.publish_once(&options);
                    let took = started.elapsed();
                    // The next one an interval after this one started or,
                    // for publications longer than the interval, after a
                    // pause as long as this one took (missed ones are not
                    // caught up on): the thread measures at most half the
                    // time, and a writer woken when a measurement lets go
                    // of its lock gets it before the next one asks again.
                    next = (next + interval).max(Instant::now() + took);
                    let mut guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        if *guard {
                            return;
                        }
                        let now = Instant::now();
                        if now >= next {
                            break;
                        }
                        guard = wake
                            .wait_timeout(guard, next - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                }
            })
            .expect("spawning the memsize publisher thread");
        Publisher {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
