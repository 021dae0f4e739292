//! What users see of a report: the tree, the table by type, the diff and
//! the folded stacks, as snapshots of deterministic values; and the sums
//! behind every printed line, exact and held against the allocator.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Mutex;

use memsize::alloc::{measure, CountingAlloc};
use memsize::report::{NodeRef, SortBy};
use memsize::{Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct Config {
    motd: String,
    limits: Vec<u32>,
}

#[derive(SizeOf)]
struct User {
    id: u64,
    name: String,
    tags: Vec<String>,
    admin: bool,
}

#[derive(SizeOf)]
enum Session {
    Anonymous,
    Signed { user: u64, token: String },
}

#[derive(SizeOf)]
struct Service {
    users: HashMap<u64, User>,
    by_name: BTreeMap<String, u64>,
    config: Rc<Config>,
    sessions: Vec<Session>,
    cache: Mutex<Vec<u8>>,
    config_again: Rc<Config>,
    started: u32,
}

fn user(id: u64) -> User {
    User {
        id,
        name: format!("user-{id:04}"),
        tags: (0..id % 3).map(|t| format!("tag{t}")).collect(),
        admin: id == 0,
    }
}

/// A service with `n` users; every figure depends on `n` alone.
fn service(n: u64) -> Service {
    let config = Rc::new(Config {
        motd: String::from("welcome to the service"),
        limits: vec![10, 100, 1000],
    });
    let users: HashMap<u64, User> = (0..n).map(|id| (id, user(id))).collect();
    let by_name = users.values().map(|u| (u.name.clone(), u.id)).collect();
    let mut sessions = Vec::with_capacity(16);
    for i in 0..n.min(10) {
        sessions.push(if i % 4 == 0 {
            Session::Anonymous
        } else {
            Session::Signed {
                user: i,
                token: format!("tok{i:08}"),
            }
        });
    }
    Service {
        users,
        by_name,
        config_again: Rc::clone(&config),
        config,
        sessions,
        cache: Mutex::new(vec![0; 256]),
        started: 0,
    }
}

#[derive(SizeOf)]
enum List {
    Nil,
    Cons(u64, Box<List>),
}

/// Every node is its self bytes and its children's totals, exactly, and
/// its heap and allocations are its own and its children's: the figures
/// the tree prints, the folded stacks and the table by type add up. The
/// whole is `deep_size()`, and the heap is what the allocator saw.
fn check_sums<T: SizeOf>(build: impl FnOnce() -> T) -> (T, Report) {
    let (value, stats) = measure(build);
    let report = Report::new(&value);
    assert_eq!(report.total_bytes(), value.deep_size() as u64);
    assert_eq!(report.heap_bytes() as i64, stats.net_bytes, "heap");
    assert_eq!(report.allocations() as i64, stats.net_allocations());
    let mut self_sum = 0;
    fn walk(n: NodeRef<'_>, self_sum: &mut u64) {
        let (mut total, mut heap, mut allocs) = (n.self_bytes(), n.own_bytes(), 0);
        *self_sum += n.self_bytes();
        for c in n.children() {
            total += c.total_bytes();
            heap += c.heap_bytes();
            allocs += c.allocations();
            walk(c, self_sum);
        }
        assert_eq!(n.total_bytes(), total, "total of {}", n.name());
        assert_eq!(n.heap_bytes(), heap, "heap of {}", n.name());
        assert_eq!(
            n.allocations(),
            n.own_allocations() + allocs,
            "allocations of {}",
            n.name()
        );
        assert!(n.self_bytes() >= n.own_bytes());
    }
    walk(report.root(), &mut self_sum);
    assert_eq!(self_sum, report.total_bytes(), "self bytes");
    // The folded stacks sum to the total.
    let folded: u64 = report
        .folded()
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(folded, report.total_bytes(), "folded");
    // The table by type sums to the heap and the total.
    let types = report.by_type();
    let heap: u64 = types.rows().iter().map(|r| r.heap_bytes).sum();
    let total: u64 = types.rows().iter().map(|r| r.total_bytes).sum();
    let allocs: u64 = types.rows().iter().map(|r| r.allocations).sum();
    assert_eq!(heap, report.heap_bytes(), "heap by type");
    assert_eq!(total, report.total_bytes(), "total by type");
    assert_eq!(allocs, report.allocations(), "allocations by type");
    (value, report)
}

#[test]
fn printed_lines_sum_to_their_parent() {
    check_sums(|| service(40));
    check_sums(|| service(0));
    check_sums(|| Box::new(user(2)));
    check_sums(|| vec![user(1), user(2), user(5)]);
    check_sums(|| {
        let mut l = List::Nil;
        for i in 0..1000 {
            l = List::Cons(i, Box::new(l));
        }
        l
    });
    check_sums(|| {
        let shared = Rc::new(vec![String::from("shared"); 4]);
        (
            vec![Rc::clone(&shared); 3],
            Some(Box::new(shared)),
            [String::from("a"), String::from("bc")],
        )
    });
}

/// A recursive type whose parts are fields, pointees and elements.
#[derive(SizeOf, Clone, Debug)]
enum Tree {
    Leaf(String),
    Pair(u16, String, Option<Box<Tree>>),
    Node { kids: Vec<Tree>, label: String },
    Map(BTreeMap<u8, Tree>),
    Boxed(Box<Tree>),
}

fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
    use proptest::prelude::*;
    let leaf = ".{0,20}".prop_map(Tree::Leaf);
    leaf.prop_recursive(6, 120, 8, |inner| {
        prop_oneof![
            (any::<u16>(), ".{0,8}", prop::option::of(inner.clone()))
                .prop_map(|(n, s, t)| Tree::Pair(n, s, t.map(Box::new))),
            (prop::collection::vec(inner.clone(), 0..8), ".{0,8}")
                .prop_map(|(kids, label)| Tree::Node { kids, label }),
            prop::collection::btree_map(any::<u8>(), inner.clone(), 0..6).prop_map(Tree::Map),
            inner.prop_map(|t| Tree::Boxed(Box::new(t))),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn random_trees_sum(t in tree()) {
        // Built inside the measurement, so the allocator sees all of it.
        check_sums(|| t.clone());
        check_sums(|| vec![t.clone(), t.clone()]);
    }
}

#[test]
fn usable_column_only_when_asked() {
    let v = vec![String::from("abc"); 4];
    let plain = Report::new(&v).to_string();
    assert!(!plain.contains("usable"));
    // SAFETY: only memsize's own impls are reached.
    let asked = unsafe { Report::builder().usable_sizes(true) }
        .root("v", &v)
        .build();
    assert!(asked.has_usable_sizes());
    assert!(asked.to_string().contains("usable"));
    assert!(!asked.display().usable(false).to_string().contains("usable"));
}

#[test]
fn several_roots_sum_too() {
    let a = service(5);
    let b = vec![Rc::clone(&a.config)];
    let report = Report::builder().root("a", &a).root("b", &b).build();
    let total: u64 = report.roots().map(|r| r.total_bytes()).sum();
    assert_eq!(total, report.total_bytes());
    let folded: u64 = report
        .folded()
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(folded, report.total_bytes());
    assert!(report.folded().starts_with("a "));
    assert!(report.to_string().starts_with("(roots): "));
}

#[test]
fn output_does_not_depend_on_hash_order() {
    // Two services built apart have different hash seeds, so their maps
    // iterate in different orders; the text is the same.
    let (a, b) = (service(30), service(30));
    let (ra, rb) = (Report::new(&a), Report::new(&b));
    assert_eq!(ra.to_string(), rb.to_string());
    assert_eq!(ra.by_type().to_string(), rb.by_type().to_string());
    assert_eq!(ra.folded(), rb.folded());
    assert!(ra.diff(&rb).paths().is_empty());
    assert!(ra.diff(&rb).to_string().ends_with("no change\n"));
}

#[test]
fn depth_and_min_share_fold_lines() {
    let s = service(40);
    let report = Report::new(&s);
    let text = report.display().depth(0).to_string();
    // The root alone: no line is indented.
    assert!(
        text.lines().nth(2).unwrap().starts_with("Service "),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with(' ')), "{text}");
    let text = report.display().depth(1).min_share(0.2).to_string();
    assert!(text.contains("more)"), "{text}");
    for line in report.display().to_string().lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

#[test]
fn diff_orders_by_absolute_change() {
    let before = Report::new(&service(10));
    let after = Report::new(&service(40));
    let diff = after.diff(&before);
    assert_eq!(
        diff.total_diff(),
        after.total_bytes() as i64 - before.total_bytes() as i64
    );
    let changes: Vec<u64> = diff
        .paths()
        .iter()
        .map(|p| p.total_diff().unsigned_abs())
        .collect();
    assert!(changes.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(diff.paths()[0].path, "Service");
    // The types' changes sum to the total's.
    let sum: i64 = diff.types().iter().map(|t| t.total_diff()).sum();
    assert_eq!(sum, diff.total_diff());
    // Undone, the other way round.
    let back = Report::compare(&after, &before);
    assert_eq!(back.total_diff(), -diff.total_diff());
}

#[cfg(feature = "serde")]
#[test]
fn json_round_trip() {
    let s = service(12);
    let report = Report::new(&s);
    let json = serde_json::to_string(&report).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema_version"], Report::SCHEMA_VERSION);
    assert_eq!(value["nodes"][1]["name"], "Service");
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.schema_version(), Report::SCHEMA_VERSION);
    assert_eq!(back.nodes(), report.nodes());
    assert_eq!(back.total_bytes(), report.total_bytes());
    assert_eq!(back.to_string(), report.to_string());
    assert_eq!(back.folded(), report.folded());
    assert!(back.diff(&report).paths().is_empty());
}

/// Snapshots: the sizes of std's types are those of 64-bit targets.
#[cfg(target_pointer_width = "64")]
mod snapshots {
    use super::*;

    #[test]
    fn tree() {
        let s = service(40);
        let report = Report::new(&s);
        insta::assert_snapshot!("tree", report.to_string());
        insta::assert_snapshot!(
            "tree_options",
            report
                .display()
                .depth(2)
                .min_share(0.05)
                .padding(true)
                .sort(SortBy::Name)
                .to_string()
        );
    }

    #[test]
    fn recursive() {
        let mut l = List::Nil;
        for i in 0..1000 {
            l = List::Cons(i, Box::new(l));
        }
        let report = Report::new(&l);
        insta::assert_snapshot!("recursive", report.display().padding(true).to_string());
        insta::assert_snapshot!("recursive_folded", report.folded());
        // Dropped a link at a time: no deep recursion in drop.
        while let List::Cons(_, next) = l {
            l = *next;
        }
    }

    #[test]
    fn by_type() {
        let s = service(40);
        insta::assert_snapshot!("by_type", Report::new(&s).by_type().to_string());
    }

    #[test]
    fn diff() {
        let mut s = service(10);
        let before = Report::new(&s);
        for id in 10..40 {
            let u = user(id);
            s.by_name.insert(u.name.clone(), id);
            s.users.insert(id, u);
        }
        s.sessions.clear();
        s.sessions.shrink_to_fit();
        insta::assert_snapshot!("diff", Report::new(&s).diff(&before).to_string());
    }

    #[test]
    fn folded() {
        let s = service(40);
        insta::assert_snapshot!("folded", Report::new(&s).folded());
    }
}
