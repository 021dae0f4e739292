//! The report by type: one row per type, like pympler's `muppy` summary.

use core::fmt;

use std_alloc::borrow::Cow;
use std_alloc::collections::BTreeMap;
use std_alloc::string::{String, ToString};

use super::human::{printable, Align, Bytes, Count, Percent, Table};
use super::{short_type_name, NodeRef, Report};
use crate::lib::Vec;

/// The bytes of a [`Report`] by type, the biggest first: what
/// [`Report::by_type`] returns. `Display` prints it as a table.
///
/// ```
/// use memsize::Report;
///
/// let names: Vec<String> = (0..100).map(|i| format!("user {i}")).collect();
/// let table = Report::new(&names).by_type();
/// let strings = table.rows().iter().find(|r| r.type_name.ends_with("String")).unwrap();
/// assert_eq!(strings.values, 100);
/// // The rows' heap sums to the report's heap, and their totals to its total.
/// let heap: u64 = table.rows().iter().map(|r| r.heap_bytes).sum();
/// assert_eq!(heap, Report::new(&names).heap_bytes());
/// println!("{table}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TypeTable {
    rows: Vec<TypeRow>,
    total_bytes: u64,
    heap_bytes: u64,
    allocations: u64,
}

/// The values of one type in a report, summed over every path they are at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TypeRow {
    /// The type, as `core::any::type_name` gives it.
    pub type_name: Cow<'static, str>,
    /// How many values of the type the report reached.
    pub values: u64,
    /// Their inline bytes (`size_of_val`), wherever they lie. These overlap
    /// between rows: a struct's inline bytes hold its fields', a `Vec`'s
    /// buffer (heap) holds its elements' inline bytes.
    pub inline_bytes: u64,
    /// The bytes of the allocations the values own directly (a `Vec`'s
    /// buffer is the `Vec`'s, not its elements'). The rows' heap bytes sum
    /// to the report's heap.
    pub heap_bytes: u64,
    /// How many allocations those are.
    pub allocations: u64,
    /// The report's total that is this type's own: its heap bytes, and
    /// those of its inline bytes that count in the total and lie in no
    /// field of a value of another row (a root's inline bytes less its
    /// fields', a field's that has no fields of its own). The sum of
    /// [`NodeRef::self_bytes`] over the type's nodes; the rows' totals sum
    /// to the report's total.
    pub total_bytes: u64,
}

impl TypeRow {
    /// The type as `Vec<String>` rather than
    /// `alloc::vec::Vec<alloc::string::String>`.
    pub fn short_type_name(&self) -> String {
        short_type_name(&self.type_name)
    }
}

impl TypeTable {
    /// One row per type, the biggest total first; ties by type name.
    pub fn rows(&self) -> &[TypeRow] {
        &self.rows
    }

    /// The report's total, the sum of the rows' totals.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// The report's heap, the sum of the rows' heap bytes.
    pub fn heap_bytes(&self) -> u64 {
        self.heap_bytes
    }
}

impl Report {
    /// The report's bytes by type, one row per type, the biggest first (see
    /// [`TypeTable`]).
    pub fn by_type(&self) -> TypeTable {
        let mut rows: BTreeMap<&str, TypeRow> = BTreeMap::new();
        for i in 1..self.nodes.len() {
            let n = NodeRef {
                report: self,
                index: i as u32,
            };
            let node = n.node();
            let row = rows
                .entry(node.type_name.as_ref())
                .or_insert_with(|| TypeRow {
                    type_name: node.type_name.clone(),
                    values: 0,
                    inline_bytes: 0,
                    heap_bytes: 0,
                    allocations: 0,
                    total_bytes: 0,
                });
            // Saturating: a report read back may hold any counts.
            row.values = row.values.saturating_add(node.count);
            row.inline_bytes = row.inline_bytes.saturating_add(node.inline_bytes);
            row.heap_bytes = row.heap_bytes.saturating_add(node.own_bytes);
            row.allocations = row.allocations.saturating_add(node.own_allocations);
            row.total_bytes = row.total_bytes.saturating_add(n.self_bytes());
        }
        let mut rows: Vec<TypeRow> = rows.into_values().collect();
        // Stable, after an order by name: ties stay by name.
        rows.sort_by_key(|r| core::cmp::Reverse(r.total_bytes));
        TypeTable {
            rows,
            total_bytes: self.total_bytes(),
            heap_bytes: self.heap_bytes(),
            allocations: self.allocations(),
        }
    }
}

/// Short type names, or the full one where two different types share a
/// short one.
pub(crate) fn display_names<'a>(full: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut clash: BTreeMap<String, ()> = BTreeMap::new();
    for f in full.clone() {
        let s = short_type_name(f);
        match seen.get(&s) {
            Some(other) if *other != f => {
                clash.insert(s, ());
            }
            Some(_) => {}
            None => {
                seen.insert(s, f);
            }
        }
    }
    full.map(|f| {
        let s = short_type_name(f);
        let s = if clash.contains_key(&s) {
            f.to_string()
        } else {
            s
        };
        // A type name read back may hold anything.
        printable(&s).into_owned()
    })
    .collect()
}

impl fmt::Display for TypeTable {
    /// A table: type, values, inline bytes, heap bytes, allocations, total
    /// and share, with a line of sums.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new(&[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ]);
        table.row(
            [
                "type", "values", "inline", "heap", "allocs", "total", "share",
            ]
            .iter()
            .map(|s| String::from(*s))
            .collect(),
        );
        let names = display_names(self.rows.iter().map(|r| r.type_name.as_ref()));
        for (row, name) in self.rows.iter().zip(names) {
            table.row(Vec::from([
                name,
                Count(row.values).to_string(),
                Bytes(row.inline_bytes).to_string(),
                Bytes(row.heap_bytes).to_string(),
                Count(row.allocations).to_string(),
                Bytes(row.total_bytes).to_string(),
                Percent {
                    part: row.total_bytes,
                    whole: self.total_bytes,
                }
                .to_string(),
            ]));
        }
        table.row(Vec::from([
            String::from("(all types)"),
            String::new(),
            String::new(),
            Bytes(self.heap_bytes).to_string(),
            Count(self.allocations).to_string(),
            Bytes(self.total_bytes).to_string(),
            Percent {
                part: self.total_bytes,
                whole: self.total_bytes,
            }
            .to_string(),
        ]));
        table.fit(0, 7, 80, 16);
        table.write(f)
    }
}
