//! DHAT's JSON for dh_view: every field the viewer that ships with
//! Valgrind checks, read from the viewer itself where it is installed, and
//! figures that agree with the snapshot and the allocator.
#![cfg(feature = "alloc-sites")]

use memsize::alloc::sites::Tracing;
use memsize::alloc::CountingAlloc;
use serde_json::Value;
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Where Debian's valgrind puts the viewer (`dh_view.html` loads the
/// `dh_view.js` beside it, which checks the fields).
const VIEWER: &[&str] = &[
    "/usr/libexec/valgrind/dh_view.js",
    "/usr/lib/x86_64-linux-gnu/valgrind/dh_view.js",
    "/usr/lib/valgrind/dh_view.js",
];

/// A field the viewer requires: on the top object or on each program
/// point, and the top-level flag it is required under, if any.
#[derive(Debug)]
struct Required {
    on_pp: bool,
    field: String,
    when: Option<String>,
}

/// The fields the viewer's `checkFields` calls require, with the
/// `if (gData.flag)` each stands under.
fn required_fields(js: &str) -> Vec<Required> {
    let mut out = Vec::new();
    let lines: Vec<&str> = js.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find("checkFields(") else {
            continue;
        };
        if line.trim_start().starts_with("function") {
            continue;
        }
        let args = &line[at + "checkFields(".len()..];
        let on_pp = args.starts_with("aPP");
        // The list is inline, or a `let fields = [...]` above.
        let list = if args.contains('[') {
            args.to_owned()
        } else {
            let start = (0..i)
                .rev()
                .find(|&j| lines[j].contains("let fields = ["))
                .expect("the fields list");
            lines[start..i].join(" ")
        };
        let when = (0..i)
            .rev()
            .take(1)
            .find_map(|j| lines[j].trim().strip_prefix("if (gData."))
            .and_then(|c| c.split(')').next())
            .map(str::to_owned);
        let mut parts = list.split('"');
        parts.next();
        for (k, part) in parts.enumerate() {
            if k % 2 == 0 {
                out.push(Required {
                    on_pp,
                    field: part.to_owned(),
                    when: when.clone(),
                });
            }
        }
    }
    out
}

/// Runs the viewer's own tree builder (`buildTree` of `dh_view.js`) on a
/// file under node, with the page's document stubbed out, and prints the
/// root's figures as JSON.
const RUN_VIEWER: &str = r#"
const fs = require("fs"), vm = require("vm");
const js = fs.readFileSync(process.argv[2], "utf8");
const data = fs.readFileSync(process.argv[3], "utf8");
const stub = () => new Proxy(function () {}, {
  get: (t, k) => (k === Symbol.toPrimitive ? () => "" : k === "childNodes" ? [] : stub()),
  apply: () => stub(), construct: () => stub(), set: () => true,
});
const ctx = vm.createContext({ document: stub(), window: stub(), console, Intl, Math, JSON, Error, Infinity });
vm.runInContext(js, ctx);
ctx.input = data;
console.log(vm.runInContext(`
  gData = JSON.parse(input);
  gSelect = { childNodes: gSelectData.map(() => ({})), selectedIndex: 0 };
  buildTree();
  JSON.stringify({ tb: gRoot._totalBytes, tbk: gRoot._totalBlocks, eb: gRoot._atTEndBytes,
                   ebk: gRoot._atTEndBlocks, gb: gRoot._atTGmaxBytes })
`, ctx));
"#;

/// The viewer's figures for a file, if node and the viewer are installed.
fn viewer_totals(viewer: &str, json: &[u8]) -> Option<Value> {
    let dir = std::env::temp_dir().join(format!("memsize-dhat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (script, data) = (dir.join("run.js"), dir.join("dhat.json"));
    std::fs::write(&script, RUN_VIEWER).unwrap();
    std::fs::write(&data, json).unwrap();
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(viewer)
        .arg(&data)
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            println!("node can't run here ({e}): the viewer's own check skipped");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "dh_view.js rejects the file:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[inline(never)]
fn make_pages(n: usize) -> Vec<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(black_box(vec![1u8; 1000]));
    }
    v
}

#[inline(never)]
fn churn(n: usize) {
    for i in 0..n {
        drop(black_box(vec![i as u8 | 1; 300]));
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs the symbolizer")]
fn the_json_has_every_field_dh_view_checks_and_the_snapshots_figures() {
    let tracing = Tracing::start();
    let pages = make_pages(10);
    churn(20);
    let stats = tracing.stats();
    let snapshot = tracing.snapshot();
    let mut out = Vec::new();
    snapshot.write_dhat(&mut out).unwrap();
    let json: Value = serde_json::from_slice(&out).unwrap();

    let viewer = VIEWER.iter().find(|p| std::path::Path::new(p).exists());
    let js = viewer.and_then(|p| std::fs::read_to_string(p).ok());
    let required = match &js {
        Some(js) => required_fields(js),
        None => {
            println!("dh_view.js not installed (valgrind): checking dhat-rs's fields instead");
            let top = "dhatFileVersion mode verb bklt bkacc tu Mtu cmd pid te pps ftbl tg tuth";
            let pp = "tb tbk fs mb mbk gb gbk eb ebk";
            let f = |on_pp, s: &'static str| {
                s.split(' ').map(move |f| Required {
                    on_pp,
                    field: f.to_owned(),
                    when: None,
                })
            };
            f(false, top).chain(f(true, pp)).collect()
        }
    };
    assert!(required.len() >= 20, "{required:#?}");
    assert!(required.iter().any(|r| r.on_pp && r.field == "eb"));
    let pps = json["pps"].as_array().unwrap();
    assert!(!pps.is_empty());
    for r in &required {
        if let Some(flag) = &r.when {
            if json[flag.as_str()] != Value::Bool(true) {
                continue;
            }
        }
        if r.on_pp {
            for pp in pps {
                assert!(pp.get(&r.field).is_some(), "a pp lacks {:?}: {pp}", r.field);
            }
        } else {
            assert!(json.get(&r.field).is_some(), "no {:?}", r.field);
        }
    }
    assert_eq!(json["dhatFileVersion"], 2);
    assert_eq!(json["mode"], "rust-heap");

    // The figures: at the end what is live, in all what the allocator
    // counted.
    let sum = |key: &str| pps.iter().map(|p| p[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("eb"), snapshot.bytes());
    assert_eq!(sum("ebk"), snapshot.count());
    assert_eq!(sum("tb"), stats.bytes_allocated);
    assert_eq!(sum("tbk"), stats.allocations + stats.reallocations);
    // The peak was with everything here live but the last churned vector
    // freed: at t-gmax the pages and one churned vector.
    assert_eq!(sum("gb"), 10_000 + 300 + 10 * 24, "{json:#}");
    for pp in pps {
        let (mb, eb, gb) = (pp["mb"].as_u64(), pp["eb"].as_u64(), pp["gb"].as_u64());
        assert!(mb >= eb && mb >= gb, "{pp}");
    }

    // Frames: the user's lines, as indices into ftbl, whose first is the root.
    let ftbl = json["ftbl"].as_array().unwrap();
    assert_eq!(ftbl[0], "[root]");
    let leaf = |pp: &Value| {
        ftbl[pp["fs"][0].as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
    };
    let pages_pp = pps
        .iter()
        .find(|p| p["eb"] == 10_000)
        .unwrap_or_else(|| panic!("{json:#}"));
    assert!(leaf(pages_pp).contains("make_pages"), "{}", leaf(pages_pp));
    assert!(leaf(pages_pp).contains("dhat.rs:"), "{}", leaf(pages_pp));
    let churn_pp = pps
        .iter()
        .find(|p| p["tb"] == 6000)
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(
        (churn_pp["tbk"].as_u64(), churn_pp["eb"].as_u64()),
        (Some(20), Some(0))
    );
    assert_eq!(churn_pp["mb"], 300);
    assert!(leaf(churn_pp).contains("churn"), "{}", leaf(churn_pp));

    // The viewer itself reads the file, and sums what memsize says.
    if let Some(totals) = viewer.and_then(|v| viewer_totals(v, &out)) {
        assert_eq!(totals["eb"], snapshot.bytes(), "{totals}");
        assert_eq!(totals["ebk"], snapshot.count(), "{totals}");
        assert_eq!(totals["tb"], stats.bytes_allocated, "{totals}");
        assert_eq!(totals["gb"], sum("gb"), "{totals}");
    }
    drop(pages);
}
