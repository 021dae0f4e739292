//! The registry of roots: its report against `heap_stats_all` of the same
//! values and against the allocator, roots that go away, measurements from
//! several threads at once, the rendered formats, and (feature `metrics`)
//! the published gauges, read back through a recorder of the test's own.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use memsize::alloc::{measure, CountingAlloc};
use memsize::registry::Registry;
use memsize::{heap_stats, heap_stats_all, Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct User {
    name: String,
    email: String,
    tags: Vec<String>,
    config: Arc<Config>,
}

#[derive(SizeOf)]
struct Config {
    motd: String,
}

#[derive(SizeOf)]
struct Settings {
    names: Vec<String>,
    config: Arc<Config>,
}

type Users = Arc<RwLock<HashMap<u64, User>>>;
type Log = Arc<Mutex<Vec<String>>>;

/// The state of a small service: users, settings that live for the
/// program's life, a request log reached through a function, and a config
/// all of them share.
struct State {
    users: Users,
    settings: &'static Settings,
    log: Log,
    config: Arc<Config>,
}

fn state(n: u64) -> State {
    let config = Arc::new(Config {
        motd: "x".repeat(100),
    });
    let users = (0..n)
        .map(|i| {
            let user = User {
                name: format!("user {i}"),
                email: format!("user{i}@example.com"),
                tags: (0..i % 3).map(|t| format!("tag {t}")).collect(),
                config: Arc::clone(&config),
            };
            (i, user)
        })
        .collect();
    let settings = Box::leak(Box::new(Settings {
        names: vec!["a".into(), "bc".into()],
        config: Arc::clone(&config),
    }));
    State {
        users: Arc::new(RwLock::new(users)),
        settings,
        log: Arc::new(Mutex::new(vec!["GET /".into(), "POST /users".into()])),
        config,
    }
}

/// Registers every root of `s`: `users` (an `Arc`), `settings` (static),
/// `log` (a function) and `config` (an `Arc` the others reach first).
fn register<'r>(r: &'r Registry, s: &State) -> Vec<memsize::registry::Registration<'r>> {
    let log = Arc::clone(&s.log);
    vec![
        r.register_arc("users", &s.users),
        r.register_static("settings", s.settings),
        r.register_fn("log", move |cx| cx.add_borrowed(&log)),
        r.register_arc("config", &s.config),
    ]
}

#[test]
fn roots_equal_heap_stats_all_and_the_allocator() {
    let (s, built) = measure(|| state(200));
    let registry = Registry::new();
    let _roots = register(&registry, &s);
    let report = registry.report();
    let all = heap_stats_all(&[&s.users, s.settings, &s.log, &s.config]);
    assert_eq!(report.heap_bytes(), all.bytes as u64);
    assert_eq!(report.allocations(), all.allocations as u64);
    // What building the state allocated, less the box `settings` was
    // leaked from (its inline bytes are the root's, not its heap).
    assert_eq!(
        report.heap_bytes() as i64,
        built.net_bytes - size_of::<Settings>() as i64
    );
    assert_eq!(report.allocations() as i64, built.net_allocations() - 1);

    // Root by root, in registration order: each shared allocation at the
    // first root that reaches it.
    let roots: Vec<_> = report.roots().collect();
    let names: Vec<_> = roots.iter().map(|r| r.name()).collect();
    assert_eq!(names, ["users", "settings", "log", "config"]);
    let users = heap_stats(&s.users);
    assert_eq!(roots[0].heap_bytes(), users.bytes as u64);
    assert_eq!(roots[0].allocations(), users.allocations as u64);
    let both = heap_stats_all(&[&s.users, s.settings]);
    assert_eq!(roots[1].heap_bytes(), (both.bytes - users.bytes) as u64);
    assert_eq!(roots[2].heap_bytes(), heap_stats(&s.log).bytes as u64);
    // Reached by the users first: nothing left for the root of its own.
    assert_eq!(roots[3].heap_bytes(), 0);
    assert!(roots[0].type_name().starts_with("alloc::sync::Arc<"));
    assert_eq!(roots[1].inline_bytes(), size_of::<Settings>() as u64);
    assert_eq!(roots[2].inline_bytes(), 0);
}

#[test]
fn a_dropped_arc_root_disappears() {
    let registry = Registry::new();
    let kept = Arc::new(vec![0u8; 100]);
    let dropped = Arc::new(vec![0u8; 1000]);
    let _kept = registry.register_arc("kept", &kept);
    let handle = registry.register_arc("dropped", &dropped);
    assert_eq!(registry.report().roots().len(), 2);
    // The registry holds it weakly: dropping the program's Arc frees the
    // vector's buffer (the block stays until the last Weak goes).
    let ((), freed) = measure(|| drop(dropped));
    assert_eq!(freed.bytes_freed, 1000);
    let report = registry.report();
    let names: Vec<_> = report.roots().map(|r| r.name()).collect();
    assert_eq!(names, ["kept"]);
    assert_eq!(report.heap_bytes(), heap_stats(&kept).bytes as u64);
    // Still registered until its handle drops; dropping it frees the block.
    assert_eq!(registry.len(), 2);
    let ((), freed) = measure(|| drop(handle));
    assert!(freed.bytes_freed >= (2 * size_of::<usize>() + size_of::<Vec<u8>>()) as u64);
    assert_eq!(registry.len(), 1);
}

#[test]
fn dropping_a_registration_unregisters() {
    static NAMES: [&str; 2] = ["a", "b"];
    let registry = Registry::new();
    let settings: &'static Vec<String> = Box::leak(Box::new(vec!["x".repeat(10)]));
    let first = registry.register_static("settings", settings);
    let second = registry.register_fn("names", |cx| cx.add_borrowed(&NAMES));
    let arc = Arc::new(String::from("abc"));
    let third = registry.register_arc("arc", &arc);
    assert_eq!(registry.len(), 3);
    drop(second);
    let names: Vec<_> = registry
        .report()
        .roots()
        .map(|r| r.name().to_owned())
        .collect();
    assert_eq!(names, ["settings", "arc"]);
    drop(first);
    drop(third);
    assert!(registry.is_empty());
    assert_eq!(registry.report().roots().len(), 0);
    // Keeping a registration keeps the root.
    registry.register_static("kept", settings).keep();
    assert_eq!(
        registry.report().heap_bytes(),
        heap_stats(settings).bytes as u64
    );
}

#[test]
fn two_threads_measure_at_once() {
    let s = state(2000);
    // Registered in a registry that lives as long as the test's threads.
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let _roots = register(registry, &s);
    // A function root that waits until both measurements are inside it:
    // it returns only if neither holds anything the other needs.
    let inside = Arc::new(AtomicUsize::new(0));
    let met = Arc::new(AtomicUsize::new(0));
    let (i, m) = (Arc::clone(&inside), Arc::clone(&met));
    let _meet = registry.register_fn("meet", move |_| {
        i.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        while i.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        if i.load(Ordering::SeqCst) >= 2 {
            m.fetch_add(1, Ordering::SeqCst);
        }
    });
    let expected = heap_stats_all(&[&s.users, s.settings, &s.log, &s.config]);
    let reports: Vec<Report> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2).map(|_| scope.spawn(|| registry.report())).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(
        met.load(Ordering::SeqCst),
        2,
        "the measurements were not concurrent"
    );
    for r in &reports {
        assert_eq!(r.heap_bytes(), expected.bytes as u64);
        assert_eq!(r.allocations(), expected.allocations as u64);
        assert_eq!(r.skipped(), 0);
    }
    // And many more, from two threads, while the state is read elsewhere.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..20 {
                    // The meeting root only meets once: measure the rest.
                    let r = registry.report();
                    assert_eq!(r.heap_bytes(), expected.bytes as u64);
                }
            });
        }
        scope.spawn(|| {
            for _ in 0..200 {
                let users = s.users.read().unwrap();
                assert_eq!(users.len(), 2000);
            }
        });
    });
}

#[test]
fn render_formats() {
    let s = state(50);
    let registry = Registry::new();
    let _roots = register(&registry, &s);
    let report = registry.report();

    let (text, content_type) = registry.render("text").unwrap();
    assert_eq!(content_type, "text/plain; charset=utf-8");
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text, report.to_string());
    for name in ["users", "settings", "log", "config"] {
        assert!(text.contains(name), "{name} in\n{text}");
    }
    let (types, _) = registry.render("types").unwrap();
    assert_eq!(
        String::from_utf8(types).unwrap(),
        report.by_type().to_string()
    );

    // The first diff is against nothing; the next one shows the growth.
    let (first, _) = registry.render("diff").unwrap();
    assert!(String::from_utf8(first)
        .unwrap()
        .starts_with("total: 0 B -> "));
    let (same, _) = registry.render("diff").unwrap();
    assert!(String::from_utf8(same).unwrap().contains("no change"));
    s.users.write().unwrap().insert(
        1000,
        User {
            name: "x".repeat(1000),
            email: String::new(),
            tags: Vec::new(),
            config: Arc::clone(&s.config),
        },
    );
    let (grown, _) = registry.render("diff").unwrap();
    let grown = String::from_utf8(grown).unwrap();
    assert!(grown.contains("users.*[value].name"), "{grown}");

    let err = registry.render("bmp").unwrap_err();
    assert_eq!(err.format(), "bmp");
    assert!(err.to_string().contains("text, types"), "{err}");
    assert!(memsize::registry::FORMATS.contains(&"diff"));
}

#[cfg(feature = "serde")]
#[test]
fn render_json_is_the_report() {
    let s = state(50);
    let registry = Registry::new();
    let _roots = register(&registry, &s);
    let (json, content_type) = registry.render("json").unwrap();
    assert_eq!(content_type, "application/json");
    let back: Report = serde_json::from_slice(&json).unwrap();
    let report = registry.report();
    assert_eq!(back.nodes(), report.nodes());
    assert_eq!(
        back.heap_bytes(),
        heap_stats_all(&[&s.users, s.settings, &s.log, &s.config]).bytes as u64
    );
}

/// The heap profile of the registry: gzip, and its format listed.
#[cfg(feature = "pprof")]
#[test]
fn render_pprof_is_a_gzipped_profile() {
    let s = state(50);
    let registry = Registry::new();
    let _roots = register(&registry, &s);
    let (profile, content_type) = registry.render("pprof").unwrap();
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(&profile[..2], [0x1f, 0x8b], "gzip's magic");
    assert!(memsize::registry::FORMATS.contains(&"pprof"));
}

#[cfg(not(feature = "pprof"))]
#[test]
fn render_pprof_says_which_feature_it_needs() {
    let err = Registry::new().render("pprof").unwrap_err();
    assert!(err.to_string().contains("`pprof` feature"), "{err}");
}

#[cfg(feature = "metrics")]
mod metrics_published {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, Gauge, GaugeFn, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    use super::*;
    use memsize::registry::MetricsOptions;

    /// A gauge's name and labels.
    type Series = (String, Vec<(String, String)>);

    /// The gauges set, by name and labels.
    #[derive(Default)]
    struct Gauges(Mutex<BTreeMap<Series, f64>>);

    struct One(Arc<Gauges>, Series);

    impl GaugeFn for One {
        fn increment(&self, value: f64) {
            *self.0 .0.lock().unwrap().entry(self.1.clone()).or_default() += value;
        }
        fn decrement(&self, value: f64) {
            self.increment(-value);
        }
        fn set(&self, value: f64) {
            self.0 .0.lock().unwrap().insert(self.1.clone(), value);
        }
    }

    struct Rec(Arc<Gauges>);

    impl Recorder for Rec {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::noop()
        }
        fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            Gauge::from_arc(Arc::new(One(
                Arc::clone(&self.0),
                (key.name().to_owned(), labels),
            )))
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    impl Gauges {
        /// The sum of a metric's series whose labels include `root`.
        fn sum(&self, name: &str, root: &str) -> f64 {
            self.0
                .lock()
                .unwrap()
                .iter()
                .filter(|((n, labels), _)| {
                    n == name && labels.iter().any(|(k, v)| k == "root" && v == root)
                })
                .map(|(_, v)| v)
                .sum()
        }
        fn series(&self, name: &str, root: &str) -> Vec<(String, f64)> {
            self.0
                .lock()
                .unwrap()
                .iter()
                .filter(|((n, labels), _)| {
                    n == name && labels.iter().any(|(k, v)| k == "root" && v == root)
                })
                .map(|((_, labels), v)| {
                    let path = labels.iter().find(|(k, _)| k == "path").unwrap().1.clone();
                    (path, *v)
                })
                .collect()
        }
        fn get(&self, name: &str) -> Option<f64> {
            self.0
                .lock()
                .unwrap()
                .iter()
                .find(|((n, _), _)| n == name)
                .map(|(_, v)| *v)
        }
    }

    #[test]
    fn gauges_sum_to_each_root() {
        let s = state(300);
        let registry = Registry::new();
        let roots = register(&registry, &s);
        let gauges = Arc::new(Gauges::default());
        let recorder = Rec(Arc::clone(&gauges));
        for options in [
            MetricsOptions::default(),
            MetricsOptions::default().max_depth(1),
            MetricsOptions::default().top_n(1),
            MetricsOptions::default().min_share(0.5),
            MetricsOptions::default().max_depth(0),
        ] {
            let p = metrics::with_local_recorder(&recorder, || registry.publish_once(&options));
            assert!(p.published);
            for root in p.report.roots() {
                let bytes = gauges.sum("memsize_heap_bytes", root.name());
                assert_eq!(
                    bytes,
                    root.heap_bytes() as f64,
                    "{} with {options:?}",
                    root.name()
                );
                let allocs = gauges.sum("memsize_heap_allocations", root.name());
                assert_eq!(allocs, root.allocations() as f64, "{}", root.name());
                assert!(gauges.series("memsize_heap_bytes", root.name()).len() <= 18);
            }
            let all: f64 = ["users", "settings", "log", "config"]
                .iter()
                .map(|r| gauges.sum("memsize_heap_bytes", r))
                .sum();
            let expected = heap_stats_all(&[&s.users, s.settings, &s.log, &s.config]);
            assert_eq!(all, expected.bytes as f64);
            assert_eq!(gauges.get("memsize_skipped"), Some(0.0));
            assert!(gauges.get("memsize_measure_seconds").unwrap() > 0.0);
        }
        // With one path a root, the rest is in (other).
        metrics::with_local_recorder(&recorder, || {
            registry.publish_once(&MetricsOptions::default().top_n(1))
        });
        let users = gauges.series("memsize_heap_bytes", "users");
        assert!(
            users.iter().any(|(p, v)| p == "(other)" && *v > 0.0),
            "{users:?}"
        );
        assert!(users.iter().any(|(p, _)| p == "users"), "{users:?}");
        // A root that goes away is zeroed at the next publication.
        drop(roots);
        metrics::with_local_recorder(&recorder, || {
            registry.publish_once(&MetricsOptions::default())
        });
        assert_eq!(gauges.sum("memsize_heap_bytes", "users"), 0.0);
        assert_eq!(gauges.sum("memsize_heap_allocations", "log"), 0.0);
    }

    #[test]
    fn depth_limit_folds_into_the_ancestor() {
        let s = state(30);
        let registry = Registry::new();
        let _users = registry.register_arc("users", &s.users);
        let gauges = Arc::new(Gauges::default());
        let recorder = Rec(Arc::clone(&gauges));
        let options = MetricsOptions::default().max_depth(1).min_share(0.0);
        let p = metrics::with_local_recorder(&recorder, || registry.publish_once(&options));
        let mut paths: Vec<String> = gauges
            .series("memsize_heap_bytes", "users")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        paths.sort();
        // The Arc's block, and the map with everything below it.
        assert_eq!(paths, ["users", "users.*"]);
        let map = p.report.roots().next().unwrap().child("*").unwrap();
        let series = gauges.series("memsize_heap_bytes", "users");
        let at = series.iter().find(|(p, _)| p == "users.*").unwrap().1;
        assert_eq!(at, map.heap_bytes() as f64);
    }
}
