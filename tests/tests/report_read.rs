//! Reports read back from JSON are untrusted input: whatever the JSON
//! holds, reading it either refuses it with an error that says what is
//! wrong, or gives a report that every reader goes through without a
//! panic, an abort or a hang. A table of hostile inputs, a consistent
//! chain 200,000 nodes deep, and arbitrary node graphs.
#![cfg(all(feature = "std", feature = "serde"))]

use std::sync::{mpsc, Arc};
use std::time::Duration;

use memsize::Report;
use memsize_tests::report_views;
use proptest::prelude::*;
use serde_json::{json, Value};

/// One node of the JSON form, with the fields every node has.
#[allow(clippy::too_many_arguments)]
fn node(
    name: &str,
    edge: &str,
    counted: bool,
    inline: u64,
    own: (u64, u64),
    below: (u64, u64),
    children: &[u64],
) -> Value {
    json!({
        "name": name, "type_name": "alloc::vec::Vec<u8>", "edge": edge, "count": 1,
        "inline_bytes": inline, "own_bytes": own.0, "own_allocations": own.1,
        "heap_bytes": below.0, "allocations": below.1, "usable_heap_bytes": null,
        "padding_bytes": 0, "shared": false, "inline_counted": counted,
        "children": children,
    })
}

fn report(nodes: Vec<Value>) -> Value {
    json!({ "schema_version": Report::SCHEMA_VERSION, "nodes": nodes, "skipped": 0, "usable_sizes": false })
}

/// A consistent chain: the top, a root, then `depth - 1` nodes each behind
/// the one before, each owning one allocation of one byte.
fn chain(depth: u64) -> Value {
    let mut nodes = vec![node("", "root", true, 8, (0, 0), (depth, depth), &[1])];
    for i in 1..=depth {
        let children: &[u64] = if i < depth { &[i + 1] } else { &[] };
        let (edge, counted, inline) = if i == 1 {
            ("root", true, 8)
        } else {
            ("pointee", false, 16)
        };
        let below = depth - i + 1;
        nodes.push(node(
            "next",
            edge,
            counted,
            inline,
            (1, 1),
            (below, below),
            children,
        ));
    }
    report(nodes)
}

/// [`chain`] as text, written directly: the same JSON, built faster.
fn chain_text(depth: u64) -> String {
    use std::fmt::Write;
    /// `(name, edge, inline_counted, inline_bytes)`, `(own, below)`.
    fn node(
        out: &mut String,
        what: (&str, &str, bool, u64),
        bytes: (u64, u64),
        child: Option<u64>,
    ) {
        let (name, edge, counted, inline) = what;
        let (own, below) = bytes;
        let children = child.map_or(String::new(), |c| c.to_string());
        let _ = write!(
            out,
            r#"{{"name":"{name}","type_name":"alloc::vec::Vec<u8>","edge":"{edge}","count":1,"#
        );
        let _ = write!(
            out,
            r#""inline_bytes":{inline},"own_bytes":{own},"own_allocations":{own},"#
        );
        let _ = write!(
            out,
            r#""heap_bytes":{below},"allocations":{below},"usable_heap_bytes":null,"#
        );
        let _ = write!(
            out,
            r#""padding_bytes":0,"shared":false,"inline_counted":{counted},"children":[{children}]}}"#
        );
    }
    let mut out = format!(r#"{{"schema_version":{},"nodes":["#, Report::SCHEMA_VERSION);
    node(&mut out, ("", "root", true, 8), (0, depth), Some(1));
    for i in 1..=depth {
        out.push(',');
        let what = if i == 1 {
            ("next", "root", true, 8)
        } else {
            ("next", "pointee", false, 16)
        };
        node(
            &mut out,
            what,
            (1, depth - i + 1),
            (i < depth).then_some(i + 1),
        );
    }
    out.push_str(r#"],"skipped":0,"usable_sizes":false}"#);
    out
}

fn read(json: &Value) -> Result<Report, String> {
    serde_json::from_str::<Report>(&json.to_string()).map_err(|e| e.to_string())
}

/// Runs every reader of `report`, each in a thread of its own, and fails
/// if one panics or takes longer than `limit`.
fn run_views(report: Report, limit: Duration) {
    let report = Arc::new(report);
    for (name, view) in report_views() {
        let r = Arc::clone(&report);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            view(&r);
            let _ = tx.send(());
        });
        match rx.recv_timeout(limit) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: longer than {limit:?}"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name} panicked"),
        }
    }
    // What was read writes back as JSON that reads again, the same.
    let json = serde_json::to_string(&*report).unwrap();
    let back: Report = serde_json::from_str(&json).expect("a report read back reads again");
    assert_eq!(back.nodes(), report.nodes());
}

fn set(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

/// A real report's JSON to start from.
fn real() -> Value {
    let v: Vec<Vec<String>> = vec![vec!["a".into(), "bc".into()], vec![]];
    serde_json::to_value(Report::new(&v)).unwrap()
}

/// Hostile inputs, each with what the error must say (`None`: read, and
/// every reader must cope).
fn table() -> Vec<(&'static str, Value, Option<&'static str>)> {
    let max = u64::MAX;
    let dag = {
        // 61 nodes, each listing the next twice: 2^60 paths.
        let mut nodes = vec![node("", "root", true, 8, (0, 0), (0, 0), &[1])];
        for i in 1..=60u64 {
            let children: Vec<u64> = if i < 60 { vec![i + 1, i + 1] } else { vec![] };
            nodes.push(node("n", "field", true, 8, (0, 0), (0, 0), &children));
        }
        report(nodes)
    };
    vec![
        ("a real report", real(), None),
        (
            "schema_version 0",
            set(real(), |v| v["schema_version"] = json!(0)),
            Some("schema_version 0 is not"),
        ),
        (
            "schema_version 3",
            set(real(), |v| v["schema_version"] = json!(3)),
            Some("schema_version 3 is not"),
        ),
        (
            "schema_version 999",
            set(real(), |v| v["schema_version"] = json!(999)),
            Some("schema_version 999 is not"),
        ),
        (
            "no nodes",
            set(real(), |v| v["nodes"] = json!([])),
            Some("no nodes"),
        ),
        (
            "a child index past the end",
            set(chain(3), |v| v["nodes"][2]["children"] = json!([3, 9])),
            Some("node 2 has child 9, past the last node (3)"),
        ),
        (
            "a child index u32::MAX",
            set(chain(3), |v| v["nodes"][3]["children"] = json!([u32::MAX])),
            Some("past the last node"),
        ),
        (
            "a child index past u32",
            set(chain(3), |v| {
                v["nodes"][3]["children"] = json!([1u64 << 32])
            }),
            Some("expected u32"),
        ),
        (
            "a negative child index",
            set(chain(3), |v| v["nodes"][3]["children"] = json!([-1])),
            Some("expected u32"),
        ),
        (
            "a node that is its own child",
            set(chain(3), |v| v["nodes"][2]["children"] = json!([2, 3])),
            Some("node 2 is its own child"),
        ),
        (
            "the top as its own child",
            set(chain(3), |v| v["nodes"][0]["children"] = json!([0, 1])),
            Some("node 0 is its own child"),
        ),
        (
            "a node pointing back to the top",
            set(chain(3), |v| v["nodes"][3]["children"] = json!([0])),
            Some("node 3 has the top, node 0, as its child"),
        ),
        (
            "a cycle through an earlier node",
            set(chain(4), |v| v["nodes"][4]["children"] = json!([2])),
            Some("node 4 has child 2, which comes before it"),
        ),
        (
            "a 61-node DAG, each node listing the next twice",
            dag,
            Some("node 2 is a child of node 1 and of node 1"),
        ),
        (
            "a node reached from two parents",
            set(chain(3), |v| {
                v["nodes"][1]["children"] = json!([2, 3]);
            }),
            Some("node 3 is a child of node 1 and of node 2"),
        ),
        (
            "a node no node reaches",
            set(chain(3), |v| {
                v["nodes"][2]["children"] = json!([]);
            }),
            Some("node 3 is no node's child"),
        ),
        (
            "heap bytes that don't add up",
            set(chain(3), |v| v["nodes"][2]["heap_bytes"] = json!(5)),
            Some("node 2: heap_bytes 5, but its own bytes and its children's heap add up to 2"),
        ),
        (
            "allocations that don't add up",
            set(chain(3), |v| v["nodes"][3]["allocations"] = json!(0)),
            Some("node 3: allocations 0"),
        ),
        (
            "the top's inline bytes that aren't its roots'",
            set(chain(3), |v| v["nodes"][0]["inline_bytes"] = json!(9)),
            Some("node 0 (the top): inline_bytes 9"),
        ),
        (
            "heap near u64::MAX that overflows its parent's sum",
            report(vec![
                node("", "root", true, 0, (0, 0), (max, 2), &[1, 2]),
                node("a", "root", true, 0, (max - 1, 1), (max - 1, 1), &[]),
                node("b", "root", true, 0, (max - 1, 1), (max - 1, 1), &[]),
            ]),
            Some("overflow a u64"),
        ),
        (
            "inline and heap bytes whose total overflows",
            report(vec![
                node("", "root", true, max, (0, 0), (1, 1), &[1]),
                node("a", "root", true, max, (1, 1), (1, 1), &[]),
            ]),
            Some("node 1: inline_bytes and heap_bytes overflow a u64"),
        ),
        (
            "fields' inline bytes whose sum overflows",
            report(vec![
                node("", "root", true, 0, (0, 0), (0, 0), &[1]),
                node("a", "root", true, 0, (0, 0), (0, 0), &[2, 3]),
                node("x", "field", true, max / 2 + 1, (0, 0), (0, 0), &[]),
                node("y", "field", true, max / 2 + 1, (0, 0), (0, 0), &[]),
            ]),
            Some("overflow a u64, at node 2"),
        ),
        (
            "roots' inline bytes whose sum overflows",
            report(vec![
                node("", "root", true, 0, (0, 0), (0, 0), &[1, 2]),
                node("a", "root", true, max, (0, 0), (0, 0), &[]),
                node("b", "root", true, max, (0, 0), (0, 0), &[]),
            ]),
            Some("overflow a u64"),
        ),
        (
            "a usable figure whose children's are unknown",
            set(chain(2), |v| {
                v["usable_sizes"] = json!(true);
                v["nodes"][1]["usable_heap_bytes"] = json!(32);
            }),
            Some("node 1: usable_heap_bytes known, but not its children's"),
        ),
        (
            "a usable figure smaller than its children's",
            set(chain(2), |v| {
                v["usable_sizes"] = json!(true);
                v["nodes"][1]["usable_heap_bytes"] = json!(3);
                v["nodes"][2]["usable_heap_bytes"] = json!(16);
            }),
            Some("node 1: usable_heap_bytes 3, less than its children's (16)"),
        ),
        (
            "counts at u64::MAX in nodes of one type",
            set(chain(50), |v| {
                for n in v["nodes"].as_array_mut().unwrap() {
                    n["count"] = json!(max);
                    n["padding_bytes"] = json!(max);
                }
            }),
            None,
        ),
        (
            "figures at u64::MAX that add up",
            report(vec![
                node("", "root", true, 0, (0, 0), (max, max), &[1]),
                node("a", "root", true, 0, (max - 7, max - 1), (max, max), &[2]),
                node("*", "pointee", false, 9, (7, 1), (7, 1), &[]),
            ]),
            None,
        ),
        (
            "a usable figure at u64::MAX",
            set(chain(2), |v| {
                v["usable_sizes"] = json!(true);
                v["nodes"][0]["usable_heap_bytes"] = json!(max);
                v["nodes"][1]["usable_heap_bytes"] = json!(max);
                v["nodes"][2]["usable_heap_bytes"] = json!(max);
            }),
            None,
        ),
        (
            "names and types from anywhere",
            set(chain(4), |v| {
                let names = [
                    "bell\u{7}",
                    "esc\u{1b}[0m",
                    "nul\0",
                    "",
                    ";\n\r<&\"'>\u{fffe}",
                    "x]",
                    "]",
                    "[",
                ];
                for (i, n) in v["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
                    n["name"] = json!(names[i % names.len()]);
                    n["type_name"] = json!(names[(i + 2) % names.len()]);
                }
            }),
            None,
        ),
        (
            "a root named `x]` (its diff cut its path at a `[` it lacks)",
            set(chain(3), |v| v["nodes"][1]["name"] = json!("x]")),
            None,
        ),
        (
            "a shared node with a shared node below it",
            set(chain(4), |v| {
                v["nodes"][2]["shared"] = json!(true);
                v["nodes"][3]["shared"] = json!(true);
            }),
            None,
        ),
        (
            "a root whose fields' inline bytes exceed its own",
            report(vec![
                node("", "root", true, 1, (0, 0), (0, 0), &[1]),
                node("a", "root", true, 1, (0, 0), (0, 0), &[2]),
                node("x", "field", true, 1000, (0, 0), (0, 0), &[]),
            ]),
            None,
        ),
        (
            "the top alone",
            report(vec![node("", "root", true, 0, (0, 0), (0, 0), &[])]),
            None,
        ),
        (
            "siblings with the same path and type",
            report(vec![
                node("", "root", true, 16, (0, 0), (2, 2), &[1, 2]),
                node("a", "root", true, 8, (1, 1), (1, 1), &[]),
                node("a", "root", true, 8, (1, 1), (1, 1), &[]),
            ]),
            None,
        ),
    ]
}

#[test]
fn hostile_json_is_refused_with_a_reason_or_read_safely() {
    for (what, json, expected) in table() {
        match (read(&json), expected) {
            (Ok(report), None) => run_views(report, Duration::from_secs(10)),
            (Ok(_), Some(e)) => panic!("{what}: read, but should fail with {e:?}"),
            (Err(e), None) => panic!("{what}: refused: {e}"),
            (Err(e), Some(expected)) => {
                assert!(
                    e.contains(expected),
                    "{what}: error {e:?} lacks {expected:?}"
                );
            }
        }
    }
}

#[test]
fn a_report_read_back_reads_like_the_one_written() {
    let v: Vec<String> = (0..10).map(|i| format!("name {i}")).collect();
    let report = Report::new(&v);
    let back: Report = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert_eq!(back.to_string(), report.to_string());
    assert_eq!(back.folded(), report.folded());
}

#[test]
fn the_chain_as_text_is_the_chain() {
    let text: Value = serde_json::from_str(&chain_text(5)).unwrap();
    assert_eq!(text, chain(5));
}

/// The deep chain, on the test's own thread (whose stack is the default
/// one of test threads): every reader goes through it.
#[test]
fn a_chain_200000_deep_works_in_every_reader() {
    const DEPTH: u64 = 200_000;
    let report: Report =
        serde_json::from_str(&chain_text(DEPTH)).expect("a consistent chain is valid");
    assert_eq!(report.heap_bytes(), DEPTH);
    assert_eq!(report.shared_bytes(), 0);
    assert_eq!(report.unique_bytes(), DEPTH);
    for (name, view) in report_views() {
        let start = std::time::Instant::now();
        view(&report);
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{name}: {:?}",
            start.elapsed()
        );
    }
    let text = report.to_string();
    assert_eq!(
        text.lines().count(),
        2 + 2 * DEPTH as usize - 1,
        "a line per node and (own)"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    // The folded stacks stop at their depth bound, and still sum to the total.
    let folded = report.folded();
    let sum: u64 = folded
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, report.total_bytes());
    assert_eq!(folded.lines().count(), Report::MAX_FOLDED_DEPTH);
    let deepest = folded.lines().last().unwrap();
    assert_eq!(deepest.split(';').count(), Report::MAX_FOLDED_DEPTH);
    assert!(
        deepest.contains(";… "),
        "{}",
        &deepest[deepest.len() - 40..]
    );
    // A diff against a shorter chain: every path of the longer one, cut.
    let shorter: Report = serde_json::from_str(&chain_text(DEPTH / 2)).unwrap();
    let diff = report.diff(&shorter);
    assert_eq!(diff.heap_diff(), (DEPTH / 2) as i64);
    assert!(diff.paths().iter().all(|p| p.path.chars().count() <= 300));
    for line in diff.to_string().lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

/// A node of an arbitrary graph, before it is written as JSON.
#[derive(Clone, Debug)]
struct Raw {
    parent: usize,
    extra_children: Vec<u32>,
    own: u64,
    own_allocations: u64,
    inline: u64,
    counted: bool,
    shared: bool,
    usable: Option<u64>,
    name: String,
}

fn figure() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..100,
        1 => Just(u64::MAX),
        1 => Just(u64::MAX / 2 + 1),
        1 => any::<u64>(),
    ]
}

fn raw_node() -> impl Strategy<Value = Raw> {
    (
        any::<usize>(),
        prop::collection::vec(0u32..40, 0..2),
        figure(),
        figure(),
        figure(),
        any::<bool>(),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.2, figure()),
        prop_oneof![
            Just(String::from("f")),
            Just(String::from("[..]")),
            any::<String>()
        ],
    )
        .prop_map(
            |(
                parent,
                extra_children,
                own,
                own_allocations,
                inline,
                counted,
                shared,
                usable,
                name,
            )| Raw {
                parent,
                extra_children,
                own,
                own_allocations,
                inline,
                counted,
                shared,
                usable,
                name,
            },
        )
}

/// How a graph is made: a tree whose figures add up, the same with extra
/// edges anywhere (cycles, shared children, indices out of range), or
/// figures as drawn.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Tree,
    TreeAndEdges,
    AsDrawn,
}

fn graph_json(nodes: &[Raw], shape: Shape, version: u32) -> (Value, bool) {
    let n = nodes.len();
    if n == 0 {
        return (
            json!({ "schema_version": version, "nodes": [], "skipped": 0, "usable_sizes": false }),
            false,
        );
    }
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, r) in nodes.iter().enumerate().skip(1) {
        children[r.parent % i].push(i as u32);
    }
    if !matches!(shape, Shape::Tree) {
        for (i, r) in nodes.iter().enumerate() {
            children[i].extend(&r.extra_children);
        }
    }
    let mut heap = vec![0u64; n];
    let mut allocs = vec![0u64; n];
    let mut fits = true;
    for i in (0..n).rev() {
        let (mut h, mut a) = (nodes[i].own, nodes[i].own_allocations);
        for &c in &children[i] {
            let c = c as usize;
            if c > i && c < n {
                let (hh, ha) = (h.checked_add(heap[c]), a.checked_add(allocs[c]));
                fits &= hh.is_some() && ha.is_some();
                h = hh.unwrap_or(u64::MAX);
                a = ha.unwrap_or(u64::MAX);
            }
        }
        (heap[i], allocs[i]) = match shape {
            Shape::AsDrawn => (nodes[i].own.wrapping_mul(3), nodes[i].own_allocations),
            _ => (h, a),
        };
    }
    let small = nodes
        .iter()
        .all(|r| r.own < 1 << 40 && r.own_allocations < 1 << 40 && r.inline < 1 << 40);
    let top_inline = children[0]
        .iter()
        .filter_map(|&c| nodes.get(c as usize))
        .fold(0u64, |s, r| s.wrapping_add(r.inline));
    let edges = ["root", "field", "pointee", "elements"];
    let json_nodes: Vec<Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let edge = edges[i % 4];
            json!({
                "name": r.name, "type_name": if i % 3 == 0 { "u8" } else { "alloc::string::String" },
                "edge": edge,
                "count": r.own_allocations, "inline_bytes": if i == 0 { top_inline } else { r.inline },
                "own_bytes": r.own, "own_allocations": r.own_allocations,
                "heap_bytes": heap[i], "allocations": allocs[i],
                "usable_heap_bytes": if matches!(shape, Shape::AsDrawn) { r.usable } else { None },
                "padding_bytes": r.inline / 2, "shared": r.shared, "inline_counted": r.counted,
                "children": children[i],
            })
        })
        .collect();
    let json = json!({ "schema_version": version, "nodes": json_nodes, "skipped": 0, "usable_sizes": false });
    // A tree whose figures are small must be read.
    let must_read = matches!(shape, Shape::Tree)
        && fits
        && small
        && (1..=Report::SCHEMA_VERSION).contains(&version);
    (json, must_read)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_node_graphs_are_refused_or_read_safely(
        nodes in prop::collection::vec(raw_node(), 0..40),
        shape in prop_oneof![
            2 => Just(Shape::Tree),
            1 => Just(Shape::TreeAndEdges),
            1 => Just(Shape::AsDrawn),
        ],
        version in prop_oneof![9 => Just(Report::SCHEMA_VERSION), 1 => any::<u32>()],
    ) {
        let (json, must_read) = graph_json(&nodes, shape, version);
        let text = serde_json::to_string(&json).unwrap();
        match serde_json::from_str::<Report>(&text) {
            Ok(report) => run_views(report, Duration::from_secs(10)),
            Err(e) => {
                prop_assert!(!must_read, "refused: {}", e);
                prop_assert!(e.to_string().starts_with("invalid memsize report: "), "{}", e);
            }
        }
    }
}

/// The fuzz target's seeds (`fuzz/seeds/report_json`) are reports that
/// read, so that the fuzzer starts from inputs that pass the checks.
#[test]
fn the_fuzz_seeds_are_valid_reports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/report_json");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        match serde_json::from_str::<Report>(&text) {
            Ok(report) => run_views(report, Duration::from_secs(10)),
            Err(e) => panic!("{}: {e}", path.display()),
        }
        seen += 1;
    }
    assert!(seen >= 5);
}
