//! What changed between two reports, by path and by type, the biggest
//! change first (like `tracemalloc`'s `Snapshot.compare_to`).

use core::cmp::Ordering;
use core::fmt;

use std_alloc::borrow::Cow;
use std_alloc::collections::BTreeMap;
use std_alloc::string::{String, ToString};

use super::by_type::display_names;
use super::human::{label, room, Align, Bytes, Count, CountDelta, Delta, Table};
use super::{NodeRef, Report};
use crate::lib::Vec;

/// The figures of one path or type in the two reports of a [`ReportDiff`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Figures {
    /// How many values.
    pub count: u64,
    /// What they add to the report's total.
    pub total_bytes: u64,
    /// Heap bytes.
    pub heap_bytes: u64,
    /// Allocations.
    pub allocations: u64,
}

/// How one path of a report changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PathDiff {
    /// The path from the root: `State.users[value].name`, `config.*`. A
    /// path longer than 256 characters (only a report read back can have
    /// one) keeps its first 256 and its last element, with `…` between.
    pub path: String,
    /// The type at that path, as `core::any::type_name` gives it.
    pub type_name: Cow<'static, str>,
    /// The node's figures in the earlier report (zero if it had no such
    /// path); its total and heap include everything below it.
    pub before: Figures,
    /// The node's figures in the later report.
    pub after: Figures,
}

/// How the values of one type changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TypeDiff {
    /// The type, as `core::any::type_name` gives it.
    pub type_name: Cow<'static, str>,
    /// The type's row in the earlier report's [`TypeTable`](super::TypeTable)
    /// (its own bytes only, not what lies below its values).
    pub before: Figures,
    /// The type's row in the later report's.
    pub after: Figures,
}

/// The change between two reports: what [`Report::diff`] returns.
/// `Display` prints the totals and two tables, by path and by type, with
/// only the rows that changed: each row's new total, and the change of its
/// total, its allocations and its count of values.
///
/// ```
/// use memsize::Report;
///
/// let mut names: Vec<String> = vec!["ada".into()];
/// let before = Report::new(&names);
/// names.extend((0..100).map(|i| format!("user {i}")));
/// let diff = Report::new(&names).diff(&before);
/// assert!(diff.total_diff() > 0);
/// assert_eq!(diff.paths()[0].path, "Vec<String>");
/// println!("{diff}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReportDiff {
    before: Figures,
    after: Figures,
    paths: Vec<PathDiff>,
    types: Vec<TypeDiff>,
}

/// `after - before`, saturating at `i64`'s ends.
fn change(before: u64, after: u64) -> i64 {
    let d = i128::from(after) - i128::from(before);
    d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

impl Figures {
    fn of(n: NodeRef<'_>) -> Figures {
        Figures {
            count: n.count(),
            total_bytes: n.total_bytes(),
            heap_bytes: n.heap_bytes(),
            allocations: n.allocations(),
        }
    }
}

macro_rules! diffs {
    ($($(#[$doc:meta])* $name:ident: $field:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> i64 {
                change(self.before.$field, self.after.$field)
            }
        )*
    };
}

impl PathDiff {
    diffs! {
        /// The change of the total.
        total_diff: total_bytes;
        /// The change of the heap bytes.
        heap_diff: heap_bytes;
        /// The change of the allocations.
        allocations_diff: allocations;
        /// The change of the count of values.
        count_diff: count;
    }
}

impl TypeDiff {
    diffs! {
        /// The change of the total.
        total_diff: total_bytes;
        /// The change of the heap bytes.
        heap_diff: heap_bytes;
        /// The change of the allocations.
        allocations_diff: allocations;
        /// The change of the count of values.
        count_diff: count;
    }
}

impl ReportDiff {
    diffs! {
        /// The change of the report's total.
        total_diff: total_bytes;
        /// The change of the report's heap.
        heap_diff: heap_bytes;
        /// The change of the report's allocations.
        allocations_diff: allocations;
    }

    /// The earlier report's totals (its count is its roots').
    pub fn before(&self) -> Figures {
        self.before
    }

    /// The later report's totals.
    pub fn after(&self) -> Figures {
        self.after
    }

    /// The paths whose bytes or allocations changed, the biggest change of the total first (by
    /// absolute value), then the biggest change of the heap and of the
    /// allocations; ties by path and type. A path's figures include what is
    /// below it, so a root comes first when anything changed.
    pub fn paths(&self) -> &[PathDiff] {
        &self.paths
    }

    /// The types whose bytes, allocations or count of values changed,
    /// ordered like [`paths`](Self::paths). A
    /// type's figures are its own bytes (see
    /// [`TypeRow::total_bytes`](super::TypeRow::total_bytes)), so the
    /// changes of all types sum to the change of the total.
    pub fn types(&self) -> &[TypeDiff] {
        &self.types
    }
}

/// The path of a child named `name` below `parent`: `parent.name`, or
/// `parent[..]` for elements, keys and values.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    let mut p = String::with_capacity(parent.len() + name.len() + 1);
    p.push_str(parent);
    if !name.starts_with('[') {
        p.push('.');
    }
    p.push_str(name);
    p
}

/// The longest [`PathDiff::path`] kept whole, in characters: a longer
/// path keeps its first `MAX_PATH` characters and its last element, with
/// `…` between. Paths of real data are short (a recursive type folds into
/// one node); a report read back may be a chain of any depth.
const MAX_PATH: usize = 256;

/// The paths of both reports, joined: each path (a root's name, then one
/// path element after another, with the type at each) is one entry, with
/// its figures in either report. Paths are matched element by element,
/// not as text, and each path's text is built once, from its parent's.
struct Joined<'r> {
    /// `(parent entry, name, type)` to entry; the parent of a root is
    /// `u32::MAX`.
    index: BTreeMap<(u32, &'r str, &'r str), u32>,
    entries: Vec<Entry<'r>>,
}

struct Entry<'r> {
    type_name: &'r str,
    /// The path's text, or, for a path cut at [`MAX_PATH`], the entry whose
    /// text is its start.
    text: PathText,
    name: &'r str,
    figures: [Figures; 2],
}

enum PathText {
    Whole(String),
    Cut(u32),
}

impl<'r> Joined<'r> {
    fn add(&mut self, report: &'r Report, side: usize) {
        let mut stack: Vec<(NodeRef<'r>, u32)> = report.roots().map(|r| (r, u32::MAX)).collect();
        while let Some((n, parent)) = stack.pop() {
            let key = (parent, n.name(), n.type_name());
            let entry = match self.index.get(&key) {
                Some(&e) => e,
                None => {
                    let e = self.entries.len() as u32;
                    let text = self.text(parent, n.name());
                    self.entries.push(Entry {
                        type_name: n.type_name(),
                        text,
                        name: n.name(),
                        figures: [Figures::default(); 2],
                    });
                    self.index.insert(key, e);
                    e
                }
            };
            // The same path and type can come twice only in a report read
            // back (siblings differ in name, type or edge, and only `*` is
            // a pointee): their figures add up.
            let f = &mut self.entries[entry as usize].figures[side];
            let g = Figures::of(n);
            f.count = f.count.saturating_add(g.count);
            f.total_bytes = f.total_bytes.saturating_add(g.total_bytes);
            f.heap_bytes = f.heap_bytes.saturating_add(g.heap_bytes);
            f.allocations = f.allocations.saturating_add(g.allocations);
            stack.extend(n.children().map(|c| (c, entry)));
        }
    }

    /// The text of the path `name` below entry `parent`.
    fn text(&self, parent: u32, name: &str) -> PathText {
        if parent == u32::MAX {
            return PathText::Whole(String::from(name));
        }
        match &self.entries[parent as usize].text {
            PathText::Cut(start) => PathText::Cut(*start),
            PathText::Whole(p) => {
                if p.chars().count() + name.chars().count() + 1 > MAX_PATH {
                    return PathText::Cut(parent);
                }
                PathText::Whole(child_path(p, name))
            }
        }
    }

    /// The path of an entry as [`PathDiff::path`] shows it.
    fn path(&self, entry: &Entry<'_>) -> String {
        match &entry.text {
            PathText::Whole(p) => p.clone(),
            PathText::Cut(start) => {
                let PathText::Whole(start) = &self.entries[*start as usize].text else {
                    unreachable!("a cut path starts at a whole one")
                };
                let mut p = start.clone();
                p.push('…');
                p.push_str(entry.name);
                p
            }
        }
    }
}

fn order(a: (i64, i64, i64), b: (i64, i64, i64)) -> Ordering {
    b.0.unsigned_abs()
        .cmp(&a.0.unsigned_abs())
        .then(b.1.unsigned_abs().cmp(&a.1.unsigned_abs()))
        .then(b.2.unsigned_abs().cmp(&a.2.unsigned_abs()))
}

impl Report {
    /// What changed from `before` to this report, by path and by type (see
    /// [`ReportDiff`]).
    pub fn diff(&self, before: &Report) -> ReportDiff {
        Report::compare(before, self)
    }

    /// What changed from `before` to `after`: `after.diff(before)`.
    pub fn compare(before: &Report, after: &Report) -> ReportDiff {
        let mut joined = Joined {
            index: BTreeMap::new(),
            entries: Vec::new(),
        };
        joined.add(before, 0);
        joined.add(after, 1);
        let mut path_rows: Vec<PathDiff> = joined
            .entries
            .iter()
            // A path whose bytes did not change has nothing to show (its
            // count may have: its values' bytes lie in a parent's).
            .filter(|e| {
                let [b, a] = &e.figures;
                (b.total_bytes, b.heap_bytes, b.allocations)
                    != (a.total_bytes, a.heap_bytes, a.allocations)
            })
            .map(|e| PathDiff {
                path: joined.path(e),
                type_name: Cow::Owned(String::from(e.type_name)),
                before: e.figures[0],
                after: e.figures[1],
            })
            .collect();
        path_rows.sort_by(|a, b| (&a.path, &a.type_name).cmp(&(&b.path, &b.type_name)));
        // Stable, after an order by path and type: ties stay in that order.
        path_rows.sort_by(|a, b| {
            order(
                (a.total_diff(), a.heap_diff(), a.allocations_diff()),
                (b.total_diff(), b.heap_diff(), b.allocations_diff()),
            )
        });

        let (tb, ta) = (before.by_type(), after.by_type());
        let mut types: BTreeMap<&str, (Figures, Figures)> = BTreeMap::new();
        for (table, side) in [(&tb, 0), (&ta, 1)] {
            for row in table.rows() {
                let f = Figures {
                    count: row.values,
                    total_bytes: row.total_bytes,
                    heap_bytes: row.heap_bytes,
                    allocations: row.allocations,
                };
                let e = types.entry(row.type_name.as_ref()).or_default();
                if side == 0 {
                    e.0 = f;
                } else {
                    e.1 = f;
                }
            }
        }
        let mut type_rows: Vec<TypeDiff> = types
            .into_iter()
            .filter(|(_, (b, a))| b != a)
            .map(|(type_name, (before, after))| TypeDiff {
                type_name: Cow::Owned(String::from(type_name)),
                before,
                after,
            })
            .collect();
        type_rows.sort_by(|a, b| {
            order(
                (a.total_diff(), a.heap_diff(), a.allocations_diff()),
                (b.total_diff(), b.heap_diff(), b.allocations_diff()),
            )
        });
        let totals = |r: &Report| Figures {
            count: r.roots().len() as u64,
            total_bytes: r.total_bytes(),
            heap_bytes: r.heap_bytes(),
            allocations: r.allocations(),
        };
        ReportDiff {
            before: totals(before),
            after: totals(after),
            paths: path_rows,
            types: type_rows,
        }
    }
}

/// The cells that show one row's change: the new total, and the changes
/// of the total, the allocations and the values.
fn change_cells(before: &Figures, after: &Figures) -> [String; 4] {
    [
        Bytes(after.total_bytes).to_string(),
        Delta(i128::from(after.total_bytes) - i128::from(before.total_bytes)).to_string(),
        CountDelta(i128::from(after.allocations) - i128::from(before.allocations)).to_string(),
        CountDelta(i128::from(after.count) - i128::from(before.count)).to_string(),
    ]
}

const CHANGE_HEADER: [&str; 4] = ["total", "change", "allocs", "values"];

impl fmt::Display for ReportDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "total: {} -> {} ({})",
            Bytes(self.before.total_bytes),
            Bytes(self.after.total_bytes),
            Delta(i128::from(self.total_diff())),
        )?;
        writeln!(
            f,
            "heap: {} -> {} ({})",
            Bytes(self.before.heap_bytes),
            Bytes(self.after.heap_bytes),
            Delta(i128::from(self.heap_diff())),
        )?;
        // A line of its own, so that both fit in 80 columns.
        writeln!(
            f,
            "allocations: {} -> {} ({})",
            Count(self.before.allocations),
            Count(self.after.allocations),
            CountDelta(i128::from(self.allocations_diff())),
        )?;
        if self.paths.is_empty() {
            return writeln!(f, "no change");
        }
        let mut align = Vec::from([Align::Left]);
        align.extend([Align::Right; 4]);

        f.write_str("\nby path:\n")?;
        let mut table = Table::new(&align);
        let mut header = Vec::from([String::from("path: type")]);
        header.extend(CHANGE_HEADER.map(String::from));
        let figures: Vec<[String; 4]> = self
            .paths
            .iter()
            .map(|p| change_cells(&p.before, &p.after))
            .collect();
        let room = room(
            80,
            core::iter::once(&header[1..]).chain(figures.iter().map(|r| &r[..])),
        );
        table.row(header);
        let names = display_names(self.paths.iter().map(|p| p.type_name.as_ref()));
        for ((p, name), figures) in self.paths.iter().zip(names).zip(figures) {
            // The last path element: `name`, or `[..]` with its bracket.
            let last = if p.path == name {
                // A root named after its type (`Report::new`).
                &p.path[..]
            } else {
                match p.path.rfind(['.', '[']) {
                    Some(i) if p.path[i..].starts_with('[') => &p.path[i..],
                    Some(i) => &p.path[i + 1..],
                    None => &p.path[..],
                }
            };
            let mut cells = Vec::from([label(&p.path, last, &name, "", room)]);
            cells.extend(figures);
            table.row(cells);
        }
        table.write(f)?;

        f.write_str("\nby type:\n")?;
        let mut table = Table::new(&align);
        let mut header = Vec::from([String::from("type")]);
        header.extend(CHANGE_HEADER.map(String::from));
        table.row(header);
        let names = display_names(self.types.iter().map(|t| t.type_name.as_ref()));
        for (t, name) in self.types.iter().zip(names) {
            let mut cells = Vec::from([name]);
            cells.extend(change_cells(&t.before, &t.after));
            table.row(cells);
        }
        table.fit(0, 5, 80, 16);
        table.write(f)
    }
}
