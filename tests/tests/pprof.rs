//! pprof profiles, read back by the real reader: `go tool pprof` (Debian's
//! `golang-go`; `.ci/run` installs it). Where `go` is missing, each test
//! says so and passes.
#![cfg(feature = "pprof")]

use memsize::alloc::CountingAlloc;
use memsize::report::short_type_name;
use memsize::{Report, SizeOf};
use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// A scratch directory for this test's files and pprof's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memsize-pprof-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `go tool pprof ARGS`'s output, or `None` (said once) without `go`.
fn pprof(dir: &Path, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new("go");
    cmd.args(["tool", "pprof"]).args(args).current_dir(dir);
    // pprof writes fetched profiles under $PPROF_TMPDIR (else ~/pprof), and
    // go wants a home for its caches.
    cmd.env("PPROF_TMPDIR", dir);
    if std::env::var_os("HOME").is_none() {
        cmd.env("HOME", dir);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            println!("skipped: `go tool pprof` can't run here ({e}); install golang-go");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "go tool pprof {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// A size or count as `-top` prints it with `-unit=B`: `8000B`, `12`.
fn number(s: &str) -> i64 {
    s.trim_end_matches('B')
        .parse()
        .unwrap_or_else(|_| panic!("{s:?}"))
}

/// `-top`'s total and its rows: (flat, name).
fn top(out: &str) -> (i64, Vec<(i64, String)>) {
    let total = out
        .lines()
        .find_map(|l| l.strip_prefix("Showing nodes accounting for "))
        .and_then(|l| l.split(" of ").nth(1))
        .and_then(|l| l.strip_suffix(" total"))
        .unwrap_or_else(|| panic!("no total in\n{out}"));
    let rows = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .map(|l| {
            let mut cols = l.split_whitespace();
            let flat = number(cols.next().unwrap());
            let name: Vec<&str> = cols.skip(4).collect();
            (flat, name.join(" "))
        })
        .collect();
    (number(total), rows)
}

/// `-raw`'s sample types and the sum of each over the samples.
fn raw_totals(out: &str) -> Vec<(String, i64)> {
    let mut lines = out.lines().skip_while(|l| *l != "Samples:").skip(1);
    let types: Vec<String> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|t| t.trim_end_matches("[dflt]").to_owned())
        .collect();
    let mut sums = vec![0i64; types.len()];
    for l in lines.take_while(|l| !l.starts_with("Locations")) {
        let Some((values, _)) = l.split_once(':') else {
            continue; // a label line
        };
        for (s, v) in sums.iter_mut().zip(values.split_whitespace()) {
            *s += v.parse::<i64>().unwrap();
        }
    }
    types.into_iter().zip(sums).collect()
}

#[derive(SizeOf)]
struct Library {
    name: String,
    books: Vec<Book>,
    by_title: BTreeMap<String, usize>,
    tags: HashMap<u32, Vec<String>>,
}

#[derive(SizeOf)]
struct Book {
    title: String,
    pages: u32,
}

fn library() -> Library {
    let books: Vec<Book> = (0..300)
        .map(|i| Book {
            title: format!("book number {i}"),
            pages: i,
        })
        .collect();
    let by_title = books
        .iter()
        .enumerate()
        .map(|(i, b)| (b.title.clone(), i))
        .collect();
    let tags = (0..50)
        .map(|i| (i, (0..i % 7).map(|j| format!("tag {j}")).collect()))
        .collect();
    Library {
        name: "the library".into(),
        books,
        by_title,
        tags,
    }
}

#[test]
fn a_report_reads_back_with_its_totals_and_top_paths() {
    let lib = library();
    let report = Report::new(&lib);
    let dir = scratch("report");
    let file = dir.join("report.pb.gz");
    let mut bytes = Vec::new();
    report.write_pprof(&mut bytes).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let file = file.to_str().unwrap();

    let Some(space) = pprof(
        &dir,
        &["-top", "-unit=B", "-sample_index=inuse_space", file],
    ) else {
        return;
    };
    let (total, rows) = top(&space);
    assert_eq!(total as u64, report.total_bytes(), "{space}");
    assert_eq!(total as u64, lib.deep_size() as u64);

    // Flat figures by frame, computed from the report's nodes.
    let mut expected: HashMap<String, i64> = HashMap::new();
    for (i, n) in report.nodes().iter().enumerate().skip(1) {
        let short = short_type_name(&n.type_name);
        let frame = if short == n.name {
            n.name.to_string()
        } else {
            format!("{}: {short}", n.name)
        };
        *expected.entry(frame).or_default() += self_bytes(&report, i) as i64;
    }
    let mut expected: Vec<(i64, String)> = expected
        .into_iter()
        .filter(|e| e.1 > 0)
        .map(|(k, v)| (v, k))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    let got: Vec<(i64, String)> = rows.iter().take(4).cloned().collect();
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g.0, e.0, "{space}\nexpected {expected:?}");
    }
    // The biggest frame's name, as memsize prints it.
    assert_eq!(got[0].1, expected[0].1, "{space}");

    let objects = pprof(&dir, &["-top", "-sample_index=inuse_objects", file]).unwrap();
    assert_eq!(top(&objects).0 as u64, report.allocations(), "{objects}");

    let raw = pprof(&dir, &["-raw", file]).unwrap();
    let totals = raw_totals(&raw);
    assert_eq!(
        totals,
        [
            (
                "inuse_objects/count".to_owned(),
                report.allocations() as i64
            ),
            ("inuse_space/bytes".to_owned(), report.total_bytes() as i64),
        ],
        "{raw}"
    );
    assert!(raw.contains("books: Vec<Book>"), "{raw}");
}

/// A node's self bytes, through its `NodeRef`.
fn self_bytes(report: &Report, index: usize) -> u64 {
    fn find<'r>(
        n: memsize::report::NodeRef<'r>,
        index: usize,
    ) -> Option<memsize::report::NodeRef<'r>> {
        if n.index() as usize == index {
            return Some(n);
        }
        n.children().find_map(|c| find(c, index))
    }
    report
        .roots()
        .find_map(|r| find(r, index))
        .map_or(0, |n| n.self_bytes())
}

#[cfg(feature = "alloc-sites")]
mod sites {
    use super::*;
    use memsize::alloc::sites::{GroupBy, Snapshot, Tracing};
    use std::hint::black_box;

    #[inline(never)]
    fn pages(n: usize) -> Vec<Vec<u8>> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(black_box(vec![7u8; 4096]));
        }
        v
    }

    #[inline(never)]
    fn scratch_strings(n: usize) -> usize {
        let mut total = 0;
        for i in 0..n {
            let s = black_box(format!("scratch {i}"));
            total += s.len();
        }
        total
    }

    #[inline(never)]
    fn growth() -> Vec<u64> {
        black_box(vec![1u64; 5000])
    }

    fn write(dir: &Path, name: &str, snapshot: &Snapshot) -> String {
        let path = dir.join(name);
        let mut bytes = Vec::new();
        snapshot.write_pprof(&mut bytes).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_snapshot_reads_back_with_its_totals_and_top_lines() {
        let tracing = Tracing::start();
        let kept = pages(20);
        let n = scratch_strings(100);
        let stats = tracing.stats();
        let snapshot = tracing.snapshot();
        let dir = scratch("sites");
        let file = write(&dir, "heap.pb.gz", &snapshot);

        let Some(raw) = pprof(&dir, &["-raw", &file]) else {
            return;
        };
        let totals = raw_totals(&raw);
        let names: Vec<&str> = totals.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "alloc_objects/count",
                "alloc_space/bytes",
                "inuse_objects/count",
                "inuse_space/bytes"
            ]
        );
        // Every allocation and reallocation the allocator counted, and what
        // is live.
        let values: Vec<i64> = totals.iter().map(|t| t.1).collect();
        assert_eq!(
            values,
            [
                (stats.allocations + stats.reallocations) as i64,
                stats.bytes_allocated as i64,
                snapshot.count() as i64,
                snapshot.bytes() as i64,
            ],
            "{raw}"
        );
        assert_eq!(snapshot.bytes() as i64, stats.net_bytes);
        assert!(raw.contains("PeriodType: space bytes"), "{raw}");

        // The top lines, as memsize names them.
        let out = pprof(&dir, &["-top", "-lines", "-unit=B", &file]).unwrap();
        let (total, rows) = top(&out);
        assert_eq!(total as u64, snapshot.bytes());
        let stats = snapshot.statistics(GroupBy::Line);
        for (row, stat) in rows.iter().zip(&stats).take(2) {
            let frame = &stat.site.frames[0];
            assert_eq!(row.0 as u64, stat.bytes, "{out}\n{stats:#?}");
            let at = format!("{}:{}", frame.file.as_deref().unwrap(), frame.line.unwrap());
            assert!(row.1.starts_with(&frame.function), "{row:?} vs {frame}");
            assert!(row.1.ends_with(&at), "{row:?} vs {frame}");
        }
        assert_eq!(rows[0].0, 20 * 4096, "{out}");
        assert!(rows[0].1.contains("pages"), "{out}");

        // The freed strings are in the alloc_* figures only.
        let alloc = pprof(
            &dir,
            &["-top", "-unit=B", "-sample_index=alloc_space", &file],
        )
        .unwrap();
        let scratch_row = top(&alloc)
            .1
            .into_iter()
            .find(|r| r.1.contains("scratch_strings"))
            .unwrap_or_else(|| panic!("{alloc}"));
        assert!(scratch_row.0 >= 100 * "scratch 0".len() as i64, "{alloc}");
        drop((kept, n));
    }

    #[test]
    fn diff_base_shows_the_growth() {
        let tracing = Tracing::start();
        let kept = pages(5);
        let old = tracing.snapshot();
        let grown = growth();
        let new = tracing.snapshot();
        let dir = scratch("diff");
        let old_file = write(&dir, "old.pb.gz", &old);
        let new_file = write(&dir, "new.pb.gz", &new);
        let Some(out) = pprof(
            &dir,
            &["-top", "-unit=B", "-diff_base", &old_file, &new_file],
        ) else {
            return;
        };
        let (_, rows) = top(&out);
        let diff = new.compare_to(&old, GroupBy::Function);
        assert_eq!(diff[0].bytes_diff, 40_000);
        assert_eq!(rows[0].0, 40_000, "{out}");
        assert!(rows[0].1.contains("growth"), "{out}");
        // What was there before cancels out.
        assert!(
            !rows.iter().any(|r| r.1.contains("pages") && r.0 != 0),
            "{out}"
        );
        drop((kept, grown));
    }
}
