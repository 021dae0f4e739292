//! An allocation-sites snapshot as DHAT's JSON, the input of `dh_view`.

use core::fmt::Write as _;
use std::collections::HashMap;
use std::io;
use std::string::String;
use std::vec::Vec;

use crate::alloc::sites::{Frame, Snapshot};
use crate::alloc::untracked;

impl Snapshot {
    /// Writes the snapshot as DHAT's JSON (`dhatFileVersion` 2, mode
    /// `rust-heap`, as dhat-rs writes it), the input of `dh_view.html`,
    /// the viewer that ships with Valgrind: open the viewer in a browser
    /// and load the file.
    ///
    /// One program point per stack from the first frame of the user's
    /// code outward (backtraces that differ only in the frames before it,
    /// inside std or a folded crate, are one point), with DHAT's figures: `tb`/`tbk` the bytes and
    /// allocations made there since the tracing started (freed or not; a
    /// reallocation counts as one), `tl` their summed lifetimes (until the
    /// snapshot for the live ones), `eb`/`ebk` what is live at the
    /// snapshot ("at t-end", summing to [`Snapshot::bytes`] and
    /// [`Snapshot::count`]), `mb`/`mbk` the most that was live there at
    /// one time (for a point of several backtraces, the sum of theirs: a
    /// bound), `gb`/`gbk` what was live there when the thread's live
    /// bytes peaked ("at t-gmax"). Times are in microseconds from the
    /// tracing's start. The peak figures (`mb`, `gb` and `tg`) are the
    /// thread's since its outermost tracing started: for a nested tracing
    /// they may include what was live before it. No access counts
    /// (`bkacc` is false): memsize sees allocator calls, not reads and
    /// writes.
    ///
    /// Writing resolves symbols, untracked, as
    /// [`statistics`](Snapshot::statistics) does.
    pub fn write_dhat<W: io::Write>(&self, mut writer: W) -> io::Result<()> {
        let json = {
            let _untracked = untracked();
            self.dhat_json()
        };
        let written = writer.write_all(json.as_bytes());
        let _untracked = untracked();
        drop(json);
        written
    }

    fn dhat_json(&self) -> String {
        let us = |d: core::time::Duration| d.as_micros() as u64;
        let mut frames: HashMap<String, usize> = HashMap::new();
        let mut ftbl: Vec<String> = std::vec![String::from("[root]")];
        let mut out = String::new();
        let cmd: Vec<String> = std::env::args().collect();
        let te = us(self.elapsed()).max(1);
        let _ = write!(
            out,
            "{{\"dhatFileVersion\":2,\"mode\":\"rust-heap\",\"verb\":\"Allocated\",\
             \"bklt\":true,\"bkacc\":false,\"tu\":\"µs\",\"Mtu\":\"s\",\"tuth\":10,\
             \"cmd\":{},\"pid\":{},\"tg\":{},\"te\":{},\"pps\":[",
            json_string(&cmd.join(" ")),
            std::process::id(),
            us(self.peak_at()).min(te),
            te,
        );
        // Program points by stack: backtraces that differ only in the
        // frames folded away are one point to DHAT.
        let mut points: Vec<(Vec<usize>, [u64; 9])> = Vec::new();
        let mut by_stack: HashMap<Vec<usize>, usize> = HashMap::new();
        for t in self.resolved_traces() {
            let mut fs = Vec::new();
            for (address, inlined) in &t.stack {
                for (frame, _) in inlined {
                    let text = frame_text(*address, frame);
                    let next = ftbl.len();
                    let index = *frames.entry(text.clone()).or_insert(next);
                    if index == next {
                        ftbl.push(text);
                    }
                    fs.push(index);
                }
            }
            let figures = [
                t.allocated_bytes,
                t.allocated,
                t.lifetimes,
                t.max_bytes,
                t.max_count,
                t.at_peak_bytes,
                t.at_peak_count,
                t.bytes,
                t.count,
            ];
            match by_stack.get(&fs) {
                Some(&i) => {
                    for (sum, f) in points[i].1.iter_mut().zip(figures) {
                        *sum += f;
                    }
                }
                None => {
                    by_stack.insert(fs.clone(), points.len());
                    points.push((fs, figures));
                }
            }
        }
        for (i, (fs, [tb, tbk, tl, mb, mbk, gb, gbk, eb, ebk])) in points.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "\n{{\"tb\":{tb},\"tbk\":{tbk},\"tl\":{},\"mb\":{mb},\"mbk\":{mbk},\
                 \"gb\":{gb},\"gbk\":{gbk},\"eb\":{eb},\"ebk\":{ebk},\"fs\":[",
                tl / 1000,
            );
            for (j, f) in fs.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{f}");
            }
            out.push_str("]}");
        }
        out.push_str("\n],\"ftbl\":[");
        for (i, f) in ftbl.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&json_string(f));
        }
        out.push_str("\n]}\n");
        out
    }
}

/// A frame as dhat-rs names one: `0x55d0…: function (file:line:column)`.
fn frame_text(address: usize, frame: &Frame) -> String {
    match (&frame.file, frame.line) {
        (Some(file), Some(line)) => {
            std::format!("{address:#x}: {} ({file}:{line}:0)", frame.function)
        }
        (Some(file), None) => std::format!("{address:#x}: {} ({file})", frame.function),
        _ => std::format!("{address:#x}: {}", frame.function),
    }
}

/// `s` as a JSON string, quoted and escaped.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
