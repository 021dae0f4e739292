//! Nothing silently missing from a report: a field left out with `skip`,
//! contents out of reach behind a lock held elsewhere, and a figure that is
//! a bound each show on their own line at their node, and the figures
//! still add up and equal `deep_size()`.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex};

use memsize::alloc::CountingAlloc;
use memsize::{Context, Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// A value whose figure is a bound: it can't see into its second buffer
/// (which it holds only to own it).
struct Partly(Vec<u8>, #[allow(dead_code)] Vec<u8>);

impl SizeOf for Partly {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("seen", &self.0);
        cx.add_bound("hidden buffer");
    }
}

#[derive(SizeOf)]
struct Session {
    token: String,
    #[memsize(skip)]
    cache: HashMap<u64, String>,
}

#[derive(SizeOf)]
struct State {
    sessions: Vec<Session>,
    #[memsize(skip)]
    scratch: Vec<u8>,
    pub_sub: Mutex<HashMap<String, Vec<u8>>>,
    partly: Partly,
}

fn lines_with<'a>(text: &'a str, what: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(what)).collect()
}

#[test]
fn skipped_fields_locks_and_bounds_have_lines() {
    let state = Arc::new(State {
        sessions: (0..10)
            .map(|i| Session {
                token: "t".repeat(i),
                cache: [(1, "x".repeat(100))].into(),
            })
            .collect(),
        scratch: vec![0; 4096],
        pub_sub: Mutex::new([("news".to_string(), vec![0; 500])].into()),
        partly: Partly(vec![0; 10], vec![0; 1000]),
    });
    // Another thread holds the lock for the whole measurement.
    let (held, done) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let holder = {
        let (state, held, done) = (Arc::clone(&state), Arc::clone(&held), Arc::clone(&done));
        std::thread::spawn(move || {
            let _guard = state.pub_sub.lock().unwrap();
            held.wait();
            done.wait();
        })
    };
    held.wait();
    let report = Report::new(&*state);
    let stats = (*state).heap_stats();
    let deep = (*state).deep_size();
    done.wait();
    holder.join().unwrap();

    assert_eq!((stats.skipped, stats.bounds), (1, 1));
    // The same figures as a plain traversal while the lock was held.
    assert_eq!(report.total_bytes(), deep as u64);
    let root = report.root();
    // The skipped field of the root: its own node, its inline bytes, no heap.
    let scratch = root.child("scratch").expect("a line for the skipped field");
    assert!(scratch.node().skipped_field);
    assert_eq!(scratch.heap_bytes(), 0);
    assert_eq!(scratch.total_bytes(), size_of::<Vec<u8>>() as u64);
    // Inside the elements too.
    let cache = root
        .child("sessions")
        .and_then(|s| s.child("[..]"))
        .and_then(|s| s.child("cache"))
        .expect("a line for the skipped field of the elements");
    assert!(cache.node().skipped_field);
    assert_eq!(cache.count(), 10);
    // The lock held elsewhere, at its node.
    let pub_sub = root.child("pub_sub").expect("a line for the lock");
    assert_eq!(pub_sub.node().unreachable, 1);
    // The bound, at its node.
    let partly = root.child("partly").unwrap();
    assert_eq!(partly.node().bounds, ["hidden buffer"]);

    let text = report.to_string();
    assert_eq!(lines_with(&text, "(skipped)").len(), 2, "{text}");
    assert_eq!(
        lines_with(&text, "(1 skipped: locked or borrowed)").len(),
        1,
        "{text}"
    );
    assert_eq!(
        lines_with(&text, "(bound: hidden buffer not counted)").len(),
        1,
        "{text}"
    );
    // The note lines sit right below their node's line.
    let at = |what: &str| text.lines().position(|l| l.contains(what)).unwrap();
    assert_eq!(at("(1 skipped"), at("pub_sub") + 1, "{text}");
    assert_eq!(at("(bound: "), at("partly") + 1, "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

#[cfg(feature = "serde")]
#[test]
fn what_is_left_out_survives_json() {
    let state = State {
        sessions: Vec::new(),
        scratch: vec![0; 10],
        pub_sub: Mutex::new(HashMap::new()),
        partly: Partly(Vec::new(), vec![1]),
    };
    let report = Report::new(&state);
    let json = serde_json::to_string(&report).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.to_string(), report.to_string());
    assert!(back.root().child("scratch").unwrap().node().skipped_field);
}
