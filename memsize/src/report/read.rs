//! A report read back (with serde: from JSON, another process, a file) is
//! untrusted: it is checked as it is read, so that every reader can rely
//! on the shape the builder gives (a tree whose children come after their
//! parent, whose figures add up and fit in a `u64`).

use core::fmt;

use std_alloc::format;
use std_alloc::string::String;

use super::{Node, Report};
use crate::lib::{vec, Vec};

/// Why a report read back was refused: what is wrong, naming the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InvalidReport(String);

impl fmt::Display for InvalidReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid memsize report: {}", self.0)
    }
}

macro_rules! invalid {
    ($($arg:tt)*) => {
        return Err(InvalidReport(format!($($arg)*)))
    };
}

/// The serialized form, as read, before the checks.
#[derive(serde::Deserialize)]
#[serde(rename = "Report")]
pub(crate) struct ReportForm {
    schema_version: u32,
    nodes: Vec<Node>,
    skipped: u64,
    usable_sizes: bool,
}

impl TryFrom<ReportForm> for Report {
    type Error = InvalidReport;

    fn try_from(form: ReportForm) -> Result<Report, InvalidReport> {
        // Version 1 is version 2 without the nodes' `skipped_field`,
        // `unreachable` and `bounds`, which read as none.
        if !(1..=Report::SCHEMA_VERSION).contains(&form.schema_version) {
            invalid!(
                "schema_version {} is not a form this memsize reads (1 to {})",
                form.schema_version,
                Report::SCHEMA_VERSION
            );
        }
        check_nodes(&form.nodes)?;
        Ok(Report {
            schema_version: Report::SCHEMA_VERSION,
            nodes: form.nodes,
            skipped: form.skipped,
            usable_sizes: form.usable_sizes,
            #[cfg(feature = "alloc-sites")]
            sites: Vec::new(),
        })
    }
}

/// Checks what every reader relies on, in time linear in the nodes and
/// their children, without recursion:
/// - there is a top (node 0), and at most `u32::MAX + 1` nodes;
/// - every child index is in range and greater than its parent's (so
///   there is no cycle, no node is its own child and nothing points back
///   to the top), every node but the top is the child of exactly one node
///   (a tree, not a graph in which a node is reached twice);
/// - the figures add up: a node's heap bytes and allocations are its own
///   and its children's, a known usable figure has its children's known
///   and holds them, the top's inline bytes are its roots';
/// - no sum overflows: a node's total (inline and heap bytes) and the
///   self bytes of all nodes together fit in a `u64`.
pub(crate) fn check_nodes(nodes: &[Node]) -> Result<(), InvalidReport> {
    let n = nodes.len();
    if n == 0 {
        invalid!("no nodes: node 0, the top, is missing");
    }
    if n - 1 > u32::MAX as usize {
        invalid!("{n} nodes: more than child indices (u32) can name");
    }
    const NONE: u32 = u32::MAX;
    let mut parent = vec![NONE; n];
    for (i, node) in nodes.iter().enumerate() {
        for &c in &node.children {
            let ci = c as usize;
            if ci >= n {
                invalid!("node {i} has child {c}, past the last node ({})", n - 1);
            }
            if ci == i {
                invalid!("node {i} is its own child");
            }
            if ci == 0 {
                invalid!("node {i} has the top, node 0, as its child");
            }
            if ci < i {
                invalid!(
                    "node {i} has child {c}, which comes before it \
                     (children come after their parent: a cycle?)"
                );
            }
            if parent[ci] != NONE {
                invalid!(
                    "node {c} is a child of node {} and of node {i} \
                     (a report is a tree: each node has one parent)",
                    parent[ci]
                );
            }
            parent[ci] = i as u32;
        }
    }
    if let Some(i) = (1..n).find(|&i| parent[i] == NONE) {
        invalid!("node {i} is no node's child: it is not reached from the top");
    }
    let mut self_sum: u64 = 0;
    // Bottom-up, so that an error names the deepest node that is wrong.
    for (i, node) in nodes.iter().enumerate().rev() {
        let (mut heap, mut allocations) = (node.own_bytes, node.own_allocations);
        let mut usable = Some(0u64);
        let mut children_inline = 0u64;
        for &c in &node.children {
            let child = &nodes[c as usize];
            let (Some(h), Some(a)) = (
                heap.checked_add(child.heap_bytes),
                allocations.checked_add(child.allocations),
            ) else {
                invalid!("node {i}: its own and its children's heap overflow a u64");
            };
            (heap, allocations) = (h, a);
            usable = match (usable, child.usable_heap_bytes) {
                (Some(u), Some(c)) => u.checked_add(c),
                _ => None,
            };
            if child.inline_counted {
                children_inline = children_inline.saturating_add(child.inline_bytes);
            }
        }
        if heap != node.heap_bytes {
            invalid!(
                "node {i}: heap_bytes {}, but its own bytes and its children's heap \
                 add up to {heap}",
                node.heap_bytes
            );
        }
        if allocations != node.allocations {
            invalid!(
                "node {i}: allocations {}, but its own and its children's add up \
                 to {allocations}",
                node.allocations
            );
        }
        if let Some(u) = node.usable_heap_bytes {
            match usable {
                None => invalid!(
                    "node {i}: usable_heap_bytes known, but not its children's \
                     (or they overflow a u64)"
                ),
                Some(below) if below > u => {
                    invalid!("node {i}: usable_heap_bytes {u}, less than its children's ({below})")
                }
                Some(_) => {}
            }
        }
        let inline = if node.inline_counted {
            if node.inline_bytes.checked_add(node.heap_bytes).is_none() {
                invalid!("node {i}: inline_bytes and heap_bytes overflow a u64");
            }
            node.inline_bytes.saturating_sub(children_inline)
        } else {
            0
        };
        self_sum = match self_sum
            .checked_add(node.own_bytes)
            .and_then(|s| s.checked_add(inline))
        {
            Some(s) => s,
            None => invalid!(
                "the nodes' self bytes (own bytes, and inline bytes no field holds) \
                 overflow a u64, at node {i}"
            ),
        };
    }
    let top = &nodes[0];
    let mut roots_inline = 0u64;
    for &c in &top.children {
        roots_inline = match roots_inline.checked_add(nodes[c as usize].inline_bytes) {
            Some(s) => s,
            None => invalid!("node 0 (the top): its roots' inline bytes overflow a u64"),
        };
    }
    if roots_inline != top.inline_bytes {
        invalid!(
            "node 0 (the top): inline_bytes {}, but its roots' add up to {roots_inline}",
            top.inline_bytes
        );
    }
    Ok(())
}
