//! Reports as a user from another crate meets them: a reference as a root
//! measures what it points to in every entry point, names read from data
//! give a well-formed SVG and parseable folded lines, and long type names
//! are cut to the printed width. The counting allocator is the judge.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};

use memsize::alloc::{measure, AllocStats, CountingAlloc};
use memsize::{heap_stats_all, HeapStats, Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct Cache {
    names: Vec<String>,
    index: HashMap<u64, String>,
}

fn cache() -> Cache {
    Cache {
        names: (0..20).map(|i| format!("name number {i}")).collect(),
        index: (0..30).map(|i| (i, "x".repeat(i as usize))).collect(),
    }
}

fn strings() -> Vec<String> {
    (0..7).map(|i| "s".repeat(10 + i)).collect()
}

/// The heap the allocator saw a value's construction leave: bytes and
/// allocations.
fn heap(stats: &AllocStats) -> (usize, usize) {
    (stats.net_bytes as usize, stats.net_allocations() as usize)
}

fn pair(s: HeapStats) -> (usize, usize) {
    (s.bytes, s.allocations)
}

/// The shape the issue met the silent zero in.
fn measure_cache(c: &Cache) -> HeapStats {
    heap_stats_all(&[&c])
}

fn check_report(report: &Report, expected: (usize, usize), deep: usize, what: &str) {
    assert_eq!(report.heap_bytes(), expected.0 as u64, "{what}: heap");
    assert_eq!(
        report.allocations(),
        expected.1 as u64,
        "{what}: allocations"
    );
    assert_eq!(report.total_bytes(), deep as u64, "{what}: total");
}

#[test]
fn a_reference_as_a_root_measures_its_referent() {
    let (v, stats) = measure(strings);
    let expected = heap(&stats);
    let r: &Vec<String> = &v;
    let rr: &&Vec<String> = &r;
    let deep = v.deep_size();
    // The methods on a reference measure the referent; the entry points
    // must agree with them and with the allocator.
    assert_eq!(r.deep_size(), deep);
    assert_eq!(pair(rr.heap_stats()), expected);

    for (what, report) in [
        ("Report::new(&v)", Report::new(&v)),
        ("Report::new(&r)", Report::new(&r)),
        ("Report::new(&rr)", Report::new(&rr)),
        ("Report::new(r)", Report::new(r)),
    ] {
        check_report(&report, expected, deep, what);
        // Named after the referent's type, as `Report::new(&v)` is.
        assert_eq!(report.root().name(), "Vec<String>", "{what}");
        assert_eq!(
            report.root().type_name(),
            core::any::type_name::<Vec<String>>()
        );
    }
    for (what, report) in [
        ("root(\"v\", &r)", Report::builder().root("v", &r).build()),
        ("root(\"v\", &rr)", Report::builder().root("v", &rr).build()),
    ] {
        check_report(&report, expected, deep, what);
        assert_eq!(report.root().name(), "v", "{what}");
        assert_eq!(
            report.root().inline_bytes(),
            24,
            "{what}: the Vec's inline bytes"
        );
    }

    assert_eq!(pair(heap_stats_all(&[&v])), expected);
    assert_eq!(pair(heap_stats_all(&[&r])), expected);
    assert_eq!(pair(heap_stats_all(&[&rr])), expected);
    assert_eq!(pair(heap_stats_all(&[r])), expected);

    let mut m = strings();
    let before = m.heap_stats();
    let rm: &mut Vec<String> = &mut m;
    assert_eq!(heap_stats_all(&[&rm]), before);
    assert_eq!(Report::new(&rm).heap_bytes(), before.bytes as u64);
}

#[test]
fn a_borrowed_cache_measures_like_the_cache() {
    let (c, stats) = measure(cache);
    let expected = heap(&stats);
    assert!(expected.0 > 1000);
    assert_eq!(pair(measure_cache(&c)), expected);
    assert_eq!(pair(heap_stats_all(&[&&c])), expected);
    let rc = &c;
    let report = Report::builder().root("cache", &rc).build();
    check_report(&report, expected, c.deep_size(), "builder root of &Cache");
    // The fields are there, under the referent's path.
    assert!(report.root().child("names").is_some());
    assert!(report.root().child("index").is_some());
    // Mixed with a value, the reference still counts what it points to.
    let (s, s_stats) = measure(strings);
    let both = heap_stats_all(&[&rc, &s]);
    assert_eq!(both.bytes, expected.0 + s_stats.net_bytes as usize);
}

/// Names a program may read from data and use as a root's name.
fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "bell\u{7}",
        "esc\u{1b}[0m",
        "nul\0",
        "semi;colon",
        "new\nline",
        "carriage\rreturn",
        "tab\there",
        "<&\"'>",
        "]]>",
        "]",
        "x]",
        "[x",
        ".",
        "<!--",
        "non-char \u{fffe}\u{ffff}",
        "next line \u{85} del \u{7f}",
        "separators \u{2028}\u{2029}",
        "",
        " ",
        "trailing space ",
        "1234",
        "name 99",
        "wide 漢字 😀",
        "\u{feff}bom",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("long".repeat(300));
    names.push((0u32..0x20).filter_map(char::from_u32).collect());
    names
}

/// Each folded line is `frames count`, with frames split by `;`, none
/// empty, and no character that breaks a line or XML.
fn check_folded(folded: &str, total: u64, what: &str) {
    let mut sum = 0u64;
    for line in folded.split('\n').filter(|l| !l.is_empty()) {
        let (stack, count) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("{what}: no count in {line:?}"));
        sum += count
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{what}: bad count in {line:?}"));
        for frame in stack.split(';') {
            assert!(!frame.is_empty(), "{what}: empty frame in {line:?}");
        }
        for c in line.chars() {
            assert!(
                !c.is_control() && !matches!(c, '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'),
                "{what}: {c:?} in {line:?}"
            );
        }
    }
    assert_eq!(sum, total, "{what}: folded lines sum to the total");
}

#[cfg(feature = "inferno")]
fn check_svg(report: &Report, what: &str) {
    let mut svg = Vec::new();
    report.write_flamegraph(&mut svg).expect(what);
    let svg = String::from_utf8(svg).expect(what);
    // inferno's SVG has a DOCTYPE (without entities).
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    if let Err(e) = roxmltree::Document::parse_with_options(&svg, options) {
        panic!("{what}: the SVG is not well-formed XML: {e}");
    }
}

#[test]
fn names_from_data_give_parseable_folded_lines_and_svg() {
    let value = strings();
    for name in hostile_names() {
        let what = format!("root {name:?}");
        let report = Report::builder()
            .root(name.clone(), &value)
            .root(format!("{name}/2"), &value)
            .build();
        check_folded(&report.folded(), report.total_bytes(), &what);
        #[cfg(feature = "inferno")]
        check_svg(&report, &what);
        let one = Report::builder().root(name.clone(), &value).build();
        #[cfg(feature = "inferno")]
        check_svg(&one, &what);
        // The printed tree and diff hold no control character either (a
        // terminal would act on it), and fit in 80 columns.
        let text = one.to_string() + one.diff(&Report::new(&1u8)).to_string().as_str();
        for line in text.lines() {
            assert!(!line.chars().any(char::is_control), "{what}: {line:?}");
            assert!(line.chars().count() <= 80, "{what}: {line:?}");
        }
    }
}

/// A type whose short name is 58 characters.
type Wide = Vec<HashMap<String, BTreeMap<u64, Vec<Option<Box<[u8]>>>>>>;

fn wide(n: usize) -> Wide {
    (0..n)
        .map(|i| {
            let mut m = HashMap::new();
            for k in 0..3 {
                let mut t = BTreeMap::new();
                t.insert(
                    k as u64,
                    vec![Some(vec![1u8; i + k].into_boxed_slice()), None],
                );
                m.insert(format!("key {k}"), t);
            }
            m
        })
        .collect()
}

fn check_width(text: &str, what: &str) {
    for line in text.lines() {
        let n = line.chars().count();
        assert!(n <= 80, "{what}: {n} columns: {line}");
    }
}

#[test]
fn long_type_names_are_cut_to_80_columns() {
    let before = wide(2);
    let after = wide(4);
    let report = Report::new(&after);
    let tree = report.to_string();
    assert!(tree.lines().count() >= 10, "{tree}");
    check_width(&tree, "tree");
    // The root is named after its type, cut where it is too long.
    assert!(tree.starts_with("Vec<HashMa"), "{tree}");
    assert!(tree.lines().next().unwrap().contains('…'), "{tree}");
    let diff = report.diff(&Report::new(&before)).to_string();
    assert!(diff.lines().count() >= 15, "{diff}");
    check_width(&diff, "diff");
    check_width(&report.by_type().to_string(), "by type");
    // Padding notes and several roots too.
    let text = report.display().padding(true).to_string();
    check_width(&text, "tree with padding");
    let several = Report::builder()
        .root("a root with a rather long name, read from a file", &after)
        .root("b", &before)
        .build();
    check_width(&several.to_string(), "several roots");
    check_width(
        &several
            .diff(&Report::builder().root("b", &after).build())
            .to_string(),
        "diff of several roots",
    );
}
