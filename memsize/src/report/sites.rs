//! A report's nodes with the allocation sites of their own allocations.

use core::fmt::Write as _;
use std::string::String;
use std::vec::Vec;

use super::human::Bytes;
use super::{short_type_name, NodeRef, Report};
use crate::alloc::sites::SiteStats;

impl<'r> NodeRef<'r> {
    /// Where this node's own allocations were made, by line, the most bytes
    /// first, when the report was built with
    /// [`sites`](super::ReportBuilder::sites); empty otherwise. The bytes
    /// and counts are those of the node's own blocks made at each site:
    /// exact against the tracing's snapshots.
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
    pub fn sites(&self) -> &'r [SiteStats] {
        let sites = &self.report.sites;
        match sites.binary_search_by_key(&self.index, |(i, _)| *i) {
            Ok(i) => &sites[i].1,
            Err(_) => &[],
        }
    }

    /// The own bytes that have a site: [`own_bytes`](Self::own_bytes) but
    /// those given without an address or made outside the tracing.
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
    pub fn sited_bytes(&self) -> u64 {
        self.sites().iter().map(|s| s.bytes).sum()
    }
}

impl Report {
    /// One line per node with own allocations that have sites: its path
    /// and type, its own bytes and allocations, and its `top` sites by
    /// bytes with their share of the own bytes, the nodes with the most
    /// own bytes first:
    ///
    /// ```text
    /// users[value].tags: Vec<String>: 8.2 KiB, 450 allocs, 91% src/state.rs:88 sign_up, 9% src/state.rs:95 rename
    /// ```
    ///
    /// Empty unless the report was built with
    /// [`sites`](super::ReportBuilder::sites).
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
    pub fn sites_text(&self, top: usize) -> String {
        let mut rows: Vec<(u64, String)> = Vec::new();
        let mut stack: Vec<(NodeRef<'_>, String)> =
            self.roots().map(|r| (r, String::from(r.name()))).collect();
        while let Some((n, path)) = stack.pop() {
            for c in n.children() {
                let mut p = path.clone();
                if !c.name().starts_with('[') {
                    p.push('.');
                }
                p.push_str(c.name());
                stack.push((c, p));
            }
            let sites = n.sites();
            if sites.is_empty() {
                continue;
            }
            let own = n.own_bytes();
            let mut line = std::format!(
                "{path}: {}: {}, {} allocs",
                short_type_name(n.type_name()),
                Bytes(own),
                n.own_allocations()
            );
            for s in sites.iter().take(top) {
                let share = if own == 0 {
                    0.0
                } else {
                    100.0 * s.bytes as f64 / own as f64
                };
                let f = &s.site.frames[0];
                let _ = write!(line, ", {share:.0}% ");
                match (&f.file, f.line) {
                    (Some(file), Some(l)) => {
                        let _ = write!(line, "{file}:{l} {}", f.function);
                    }
                    _ => line.push_str(&f.function),
                }
            }
            if sites.len() > top {
                let _ = write!(line, ", {} more", sites.len() - top);
            }
            rows.push((own, line));
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut out = String::new();
        for (_, line) in rows {
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}
