//! The report as folded stacks, the input of flame graph tools.

use core::fmt::Write;

use std_alloc::string::String;

use super::tree::{sort_nodes, SortBy};
use super::{short_type_name, NodeRef, Report};
use crate::lib::Vec;

impl Report {
    /// The report as folded stacks, one line per node with bytes of its
    /// own: its path from its root, frames separated by `;`, a space, and
    /// the node's [self bytes](NodeRef::self_bytes):
    ///
    /// ```text
    /// Catalog 7
    /// Catalog;names 2424
    /// Catalog;names;[..] 1000
    /// ```
    ///
    /// The self bytes of a node are its own allocations and, for a root and
    /// the fields of roots (through fields only), the inline bytes no field
    /// of theirs holds; so a node's lines, its own and its descendants',
    /// sum to its total, and all lines sum to [`Report::total_bytes`].
    /// Nodes without bytes of their own have no line. Lines come depth
    /// first, children by name: the same report always gives the same text.
    /// A `;` in a name becomes `,`, a line break or a tab a space, any other
    /// control character (and U+FFFE, U+FFFF, which XML forbids) `�`, and
    /// an empty name `_`. Stacks are at most [`Report::MAX_FOLDED_DEPTH`]
    /// frames deep: a deeper node's bytes are on the line of its ancestor
    /// at that depth, whose last frame is `…`.
    ///
    /// This is the format `inferno-flamegraph` and `flamegraph.pl` read:
    /// `flamegraph.pl --countname bytes report.folded > report.svg`.
    ///
    /// ```
    /// use memsize::Report;
    ///
    /// let names: Vec<String> = vec!["ada".into(), "grace".into()];
    /// let report = Report::new(&names);
    /// let folded = report.folded();
    /// let sum: u64 = folded
    ///     .lines()
    ///     .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
    ///     .sum();
    /// assert_eq!(sum, report.total_bytes());
    /// assert!(folded.contains("Vec<String>;[..] 8\n"));
    /// ```
    pub fn folded(&self) -> String {
        self.folded_frames(false)
    }

    /// How many frames a line of [`Report::folded`] has at most. Reports
    /// of real data are far shallower (a recursive type folds into one
    /// node); the bound keeps the folded text of a report read back, which
    /// may be a chain of any length, linear in its nodes.
    pub const MAX_FOLDED_DEPTH: usize = 256;

    /// The folded stacks, each frame the path element alone or, with
    /// `types`, followed by its type: `names: Vec<String>`.
    pub(crate) fn folded_frames(&self, types: bool) -> String {
        let mut out = String::new();
        let mut roots: Vec<NodeRef<'_>> = self.roots().collect();
        // Several roots keep the order they were added in.
        roots.reverse();
        let mut stack: Vec<(NodeRef<'_>, usize)> = roots.into_iter().map(|r| (r, 0)).collect();
        let mut frames: Vec<String> = Vec::new();
        while let Some((n, depth)) = stack.pop() {
            frames.truncate(depth);
            if depth + 1 == Self::MAX_FOLDED_DEPTH && n.children().len() > 0 {
                // The node and everything below it, on one line.
                frames.push(String::from("…"));
                let bytes = subtree_self_bytes(n);
                if bytes > 0 {
                    out.push_str(&frames.join(";"));
                    let _ = writeln!(out, " {bytes}");
                }
                continue;
            }
            frames.push(if types && !n.type_name().is_empty() {
                let short = short_type_name(n.type_name());
                if short == n.name() {
                    frame(n.name())
                } else {
                    frame(&std_alloc::format!("{}: {short}", n.name()))
                }
            } else {
                frame(n.name())
            });
            let bytes = n.self_bytes();
            if bytes > 0 {
                out.push_str(&frames.join(";"));
                let _ = writeln!(out, " {bytes}");
            }
            let mut children: Vec<NodeRef<'_>> = n.children().collect();
            sort_nodes(&mut children, SortBy::Name);
            stack.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
        }
        out
    }
}

/// The self bytes of `n` and of every node below it.
fn subtree_self_bytes(n: NodeRef<'_>) -> u64 {
    let mut sum = 0u64;
    let mut stack = Vec::from([n]);
    while let Some(n) = stack.pop() {
        sum = sum.saturating_add(n.self_bytes());
        stack.extend(n.children());
    }
    sum
}

/// A path element as a frame: no `;` (the frame separator), no line
/// breaks, no character XML 1.0 forbids (so that the SVG drawn from it is
/// well-formed), not empty.
pub(crate) fn frame(name: &str) -> String {
    if name.is_empty() {
        return String::from("_");
    }
    name.chars()
        .map(|c| match c {
            ';' => ',',
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
            '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}
