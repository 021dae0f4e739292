//! The report as an indented tree with aligned columns: `Display` for
//! [`Report`], and [`ReportDisplay`] for the options.

use core::cmp::Ordering;
use core::fmt;

use std_alloc::format;
use std_alloc::string::{String, ToString};

use super::human::{
    label, printable, room, truncate_middle, width, Align, Bytes, Count, Percent, Table, MIN_HEAD,
};
use super::{short_type_name, NodeRef, Report};
use crate::lib::Vec;

/// The order of a node's children in a printed report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortBy {
    /// The biggest total first; ties by name, then type.
    #[default]
    Size,
    /// By name, then type; a node's own line first.
    Name,
}

/// A [`Report`] printed as a tree, with options: what
/// [`Report::display`] returns. `Display` for [`Report`] is this with
/// the defaults.
///
/// A header line gives the report's total, inline and heap bytes and
/// allocations; then one line per node: the path element and its type,
/// how many values the node stands for (`1,000 ×`, when more than one),
/// its total, heap, allocations and share of the report's total. A node
/// with children and bytes of its own has an `(own)` line among them: its
/// [self bytes](NodeRef::self_bytes), own heap and own allocations, so
/// that the lines just under a node sum to it. Nodes that add nothing
/// (no bytes, no allocations: a heap-free field behind a pointer) are left
/// out. A last line splits the heap into unique and shared bytes when some
/// is shared, and another counts what was [skipped](Report::skipped).
///
/// ```
/// use memsize::report::SortBy;
/// use memsize::Report;
///
/// let names: Vec<String> = (0..1000).map(|i| format!("user {i}")).collect();
/// let report = Report::new(&names);
/// let text = report.display().depth(1).min_share(0.05).sort(SortBy::Size).to_string();
/// assert!(text.contains("1,000 ×"));
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use = "a ReportDisplay does nothing until it is printed"]
pub struct ReportDisplay<'r> {
    report: &'r Report,
    depth: Option<usize>,
    min_share: f64,
    sort: SortBy,
    padding: bool,
    usable: bool,
    width: usize,
}

impl Report {
    /// The report as a tree, with options (depth, minimum share, order,
    /// padding, usable bytes). See [`ReportDisplay`].
    pub fn display(&self) -> ReportDisplay<'_> {
        ReportDisplay {
            report: self,
            depth: None,
            min_share: 0.0,
            sort: SortBy::Size,
            padding: false,
            usable: true,
            width: 80,
        }
    }
}

impl<'r> ReportDisplay<'r> {
    /// Prints nodes down to `depth` levels below the root (0: the root
    /// alone); deeper nodes are in their ancestors' figures. Unlimited by
    /// default.
    pub fn depth(mut self, depth: usize) -> Self {
        self.depth = Some(depth);
        self
    }

    /// Folds the children whose share of the report's total is below
    /// `share` (from 0 to 1) into one `N more` line per parent. 0 (the
    /// default) prints every node.
    pub fn min_share(mut self, share: f64) -> Self {
        self.min_share = share;
        self
    }

    /// The order of each node's children: [`SortBy::Size`] by default.
    pub fn sort(mut self, sort: SortBy) -> Self {
        self.sort = sort;
        self
    }

    /// Notes each struct or enum node's padding when it has some (the inline
    /// bytes no field covers: padding, an enum's tag, skipped fields), as
    /// `(7 B padding)`. Off by default.
    pub fn padding(mut self, on: bool) -> Self {
        self.padding = on;
        self
    }

    /// Adds a column of usable heap bytes, as the allocator reserved them,
    /// when the report has them ([`Report::has_usable_sizes`]); `?` where
    /// the allocator could not tell. On by default.
    pub fn usable(mut self, on: bool) -> Self {
        self.usable = on;
        self
    }

    /// The width to fit lines into, by shortening long type names with
    /// `…`: 80 columns by default. Names of fields are never cut.
    pub fn width(mut self, columns: usize) -> Self {
        self.width = columns;
        self
    }

    fn show_usable(&self) -> bool {
        self.usable && self.report.has_usable_sizes()
    }

    /// The cells of a line but the first (the path and type).
    fn figures(&self, line: &Line) -> Vec<String> {
        let mut cells = Vec::with_capacity(7);
        if line.bare {
            // A note: what is left out has no figures.
            cells.resize(5 + usize::from(self.show_usable()), String::new());
            return cells;
        }
        cells.push(if line.count > 1 {
            format!("{} ×", Count(line.count))
        } else {
            String::new()
        });
        cells.push(Bytes(line.total).to_string());
        cells.push(Bytes(line.heap).to_string());
        cells.push(Count(line.allocations).to_string());
        cells.push(
            Percent {
                part: line.total,
                whole: self.report.total_bytes(),
            }
            .to_string(),
        );
        if self.show_usable() {
            cells.push(match line.usable {
                Some(u) => Bytes(u).to_string(),
                None => String::from("?"),
            });
        }
        cells
    }

    fn node_line(&self, n: NodeRef<'_>, depth: usize) -> Line {
        let mut notes = Vec::new();
        if n.node().skipped_field {
            notes.push(String::from("skipped"));
        }
        if n.is_shared() {
            notes.push(String::from("shared"));
        }
        if self.padding && n.padding_bytes() > 0 {
            notes.push(format!("{} padding", Bytes(n.padding_bytes())));
        }
        let note = if notes.is_empty() {
            String::new()
        } else {
            format!("({})", notes.join(", "))
        };
        let name = if n.index() == 0 {
            String::from("(roots)")
        } else {
            n.name().to_string()
        };
        Line {
            depth,
            name,
            type_name: short_type_name(n.type_name()),
            count: n.count(),
            total: n.total_bytes(),
            heap: n.heap_bytes(),
            allocations: n.allocations(),
            usable: n.usable_heap_bytes(),
            note,
            bare: false,
        }
    }

    /// What the figures of `n` leave out, a line each, printed just below
    /// its own line: contents out of reach, and what a bound does not
    /// count. (A field left out with `skip` says so on its own line.)
    fn left_out(&self, n: NodeRef<'_>, depth: usize) -> Vec<Line> {
        let node = n.node();
        let note = |name: String| Line {
            depth: depth + 1,
            name,
            type_name: String::new(),
            count: 0,
            total: 0,
            heap: 0,
            allocations: 0,
            usable: None,
            note: String::new(),
            bare: true,
        };
        let mut out = Vec::new();
        if node.unreachable > 0 {
            out.push(note(format!(
                "({} skipped: locked or borrowed)",
                Count(node.unreachable)
            )));
        }
        for what in &node.bounds {
            out.push(note(format!("(bound: {what} not counted)")));
        }
        out
    }

    /// The lines of the tree below `root`, depth first, with an explicit
    /// stack (a report may be as deep as it has nodes).
    fn walk(&self, table: &mut Vec<Line>, root: NodeRef<'_>) {
        enum Work<'r> {
            Node(NodeRef<'r>, usize),
            Line(Line),
        }
        let mut stack = Vec::from([Work::Node(root, 0)]);
        while let Some(work) = stack.pop() {
            match work {
                Work::Line(line) => table.push(line),
                Work::Node(n, depth) => {
                    table.push(self.node_line(n, depth));
                    table.extend(self.left_out(n, depth));
                    let below = self.below(n, depth);
                    stack.extend(below.into_iter().rev().map(|b| match b {
                        Below::Node(c) => Work::Node(c, depth + 1),
                        Below::Line(l) => Work::Line(l),
                    }));
                }
            }
        }
    }

    /// What is printed just below `n`, in order: its children, its `(own)`
    /// line among them, and an `(N more)` line for the children folded.
    fn below<'n>(&self, n: NodeRef<'n>, depth: usize) -> Vec<Below<'n>> {
        let mut out = Vec::new();
        if self.depth.is_some_and(|d| depth >= d) || n.children().len() == 0 {
            return out;
        }
        let whole = self.report.total_bytes();
        let mut shown = Vec::new();
        let mut folded = Folded::default();
        for c in n.children() {
            let says =
                c.node().skipped_field || c.node().unreachable > 0 || !c.node().bounds.is_empty();
            if c.total_bytes() == 0 && c.allocations() == 0 && !says {
                // Adds nothing: a heap-free field behind a pointer.
                continue;
            }
            if says {
                // Something left out is shown wherever it is.
                shown.push(c);
                continue;
            }
            if whole > 0 && (c.total_bytes() as f64) < self.min_share * whole as f64 {
                folded.add(c);
            } else {
                shown.push(c);
            }
        }
        if shown.is_empty() && folded.nodes == 0 {
            // Nothing below to set the node's own bytes apart from.
            return out;
        }
        sort_nodes(&mut shown, self.sort);
        let own = Line {
            depth: depth + 1,
            name: String::from("(own)"),
            type_name: String::new(),
            count: 0,
            total: n.self_bytes(),
            heap: n.own_bytes(),
            allocations: n.own_allocations(),
            usable: own_usable(n),
            note: String::new(),
            bare: false,
        };
        let has_own = own.total != 0 || own.allocations != 0;
        // The own line goes where its size puts it (first when by name).
        let own_at = match self.sort {
            SortBy::Name => 0,
            SortBy::Size => shown
                .iter()
                .position(|c| c.total_bytes() < own.total)
                .unwrap_or(shown.len()),
        };
        let mut own = has_own.then_some(own);
        for (i, c) in shown.into_iter().enumerate() {
            if i == own_at {
                if let Some(own) = own.take() {
                    out.push(Below::Line(own));
                }
            }
            out.push(Below::Node(c));
        }
        if let Some(own) = own.take() {
            out.push(Below::Line(own));
        }
        if folded.nodes > 0 {
            out.push(Below::Line(Line {
                depth: depth + 1,
                name: format!("({} more)", Count(folded.nodes)),
                type_name: String::new(),
                count: 0,
                total: folded.total,
                heap: folded.heap,
                allocations: folded.allocations,
                usable: folded.usable,
                note: String::new(),
                bare: false,
            }));
        }
        out
    }
}

/// One of the things printed just below a node.
enum Below<'r> {
    Node(NodeRef<'r>),
    Line(Line),
}

/// How many levels of the tree are indented, two columns each; deeper
/// lines are indented as much and say their depth, `(21) name`, so that a
/// line fits in its width however deep the report.
const MAX_INDENT: usize = 16;

impl Line {
    /// The indented path element, its type and notes: `  name: Type
    /// (note)`, the type cut where the whole would be wider than `room`.
    fn first_cell(&self, room: usize) -> String {
        let mut head = " ".repeat(2 * self.depth.min(MAX_INDENT));
        if self.depth > MAX_INDENT {
            head.push_str(&format!("({}) ", self.depth));
        }
        head.push_str(&self.name);
        let mut tail = String::new();
        if !self.note.is_empty() {
            tail.push(' ');
            tail.push_str(&self.note);
        }
        label(&head, &self.name, &self.type_name, &tail, room)
    }
}

/// One printed line's figures.
struct Line {
    depth: usize,
    name: String,
    type_name: String,
    count: u64,
    total: u64,
    heap: u64,
    allocations: u64,
    usable: Option<u64>,
    note: String,
    /// A note without figures.
    bare: bool,
}

/// The children folded into an `N more` line.
struct Folded {
    nodes: u64,
    total: u64,
    heap: u64,
    allocations: u64,
    usable: Option<u64>,
}

impl Default for Folded {
    fn default() -> Self {
        Folded {
            nodes: 0,
            total: 0,
            heap: 0,
            allocations: 0,
            usable: Some(0),
        }
    }
}

impl Folded {
    fn add(&mut self, n: NodeRef<'_>) {
        self.nodes += 1;
        self.total = self.total.saturating_add(n.total_bytes());
        self.heap = self.heap.saturating_add(n.heap_bytes());
        self.allocations = self.allocations.saturating_add(n.allocations());
        self.usable = self
            .usable
            .zip(n.usable_heap_bytes())
            .map(|(a, b)| a.saturating_add(b));
    }
}

/// The usable bytes of a node's own allocations: its usable heap less its
/// children's, where all are known.
fn own_usable(n: NodeRef<'_>) -> Option<u64> {
    let mut below = 0u64;
    for c in n.children() {
        below = below.saturating_add(c.usable_heap_bytes()?);
    }
    Some(n.usable_heap_bytes()?.saturating_sub(below))
}

/// Sorts sibling nodes; a total order, so that output never depends on the
/// order the traversal met them in (a `HashMap`'s).
pub(crate) fn sort_nodes(nodes: &mut [NodeRef<'_>], sort: SortBy) {
    nodes.sort_by(|a, b| match sort {
        SortBy::Size => b
            .total_bytes()
            .cmp(&a.total_bytes())
            .then_with(|| by_name(a, b)),
        SortBy::Name => by_name(a, b).then_with(|| b.total_bytes().cmp(&a.total_bytes())),
    });
}

fn by_name(a: &NodeRef<'_>, b: &NodeRef<'_>) -> Ordering {
    a.name()
        .cmp(b.name())
        .then_with(|| a.type_name().cmp(b.type_name()))
        .then_with(|| a.edge().cmp(&b.edge()))
}

impl fmt::Display for ReportDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.report;
        let root = r.root();
        let figures = format!(
            ": {} total, {} inline, {} heap in {} allocations",
            Bytes(r.total_bytes()),
            Bytes(r.total_bytes().saturating_sub(r.heap_bytes())),
            Bytes(r.heap_bytes()),
            Count(r.allocations()),
        );
        let title = r.root_title();
        let title = printable(&title);
        let title_room = self.width.saturating_sub(width(&figures)).max(MIN_HEAD);
        writeln!(f, "{}{figures}", truncate_middle(&title, title_room))?;
        if self.show_usable() {
            match r.usable_heap_bytes() {
                Some(u) => writeln!(f, "usable heap: {}", Bytes(u))?,
                None => writeln!(f, "usable heap: not known for every allocation")?,
            }
        }
        let mut lines = Vec::new();
        self.walk(&mut lines, root);
        let mut header = Vec::from(["count", "total", "heap", "allocs", "share"]);
        if self.show_usable() {
            header.push("usable");
        }
        let mut align = Vec::from([Align::Left]);
        align.extend(header.iter().map(|_| Align::Right));
        let mut table = Table::new(&align);
        let mut cells = Vec::from([String::from("path: type")]);
        cells.extend(header.into_iter().map(String::from));
        table.row(cells);
        let figures: Vec<Vec<String>> = lines.iter().map(|l| self.figures(l)).collect();
        // The room left for the first column once the figures have theirs:
        // lines wider than that have their type cut, and only those.
        let room = room(
            self.width,
            table
                .rows
                .iter()
                .map(|r| &r[1..])
                .chain(figures.iter().map(|r| &r[..])),
        );
        for (line, figures) in lines.iter().zip(figures) {
            let mut cells = Vec::from([line.first_cell(room)]);
            cells.extend(figures);
            table.row(cells);
        }
        table.write(f)?;
        if r.shared_bytes() > 0 {
            writeln!(
                f,
                "heap: {} unique, {} shared (reached through Rc, Arc: counted once)",
                Bytes(r.unique_bytes()),
                Bytes(r.shared_bytes())
            )?;
        }
        if r.skipped() > 0 {
            writeln!(
                f,
                "{} skipped (locked or borrowed elsewhere): not in the figures",
                Count(r.skipped())
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    /// The report as a tree, children by size: [`Report::display`] with its
    /// defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.display(), f)
    }
}
