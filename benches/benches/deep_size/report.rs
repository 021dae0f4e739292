//! The report: one block per case as it finishes, and two Markdown tables
//! at the end.

use std::fmt::Write as _;

use crate::columns::{COLUMNS, FLOOR, MEMSIZE};
use crate::timing::CaseResult;

fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn ratio(r: f64) -> String {
    if r < 10.0 {
        format!("{r:.2}×")
    } else if r < 1000.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1e}×")
    }
}

/// `n` with thousands separators.
pub fn bytes(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i != 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure against memsize's: "exact", or the difference in bytes and
/// percent.
fn difference(heap: usize, exact: usize) -> String {
    if heap == exact {
        return "exact".into();
    }
    let d = heap as i128 - exact as i128;
    let sign = if d < 0 { "−" } else { "+" };
    format!(
        "{sign}{} B ({sign}{:.1}%)",
        bytes(d.unsigned_abs() as u64),
        d.unsigned_abs() as f64 * 100.0 / exact as f64
    )
}

pub fn print_case(r: &CaseResult) {
    let floor = r.cells[FLOOR].map(|c| c.ns).unwrap_or(f64::NAN);
    let exact = r.cells[MEMSIZE].map(|c| c.heap).unwrap_or(0);
    println!();
    println!("{} ({} rounds)", r.title, r.rounds);
    println!(
        "  freed on drop (counting allocator): {} B; memsize: {}",
        bytes(r.freed),
        if exact as u64 == r.freed {
            "exact".to_string()
        } else {
            difference(exact, r.freed as usize)
        }
    );
    println!(
        "  {:<17} {:>10} {:>7} {:>9} {:>16}  vs memsize",
        "column", "median", "spread", "×floor", "heap bytes"
    );
    for (i, cell) in r.cells.iter().enumerate() {
        let Some(c) = cell else {
            println!("  {:<17} {:>10}", COLUMNS[i], "n/a");
            continue;
        };
        let (heap, diff) = if i == FLOOR && !r.floor_is_heap {
            ("(key walk)".to_string(), String::new())
        } else {
            (bytes(c.heap as u64), difference(c.heap, exact))
        };
        println!(
            "  {:<17} {:>10} {:>6.0}% {:>9} {:>16}  {}",
            COLUMNS[i],
            time(c.ns),
            c.spread * 100.0,
            ratio(c.ns / floor),
            heap,
            diff
        );
    }
}

/// A case's title for Markdown: the type in backticks (`<...>` would be
/// taken for HTML).
fn code(title: &str) -> String {
    match title.split_once(" × ") {
        Some((ty, n)) => format!("`{ty}` × {n}"),
        None => format!("`{title}`"),
    }
}

/// The two summary tables, in Markdown: time (and ratio to the floor) per
/// call, and each figure against memsize's.
pub fn summary(results: &[CaseResult]) -> String {
    let mut out = String::new();
    let head = |out: &mut String, first: &str| {
        let _ = write!(out, "| {first} |");
        for c in COLUMNS {
            let _ = write!(out, " {c} |");
        }
        out.push('\n');
        out.push_str(&"|---".repeat(COLUMNS.len() + 1));
        out.push_str("|\n");
    };
    out.push_str("Median time per call, and its ratio to the floor:\n\n");
    head(&mut out, "case");
    for r in results {
        let floor = r.cells[FLOOR].map(|c| c.ns).unwrap_or(f64::NAN);
        let mark = if r.constant { " (O(1))" } else { "" };
        let _ = write!(out, "| {}{mark} |", code(&r.title));
        for (i, cell) in r.cells.iter().enumerate() {
            match cell {
                None => out.push_str(" n/a |"),
                Some(c) if i == FLOOR => {
                    let _ = write!(out, " {} |", time(c.ns));
                }
                Some(c) => {
                    let _ = write!(out, " {} ({}) |", time(c.ns), ratio(c.ns / floor));
                }
            }
        }
        out.push('\n');
    }
    out.push_str("\nHeap bytes each reports, against memsize's figure (memsize against the counting allocator):\n\n");
    head(&mut out, "case");
    for r in results {
        let exact = r.cells[MEMSIZE].map(|c| c.heap).unwrap_or(0);
        let _ = write!(out, "| {} |", code(&r.title));
        for (i, cell) in r.cells.iter().enumerate() {
            match cell {
                None => out.push_str(" n/a |"),
                Some(_) if i == FLOOR && !r.floor_is_heap => out.push_str(" (key walk) |"),
                Some(c) if i == MEMSIZE => {
                    let vs = if c.heap as u64 == r.freed {
                        "= allocator".to_string()
                    } else {
                        format!("allocator {}", bytes(r.freed))
                    };
                    let _ = write!(out, " {} B, {vs} |", bytes(c.heap as u64));
                }
                Some(c) => {
                    let _ = write!(out, " {} |", difference(c.heap, exact));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// memsize against the fastest peer and the floor, in Markdown: the table
/// the targets are read from.
pub fn against_fastest(results: &[CaseResult]) -> String {
    let mut out = String::from(
        "memsize against the fastest peer (whatever its figure) and the floor:\n\n\
         | case | floor | memsize | fastest peer | its figure | memsize ÷ peer | memsize ÷ floor |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let (Some(floor), Some(ms)) = (r.cells[FLOOR], r.cells[MEMSIZE]) else {
            continue;
        };
        let peer = r
            .cells
            .iter()
            .enumerate()
            .skip(MEMSIZE + 1)
            .filter_map(|(i, c)| c.map(|c| (i, c)))
            .min_by(|a, b| a.1.ns.total_cmp(&b.1.ns));
        let mark = if r.constant { " (O(1))" } else { "" };
        let _ = write!(
            out,
            "| {}{mark} | {} | {} |",
            code(&r.title),
            time(floor.ns),
            time(ms.ns)
        );
        match peer {
            Some((i, c)) => {
                let _ = write!(
                    out,
                    " {} {} | {} | {} |",
                    COLUMNS[i],
                    time(c.ns),
                    difference(c.heap, ms.heap),
                    ratio(ms.ns / c.ns)
                );
            }
            None => out.push_str(" n/a | | |"),
        }
        let _ = writeln!(out, " {} |", ratio(ms.ns / floor.ns));
    }
    out
}
