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
    /// A `;` in a name becomes `,`, and a line break a space.
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

/// A path element as a frame: no `;` (the frame separator), no line
/// breaks, not empty.
fn frame(name: &str) -> String {
    if name.is_empty() {
        return String::from("_");
    }
    name.chars()
        .map(|c| match c {
            ';' => ',',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}
