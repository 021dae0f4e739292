//! The report: one block per case as it finishes, and two Markdown tables
//! at the end.

use std::fmt::Write as _;

use crate::columns::{COLUMNS, FLOOR, INLINED, MEMSIZE, SHAPES};
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
    let exact = r.cells[INLINED][MEMSIZE].map(|c| c.heap).unwrap_or(0);
    println!();
    println!("{} ({} rounds)", r.title, r.rounds);
    match r.freed {
        Some(freed) => println!(
            "  freed on drop (counting allocator): {} B; memsize: {}",
            bytes(freed),
            if exact as u64 == freed {
                "exact".to_string()
            } else {
                difference(exact, freed as usize)
            }
        ),
        None => println!("  global allocator System: figures not checked"),
    }
    println!(
        "  {:<17} {:<12} {:>10} {:>7} {:>9} {:>16}  vs memsize",
        "column", "shape", "median", "spread", "×floor", "heap bytes"
    );
    for (shape, cells) in r.cells.iter().enumerate() {
        let floor = cells[FLOOR].map(|c| c.ns).unwrap_or(f64::NAN);
        for (i, cell) in cells.iter().enumerate() {
            let Some(c) = cell else {
                println!("  {:<17} {:<12} {:>10}", COLUMNS[i], SHAPES[shape], "n/a");
                continue;
            };
            let (heap, diff) = if i == FLOOR && !r.floor_is_heap {
                ("(key walk)".to_string(), String::new())
            } else {
                (bytes(c.heap as u64), difference(c.heap, exact))
            };
            println!(
                "  {:<17} {:<12} {:>10} {:>6.0}% {:>9} {:>16}  {}",
                COLUMNS[i],
                SHAPES[shape],
                time(c.ns),
                c.spread * 100.0,
                ratio(c.ns / floor),
                heap,
                diff
            );
        }
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
    for (shape, name) in SHAPES.iter().enumerate() {
        let _ = write!(
            out,
            "Median time per call, {name}, and its ratio to the floor:\n\n"
        );
        head(&mut out, "case");
        for r in results {
            let cells = &r.cells[shape];
            let mark = if r.constant { " (O(1))" } else { "" };
            let _ = write!(out, "| {}{mark} |", code(&r.title));
            for (i, cell) in cells.iter().enumerate() {
                match cell {
                    None => out.push_str(" n/a |"),
                    Some(c) if i == FLOOR => {
                        let _ = write!(out, " {} |", time(c.ns));
                    }
                    Some(c) => {
                        let _ = write!(
                            out,
                            " {} ({}) |",
                            time(c.ns),
                            ratio(r.paired_ratio((shape, i), (shape, FLOOR)))
                        );
                    }
                }
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("Heap bytes each reports, against memsize's figure (memsize against the counting allocator):\n\n");
    head(&mut out, "case");
    for r in results {
        let exact = r.cells[INLINED][MEMSIZE].map(|c| c.heap).unwrap_or(0);
        let _ = write!(out, "| {} |", code(&r.title));
        for (i, cell) in r.cells[INLINED].iter().enumerate() {
            match cell {
                None => out.push_str(" n/a |"),
                Some(_) if i == FLOOR && !r.floor_is_heap => out.push_str(" (key walk) |"),
                Some(c) if i == MEMSIZE => {
                    let vs = match r.freed {
                        None => "not checked (System)".to_string(),
                        Some(freed) if c.heap as u64 == freed => "= allocator".to_string(),
                        Some(freed) => format!("allocator {}", bytes(freed)),
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

/// memsize against the fastest peer and the floor, in both shapes, in
/// Markdown: the table the targets are read from. The fastest peer is the
/// one of the least median time in that shape; the ratios are medians of
/// the ratios of samples taken in the same round.
pub fn against_fastest(results: &[CaseResult]) -> String {
    let mut out = String::from(
        "memsize against the fastest peer (whatever its figure) and the floor, in both call shapes \
         (ratios: medians of the ratios within a round):\n\n\
         | case | shape | floor | memsize | fastest peer | its figure | memsize ÷ peer | memsize ÷ floor |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        for (shape, cells) in r.cells.iter().enumerate() {
            let (Some(floor), Some(ms)) = (cells[FLOOR], cells[MEMSIZE]) else {
                continue;
            };
            let peer = cells
                .iter()
                .enumerate()
                .skip(MEMSIZE + 1)
                .filter_map(|(i, c)| c.map(|c| (i, c)))
                .min_by(|a, b| a.1.ns.total_cmp(&b.1.ns));
            let mark = if r.constant { " (O(1))" } else { "" };
            let _ = write!(
                out,
                "| {}{mark} | {} | {} | {} |",
                code(&r.title),
                SHAPES[shape],
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
                        ratio(r.paired_ratio((shape, MEMSIZE), (shape, i)))
                    );
                }
                None => out.push_str(" n/a | | |"),
            }
            let _ = writeln!(
                out,
                " {} |",
                ratio(r.paired_ratio((shape, MEMSIZE), (shape, FLOOR)))
            );
        }
    }
    out
}
