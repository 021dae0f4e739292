//! Where the bytes go: a tree by path, built in the same traversal as the
//! totals and exact like them, and the ways to read it: a printed tree, a
//! table by type, a diff between two reports, folded stacks and flame
//! graphs, and JSON.
//!
//! ```
//! use memsize::Report;
//!
//! struct Catalog {
//!     names: Vec<String>,
//!     ids: Vec<u64>,
//! }
//! # impl memsize::SizeOf for Catalog {
//! #     fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
//! #         cx.add_field("names", &self.names);
//! #         cx.add_field("ids", &self.ids);
//! #     }
//! # }
//! let c = Catalog { names: vec!["ada".into(), "grace".into()], ids: vec![1, 2, 3] };
//! let report = Report::new(&c);
//! assert_eq!(report.total_bytes(), memsize::SizeOf::deep_size(&c) as u64);
//! let names = report.root().child("names").unwrap();
//! // The Vec's buffer is its own; the strings' bytes are its elements'.
//! assert_eq!(names.own_bytes(), 2 * 24);
//! assert_eq!(names.child("[..]").unwrap().heap_bytes(), 3 + 5);
//! println!("{report}");
//! ```
//!
//! # The tree
//!
//! Each node is a path from the root: a field name (or tuple index; a
//! derived enum's fields are named after their variant, `Cons.1`), `*`
//! for what a pointer owns (a `Box`'s or `Rc`'s pointee), `[..]` for a
//! container's elements, `[key]` and `[value]` for a map's. Elements are
//! folded: all the elements of a container are one node, whose
//! [`count`](NodeRef::count) says how many values it stands for, so the
//! report of a million-element `Vec` has a few nodes, not a million. A
//! recursive type folds into the first node of the same path and type
//! behind a pointer, so a million-deep list is a shallow report too.
//!
//! A derived type's field whose type never owns heap (`id: u64`) is a node
//! only among the fields of a root, where its inline bytes count in the
//! total; deeper down (inside elements, behind pointers) it adds nothing to
//! any figure and is not visited, which keeps a report of a million records
//! cheap. Its bytes still count in its parent's inline bytes and padding.
//!
//! A node's figures, summed over every value at that path:
//! - [`inline_bytes`](NodeRef::inline_bytes): the values' own bytes
//!   (`size_of_val`). They count in the report's total only for the roots
//!   and their fields (and their fields' fields):
//!   [`Node::inline_counted`]. The inline bytes of a pointee or an element,
//!   and of their fields, are inside an allocation a node above owns.
//! - [`own_bytes`](NodeRef::own_bytes): the allocations the values own
//!   directly (a `Vec`'s buffer, a hash table, B-tree nodes, an `Rc`'s
//!   block).
//! - [`heap_bytes`](NodeRef::heap_bytes): own bytes plus the children's heap.
//! - [`total_bytes`](NodeRef::total_bytes): what the node adds to the root's
//!   total: its heap bytes, and its inline bytes where they count. The
//!   root's total is `deep_size()`.
//! - [`self_bytes`](NodeRef::self_bytes): what the node adds that none of
//!   its children does: its own bytes, and the inline bytes no child's
//!   hold where they count. A node's total is its self bytes and its
//!   children's totals, exactly, and the same holds for heap bytes (own
//!   bytes and the children's) and allocations.
//! - [`padding_bytes`](NodeRef::padding_bytes): for a struct or an enum, the
//!   inline bytes no field covers (padding, an enum's tag, skipped fields).
//!
//! # Printing
//!
//! `Display` prints the tree, each node's children by size, in columns:
//! the path element and its type, how many values a folded node stands for,
//! the total, the heap, the allocations and the share of the report's
//! total. A node with children and bytes of its own has an `(own)` line
//! (its self bytes, own heap and own allocations), so the lines just
//! under a node sum to it. Sizes are in binary units with one decimal
//! (`1023 B`, `1.5 KiB`, `23.0 MiB`, `4.2 GiB`); lines fit in 80 columns,
//! long type names cut with `…`, and deep trees indented 16 levels at
//! most. For a library with a hundred books, `println!("{report}")`
//! prints (on a 64-bit target):
//!
//! ```
//! # #[cfg(all(feature = "derive", target_pointer_width = "64"))] {
//! use std::collections::BTreeMap;
//! use std::rc::Rc;
//! use memsize::{Report, SizeOf};
//!
//! #[derive(SizeOf)]
//! struct Library {
//!     name: String,
//!     books: Vec<Book>,
//!     by_title: BTreeMap<String, usize>,
//!     config: Rc<Vec<String>>,
//! }
//! #[derive(SizeOf)]
//! struct Book {
//!     title: String,
//!     pages: u32,
//! }
//!
//! fn book(i: usize) -> Book {
//!     Book { title: format!("Book number {i}"), pages: 100 + i as u32 }
//! }
//! let books: Vec<Book> = (0..100).map(book).collect();
//! let by_title = books.iter().enumerate().map(|(i, b)| (b.title.clone(), i)).collect();
//! let config = Rc::new(vec![String::from("open"), String::from("9-17")]);
//! let library = Library { name: String::from("City library"), books, by_title, config };
//! let report = Report::new(&library);
//!
//! assert_eq!(report.to_string(), "\
//! Library: 10.7 KiB total, 80 B inline, 10.6 KiB heap in 216 allocations
//! path: type                           count     total      heap  allocs   share
//! Library                                     10.7 KiB  10.6 KiB     216  100.0%
//!   books: Vec<Book>                           5.5 KiB   5.5 KiB     101   51.3%
//!     (own)                                    3.1 KiB   3.1 KiB       1   29.4%
//!     [..]: Book                       100 ×   2.3 KiB   2.3 KiB     100   21.9%
//!       title: String                  100 ×   2.3 KiB   2.3 KiB     100   21.9%
//!   by_title: BTreeMap<String, usize>          5.1 KiB   5.0 KiB     110   47.4%
//!     (own)                                    3.7 KiB   3.7 KiB      10   34.7%
//!     [key]: String                    100 ×   1.4 KiB   1.4 KiB     100   12.7%
//!   config: Rc<Vec<String>> (shared)             104 B      96 B       4    0.9%
//!     *: Vec<String>                              56 B      56 B       3    0.5%
//!       (own)                                     48 B      48 B       1    0.4%
//!       [..]: String                     2 ×       8 B       8 B       2    0.1%
//!     (own)                                       48 B      40 B       1    0.4%
//!   name: String                                  36 B      12 B       1    0.3%
//! heap: 10.5 KiB unique, 96 B shared (reached through Rc, Arc: counted once)
//! ");
//! # }
//! ```
//!
//! [`Report::display`] takes options: a depth limit, a minimum share below
//! which a node's children fold into one `(N more)` line, the order
//! ([`SortBy`]), padding notes (`(7 B padding)`), a column of usable bytes
//! when the report has them, and the width to fit.
//!
//! ```
//! use memsize::report::SortBy;
//! use memsize::Report;
//!
//! let names: Vec<String> = (0..100).map(|i| format!("name {i}")).collect();
//! let report = Report::new(&names);
//! let text = report.display().depth(2).min_share(0.01).sort(SortBy::Name).padding(true);
//! println!("{text}");
//! ```
//!
//! # Shared allocations
//!
//! What is reached through a shared pointer (`Rc`, `Arc`) is marked
//! [shared](NodeRef::is_shared) (`(shared)` in the tree), and counted once
//! per report however many owners reach it, at the path that reached it
//! first: [`Report::shared_bytes`] and [`Report::unique_bytes`] split the
//! heap, and the printed tree ends with both when some of the heap is
//! shared. Several values measured together with [`Report::builder`] count
//! what they share once across all of them.
//!
//! # By type
//!
//! [`Report::by_type`] sums the report by type, like pympler's `muppy`
//! summary: for each type, how many values, their inline bytes, the heap
//! they own directly, and their total (see [`TypeRow`]), the biggest
//! first. The heap bytes and the totals of all rows sum to the report's.
//! A type that owns no heap has a row where it has nodes (the fields of a
//! root); deeper down, a heap-free field (`pages: u32` of each book), the
//! elements of a container and a map's keys or values that own none
//! (`usize` below) are not visited and have none.
//!
//! ```
//! # #[cfg(all(feature = "derive", target_pointer_width = "64"))] {
//! # use std::collections::BTreeMap;
//! # use std::rc::Rc;
//! # use memsize::{Report, SizeOf};
//! # #[derive(SizeOf)]
//! # struct Library {
//! #     name: String,
//! #     books: Vec<Book>,
//! #     by_title: BTreeMap<String, usize>,
//! #     config: Rc<Vec<String>>,
//! # }
//! # #[derive(SizeOf)]
//! # struct Book {
//! #     title: String,
//! #     pages: u32,
//! # }
//! # fn book(i: usize) -> Book {
//! #     Book { title: format!("Book number {i}"), pages: 100 + i as u32 }
//! # }
//! # let books: Vec<Book> = (0..100).map(book).collect();
//! # let by_title = books.iter().enumerate().map(|(i, b)| (b.title.clone(), i)).collect();
//! # let config = Rc::new(vec![String::from("open"), String::from("9-17")]);
//! # let library = Library { name: String::from("City library"), books, by_title, config };
//! # let report = Report::new(&library);
//! println!("{}", report.by_type());
//! assert_eq!(report.by_type().to_string(), "\
//! type                     values   inline      heap  allocs     total   share
//! String                      203  4.8 KiB   3.7 KiB     203   3.7 KiB   35.0%
//! BTreeMap<String, usize>       1     24 B   3.7 KiB      10   3.7 KiB   34.7%
//! Vec<Book>                     1     24 B   3.1 KiB       1   3.1 KiB   29.4%
//! Rc<Vec<String>>               1      8 B      40 B       1      48 B    0.4%
//! Vec<String>                   1     24 B      48 B       1      48 B    0.4%
//! Book                        100  3.1 KiB       0 B       0       0 B    0.0%
//! Library                       1     80 B       0 B       0       0 B    0.0%
//! (all types)                               10.6 KiB     216  10.7 KiB  100.0%
//! ");
//! # }
//! ```
//!
//! # Diffs
//!
//! [`Report::diff`] compares a report with an earlier one, by path and by
//! type, the biggest change first, like `tracemalloc`'s
//! `Snapshot.compare_to` (see [`ReportDiff`]). After two hundred more books:
//!
//! ```
//! # #[cfg(all(feature = "derive", target_pointer_width = "64"))] {
//! # use std::collections::BTreeMap;
//! # use std::rc::Rc;
//! # use memsize::{Report, SizeOf};
//! # #[derive(SizeOf)]
//! # struct Library {
//! #     name: String,
//! #     books: Vec<Book>,
//! #     by_title: BTreeMap<String, usize>,
//! #     config: Rc<Vec<String>>,
//! # }
//! # #[derive(SizeOf)]
//! # struct Book {
//! #     title: String,
//! #     pages: u32,
//! # }
//! # fn book(i: usize) -> Book {
//! #     Book { title: format!("Book number {i}"), pages: 100 + i as u32 }
//! # }
//! # let books: Vec<Book> = (0..100).map(book).collect();
//! # let by_title = books.iter().enumerate().map(|(i, b)| (b.title.clone(), i)).collect();
//! # let config = Rc::new(vec![String::from("open"), String::from("9-17")]);
//! # let mut library = Library { name: String::from("City library"), books, by_title, config };
//! # let report = Report::new(&library);
//! # let before = report;
//! library.books.extend((100..300).map(book));
//! let diff = Report::new(&library).diff(&before);
//! assert_eq!(diff.to_string(), "\
//! total: 10.7 KiB -> 21.6 KiB (+10.9 KiB)
//! heap: 10.6 KiB -> 21.6 KiB (+10.9 KiB)
//! allocations: 216 -> 416 (+200)
//!
//! by path:
//! path: type                          total     change  allocs  values
//! Library                          21.6 KiB  +10.9 KiB    +200       0
//! Library.books: Vec<Book>         16.4 KiB  +10.9 KiB    +200       0
//! Library.books[..]: Book           7.0 KiB   +4.7 KiB    +200    +200
//! Library.books[..].title: String   7.0 KiB   +4.7 KiB    +200    +200
//!
//! by type:
//! type         total    change  allocs  values
//! Vec<Book>  9.4 KiB  +6.3 KiB       0       0
//! String     8.4 KiB  +4.7 KiB    +200    +200
//! Book           0 B       0 B       0    +200
//! ");
//! # }
//! ```
//!
//! # Flame graphs
//!
//! [`Report::folded`] writes the report as folded stacks, one line per
//! node with bytes of its own, whose numbers sum to the total: the input of
//! `inferno-flamegraph` and `flamegraph.pl`.
//!
//! ```
//! # #[cfg(all(feature = "derive", target_pointer_width = "64"))] {
//! # use std::collections::BTreeMap;
//! # use std::rc::Rc;
//! # use memsize::{Report, SizeOf};
//! # #[derive(SizeOf)]
//! # struct Library {
//! #     name: String,
//! #     books: Vec<Book>,
//! #     by_title: BTreeMap<String, usize>,
//! #     config: Rc<Vec<String>>,
//! # }
//! # #[derive(SizeOf)]
//! # struct Book {
//! #     title: String,
//! #     pages: u32,
//! # }
//! # fn book(i: usize) -> Book {
//! #     Book { title: format!("Book number {i}"), pages: 100 + i as u32 }
//! # }
//! # let books: Vec<Book> = (0..100).map(book).collect();
//! # let by_title = books.iter().enumerate().map(|(i, b)| (b.title.clone(), i)).collect();
//! # let config = Rc::new(vec![String::from("open"), String::from("9-17")]);
//! # let library = Library { name: String::from("City library"), books, by_title, config };
//! # let report = Report::new(&library);
//! assert_eq!(report.folded(), "\
//! Library;books 3224
//! Library;books;[..];title 2400
//! Library;by_title 3800
//! Library;by_title;[key] 1390
//! Library;config 48
//! Library;config;* 48
//! Library;config;*;[..] 8
//! Library;name 36
//! ");
//! # }
//! ```
//!
//! With the `inferno` feature, `Report::write_flamegraph` draws the SVG
//! itself.
//!
//! # JSON
//!
//! With the `serde` feature, [`Report`] is `Serialize` and `Deserialize`
//! (and so are [`TypeTable`] and [`ReportDiff`]). Its form, here for a
//! `String` of two bytes:
//!
//! ```json
//! {
//!   "schema_version": 2,
//!   "nodes": [
//!     { "name": "", "type_name": "", "edge": "root", "count": 1,
//!       "inline_bytes": 24, "own_bytes": 0, "own_allocations": 0,
//!       "heap_bytes": 2, "allocations": 1, "usable_heap_bytes": null,
//!       "padding_bytes": 0, "shared": false, "inline_counted": true,
//!       "skipped_field": false, "unreachable": 0, "bounds": [],
//!       "children": [1] },
//!     { "name": "String", "type_name": "alloc::string::String", "edge": "root",
//!       "count": 1, "inline_bytes": 24, "own_bytes": 2, "own_allocations": 1,
//!       "heap_bytes": 2, "allocations": 1, "usable_heap_bytes": null,
//!       "padding_bytes": 0, "shared": false, "inline_counted": true,
//!       "skipped_field": false, "unreachable": 0, "bounds": [],
//!       "children": [] }
//!   ],
//!   "skipped": 0,
//!   "usable_sizes": false
//! }
//! ```
//!
//! - `schema_version`: [`Report::SCHEMA_VERSION`], 2 for this form; it
//!   changes whenever a field is added, removed or changes meaning. Version
//!   1, without a node's `skipped_field`, `unreachable` and `bounds`, is
//!   read too (as none of them).
//! - `nodes`: every node, the fields of [`Node`]. Node 0 is the top: its
//!   children are the roots, its figures their sums. A node's `children`
//!   are indices into `nodes`, always greater than its own. `edge` is
//!   `"root"`, `"field"`, `"pointee"` or `"elements"` ([`Edge`]);
//!   `usable_heap_bytes` is `null` where not known.
//! - `skipped`: contents that could not be reached ([`Report::skipped`]).
//! - `usable_sizes`: whether usable sizes were asked for.
//!
//! A report read back prints, compares and folds like the one written.
//! It is checked as it is read, since it may come from anywhere (a file,
//! another process): another `schema_version`, no nodes, a child index out
//! of range or not greater than its parent's (a cycle, a node that is its
//! own child or points back to the top), a node that is the child of two
//! nodes, a node no node reaches, heap bytes or allocations that are not
//! their node's own plus its children's, and figures whose sums overflow
//! a `u64` are refused with an error that names the node and what is
//! wrong. Every reader walks the tree with an explicit stack, so a
//! report as deep as it is long (a chain of nodes) prints and folds too.

mod build;
mod by_type;
#[cfg(feature = "alloc-sites")]
mod dhat;
pub(crate) mod diff;
#[cfg(feature = "inferno")]
mod flamegraph;
mod folded;
pub(crate) mod human;
#[cfg(feature = "pprof")]
mod pprof;
#[cfg(feature = "serde")]
mod read;
#[cfg(feature = "alloc-sites")]
mod sites;
mod tree;

/// The usable size of one allocation, where the global allocator can tell.
///
/// # Safety
///
/// `ptr` is a live block of the global allocator, allocated with `layout`.
#[inline]
pub(crate) unsafe fn usable_size(ptr: *const u8, layout: crate::lib::Layout) -> Option<usize> {
    #[cfg(feature = "std")]
    {
        // SAFETY: the caller's contract is `alloc::usable_size`'s.
        unsafe { crate::alloc::usable_size(ptr, layout) }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (ptr, layout);
        None
    }
}

pub use crate::context::Edge;
pub(crate) use build::Builder;
pub use by_type::{TypeRow, TypeTable};
pub use diff::{Figures, PathDiff, ReportDiff, TypeDiff};
pub use tree::{ReportDisplay, SortBy};

use std_alloc::borrow::Cow;
use std_alloc::string::String;

use crate::context::Context;
use crate::lib::{Box, Vec};
use crate::SizeOf;

/// Where the bytes of one or several values go, by path. See the
/// [module docs](self).
#[derive(Clone, Debug)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "read::ReportForm")
)]
pub struct Report {
    schema_version: u32,
    nodes: Vec<Node>,
    skipped: u64,
    usable_sizes: bool,
    /// The allocation sites of each node's own allocations, by node index
    /// (sorted), when built with [`ReportBuilder::sites`]. Not part of the
    /// JSON form.
    #[cfg(feature = "alloc-sites")]
    #[cfg_attr(feature = "serde", serde(skip))]
    sites: Vec<(u32, Vec<crate::alloc::sites::SiteStats>)>,
}

/// One path of a [`Report`]: its figures, summed over every value at that
/// path. Read it through [`NodeRef`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Node {
    /// The path element: a field name, `*`, `[..]`, `[key]`, `[value]`, or a
    /// root's name.
    pub name: Cow<'static, str>,
    /// The values' type, as `core::any::type_name` gives it.
    pub type_name: Cow<'static, str>,
    /// How the node is reached from its parent.
    pub edge: Edge,
    /// How many values this path stands for.
    pub count: u64,
    /// The values' inline bytes.
    pub inline_bytes: u64,
    /// The bytes of the allocations the values own directly.
    pub own_bytes: u64,
    /// How many allocations those are.
    pub own_allocations: u64,
    /// The heap below: own bytes and every descendant's.
    pub heap_bytes: u64,
    /// Allocations below: own and every descendant's.
    pub allocations: u64,
    /// Usable bytes of the heap below, as the allocator reserved them, where
    /// known (see [`ReportBuilder::usable_sizes`]).
    pub usable_heap_bytes: Option<u64>,
    /// Inline bytes that no field covers, for a node with fields.
    pub padding_bytes: u64,
    /// Reached through a shared pointer (`Rc`, `Arc`): this node's own
    /// allocation is one other owners may reach too.
    pub shared: bool,
    /// Whether the values' inline bytes count in the report's total: the
    /// node is a root, or reached from one through fields only. Otherwise
    /// they lie inside an allocation that a node above owns (a `Box`'s, a
    /// `Vec`'s buffer), and count there.
    pub inline_counted: bool,
    /// A field left out with `#[memsize(skip)]`: its inline bytes count,
    /// as part of its parent's, and its heap is not measured.
    #[cfg_attr(feature = "serde", serde(default))]
    pub skipped_field: bool,
    /// How many of the values' contents could not be reached (a lock held
    /// elsewhere, a `RefCell` borrowed mutably): their heap is not in the
    /// figures (see [`HeapStats::skipped`](crate::HeapStats::skipped)).
    #[cfg_attr(feature = "serde", serde(default))]
    pub unreachable: u64,
    /// What the figures of this node leave out, where they are documented
    /// lower bounds (see [`Context::add_bound`](crate::Context::add_bound)).
    #[cfg_attr(feature = "serde", serde(default))]
    pub bounds: Vec<Cow<'static, str>>,
    /// The nodes below, by index into the report.
    pub children: Vec<u32>,
}

impl Node {
    /// What this node adds to its parent's total: its inline bytes (when
    /// [counted](Self::inline_counted)) and its heap bytes.
    pub fn total_bytes(&self) -> u64 {
        if self.inline_counted {
            self.inline_bytes.saturating_add(self.heap_bytes)
        } else {
            self.heap_bytes
        }
    }
}

/// A node of a [`Report`], with a way to its children.
#[derive(Clone, Copy, Debug)]
pub struct NodeRef<'r> {
    report: &'r Report,
    index: u32,
}

impl<'r> NodeRef<'r> {
    /// The node's figures.
    pub fn node(&self) -> &'r Node {
        &self.report.nodes[self.index as usize]
    }
    /// The path element (see [`Node::name`]).
    pub fn name(&self) -> &'r str {
        &self.node().name
    }
    /// The values' type.
    pub fn type_name(&self) -> &'r str {
        &self.node().type_name
    }
    /// How the node is reached from its parent.
    pub fn edge(&self) -> Edge {
        self.node().edge
    }
    /// How many values this path stands for.
    pub fn count(&self) -> u64 {
        self.node().count
    }
    /// The values' inline bytes.
    pub fn inline_bytes(&self) -> u64 {
        self.node().inline_bytes
    }
    /// The bytes of the allocations the values own directly.
    pub fn own_bytes(&self) -> u64 {
        self.node().own_bytes
    }
    /// How many allocations the values own directly.
    pub fn own_allocations(&self) -> u64 {
        self.node().own_allocations
    }
    /// Own bytes and every descendant's.
    pub fn heap_bytes(&self) -> u64 {
        self.node().heap_bytes
    }
    /// Own allocations and every descendant's.
    pub fn allocations(&self) -> u64 {
        self.node().allocations
    }
    /// Usable bytes of the heap below, where the allocator could tell.
    pub fn usable_heap_bytes(&self) -> Option<u64> {
        self.node().usable_heap_bytes
    }
    /// What this node adds to its parent's total.
    pub fn total_bytes(&self) -> u64 {
        self.node().total_bytes()
    }
    /// What this node adds to its total that none of its children does: its
    /// own allocations and, when its inline bytes are
    /// [counted](Node::inline_counted), those no child's are (its padding,
    /// or all of them for a value without fields). A node's total is its
    /// self bytes and its children's totals, exactly; the self bytes of
    /// every node sum to the report's total.
    pub fn self_bytes(&self) -> u64 {
        let n = self.node();
        let inline = if n.inline_counted {
            let children = self
                .children()
                .filter(|c| c.node().inline_counted)
                .fold(0u64, |sum, c| sum.saturating_add(c.inline_bytes()));
            n.inline_bytes.saturating_sub(children)
        } else {
            0
        };
        n.own_bytes.saturating_add(inline)
    }
    /// Inline bytes no field covers.
    pub fn padding_bytes(&self) -> u64 {
        self.node().padding_bytes
    }
    /// Whether the node's own allocation is shared (`Rc`, `Arc`).
    pub fn is_shared(&self) -> bool {
        self.node().shared
    }
    /// This node's share of the report's total, from 0 to 1.
    pub fn share(&self) -> f64 {
        let total = self.report.total_bytes();
        if total == 0 {
            0.0
        } else {
            self.total_bytes() as f64 / total as f64
        }
    }
    /// The children, in the order they were first reached.
    pub fn children(&self) -> impl ExactSizeIterator<Item = NodeRef<'r>> + 'r {
        let report = self.report;
        self.node()
            .children
            .iter()
            .map(move |&index| NodeRef { report, index })
    }
    /// The child with this path element, if any.
    pub fn child(&self, name: &str) -> Option<NodeRef<'r>> {
        self.children().find(|c| c.name() == name)
    }
    /// The node's index in [`Report::nodes`].
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl Report {
    /// The version of the report's serialized form, written as its
    /// `schema_version` field (see [JSON](self#json)). It changes whenever
    /// a field is added, removed or changes meaning.
    pub const SCHEMA_VERSION: u32 = 2;

    /// The [`SCHEMA_VERSION`](Self::SCHEMA_VERSION) this report was made
    /// with (or read back with).
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// The report of one value.
    pub fn new<T: SizeOf + ?Sized>(value: &T) -> Report {
        let mut b = Report::builder();
        // Named after its type (a reference's referent's).
        value.__add_root(&mut b.cx, None);
        b.build()
    }

    /// A report of several values together, each shared allocation counted
    /// once across all of them: the way to measure all of a program's state
    /// at once.
    pub fn builder<'a>() -> ReportBuilder<'a> {
        ReportBuilder {
            cx: Context::with_hook(Box::new(Builder::new(false))),
            #[cfg(feature = "alloc-sites")]
            tracing: None,
        }
    }

    /// Every node; index 0 is the top, whose children are the roots.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The top of the tree: the one root of [`Report::new`], or, for several
    /// roots, a node whose children they are.
    pub fn root(&self) -> NodeRef<'_> {
        let top = &self.nodes[0];
        let index = if top.children.len() == 1 {
            top.children[0]
        } else {
            0
        };
        NodeRef {
            report: self,
            index,
        }
    }

    /// The roots, in the order they were added.
    pub fn roots(&self) -> impl ExactSizeIterator<Item = NodeRef<'_>> + '_ {
        NodeRef {
            report: self,
            index: 0,
        }
        .children()
    }

    /// Inline and heap bytes of every root: the sum of their `deep_size()`,
    /// with each shared allocation counted once.
    pub fn total_bytes(&self) -> u64 {
        self.nodes[0].total_bytes()
    }

    /// Heap bytes of every root.
    pub fn heap_bytes(&self) -> u64 {
        self.nodes[0].heap_bytes
    }

    /// Allocations of every root.
    pub fn allocations(&self) -> u64 {
        self.nodes[0].allocations
    }

    /// Heap bytes reached through shared pointers (`Rc`, `Arc`, ...),
    /// counted once.
    pub fn shared_bytes(&self) -> u64 {
        let mut sum = 0u64;
        let mut stack = Vec::from([0u32]);
        while let Some(i) = stack.pop() {
            let n = &self.nodes[i as usize];
            if n.shared {
                sum = sum.saturating_add(n.heap_bytes);
            } else {
                stack.extend_from_slice(&n.children);
            }
        }
        sum
    }

    /// Heap bytes not reached through a shared pointer: what dropping the
    /// roots frees for sure.
    pub fn unique_bytes(&self) -> u64 {
        self.heap_bytes().saturating_sub(self.shared_bytes())
    }

    /// Usable heap bytes, as the allocator reserved them, when every
    /// allocation's usable size was known (see
    /// [`ReportBuilder::usable_sizes`]).
    pub fn usable_heap_bytes(&self) -> Option<u64> {
        self.nodes[0].usable_heap_bytes
    }

    /// Whether usable sizes were asked for (see
    /// [`ReportBuilder::usable_sizes`]).
    pub fn has_usable_sizes(&self) -> bool {
        self.usable_sizes
    }

    /// Contents that could not be reached (see
    /// [`HeapStats::skipped`](crate::HeapStats::skipped)).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The root's name, or `(roots)` for several.
    pub(crate) fn root_title(&self) -> String {
        let root = self.root();
        if root.index() == 0 {
            String::from("(roots)")
        } else {
            String::from(root.name())
        }
    }

    fn from_builder(b: Builder, skipped: usize) -> Report {
        let usable_sizes = b.usable;
        let mut nodes: Vec<Node> = b
            .nodes
            .into_iter()
            .map(|r| Node {
                name: r.name,
                type_name: Cow::Borrowed(r.type_name),
                edge: r.edge,
                count: r.count,
                inline_bytes: r.inline,
                own_bytes: r.own_bytes,
                own_allocations: r.own_allocations,
                heap_bytes: r.own_bytes,
                allocations: r.own_allocations,
                usable_heap_bytes: (usable_sizes && !r.usable_unknown).then_some(r.own_usable),
                padding_bytes: if r.has_fields {
                    r.inline.saturating_sub(r.field_inline)
                } else {
                    0
                },
                shared: r.shared,
                inline_counted: r.counted,
                skipped_field: r.skipped_field,
                unreachable: r.unreachable,
                bounds: r.bounds.into_iter().map(Cow::Borrowed).collect(),
                children: r.children,
            })
            .collect();
        // Children always come after their parent: sum bottom-up.
        for i in (0..nodes.len()).rev() {
            let (mut heap, mut allocs, mut usable) = (0, 0, Some(0u64));
            for &c in &nodes[i].children {
                let c = &nodes[c as usize];
                heap += c.heap_bytes;
                allocs += c.allocations;
                usable = usable.zip(c.usable_heap_bytes).map(|(a, b)| a + b);
            }
            let n = &mut nodes[i];
            n.heap_bytes += heap;
            n.allocations += allocs;
            n.usable_heap_bytes = n.usable_heap_bytes.zip(usable).map(|(a, b)| a + b);
        }
        let roots_inline: u64 = nodes[0]
            .children
            .iter()
            .map(|&c| nodes[c as usize].inline_bytes)
            .sum();
        nodes[0].inline_bytes = roots_inline;
        nodes[0].count = 1;
        Report {
            schema_version: Report::SCHEMA_VERSION,
            nodes,
            skipped: skipped as u64,
            usable_sizes,
            #[cfg(feature = "alloc-sites")]
            sites: Vec::new(),
        }
    }
}

/// Builds a [`Report`] of several values, measured in one traversal: each
/// shared allocation is counted once across all of them.
///
/// ```
/// use std::rc::Rc;
/// use memsize::Report;
///
/// let shared = Rc::new(vec![0u8; 1000]);
/// let (a, b) = (vec![Rc::clone(&shared)], vec![Rc::clone(&shared)]);
/// let report = Report::builder().root("a", &a).root("b", &b).build();
/// // The shared vector is counted once, under the root that reached it first.
/// assert_eq!(report.roots().len(), 2);
/// assert_eq!(report.shared_bytes(), 1000 + 40);
/// ```
pub struct ReportBuilder<'a> {
    cx: Context<'a>,
    #[cfg(feature = "alloc-sites")]
    tracing: Option<&'a crate::alloc::sites::Tracing>,
}

impl<'a> ReportBuilder<'a> {
    /// Also asks the allocator, for each allocation whose address is known,
    /// how many bytes it really reserved (`alloc::usable_size`, which needs
    /// the counting allocator installed with a `UsableSize` allocator): the
    /// report then shows usable bytes beside requested ones. Where the
    /// allocator can't tell, or an allocation's address is not known, the
    /// usable figures are `None`, never a guess. Call it before adding
    /// roots.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// let v = vec![String::from("a"); 3];
    /// // SAFETY: only memsize's own impls are reached, and they pass true
    /// // block addresses.
    /// let report = unsafe { memsize::Report::builder().usable_sizes(true) }
    ///     .root("v", &v)
    ///     .build();
    /// // Without a counting allocator that knows usable sizes: unknown.
    /// assert_eq!(report.usable_heap_bytes(), None);
    /// # }
    /// ```
    ///
    /// # Safety
    ///
    /// Allocators may read their bookkeeping at the address they are asked
    /// about, so every address a [`SizeOf`] impl reached during the
    /// traversal gives [`Context::add_alloc`] must be null or the address
    /// the global allocator returned for that allocation, still live.
    /// memsize's own impls and the derive keep to that; check hand-written
    /// impls before turning this on.
    pub unsafe fn usable_sizes(mut self, on: bool) -> Self {
        if let Some(builder) = self.builder() {
            builder.usable = on;
        }
        self
    }

    /// Follows paths only `depth` path elements below the roots (a root is
    /// depth 0; the roots' children are always followed): a node at that
    /// depth has no children, its [own bytes](NodeRef::own_bytes) and
    /// allocations are all the heap below it, and that part of the value
    /// is traversed as `heap_size()` would, at its speed. The figures of the nodes shown, the totals included,
    /// stay exact; what is lost is the detail below (paths, shared marks,
    /// the lines of what was left out there). For a report of only the top
    /// of a large state, such as the registry's metrics publish.
    ///
    /// ```
    /// use memsize::Report;
    ///
    /// let v: Vec<Vec<String>> = vec![vec!["ab".into()]; 10];
    /// let full = Report::new(&v);
    /// let top = Report::builder().max_depth(1).root("v", &v).build();
    /// assert_eq!(top.total_bytes(), full.total_bytes());
    /// let elements = top.root().child("[..]").unwrap();
    /// assert_eq!(elements.children().len(), 0);
    /// assert_eq!(elements.own_bytes(), full.root().child("[..]").unwrap().heap_bytes());
    /// ```
    pub fn max_depth(mut self, depth: usize) -> Self {
        if let Some(builder) = self.builder() {
            builder.max_depth = u32::try_from(depth).unwrap_or(u32::MAX);
        }
        self
    }

    /// Adds a value, named `name` in the report.
    pub fn root<T: SizeOf + ?Sized>(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: &'a T,
    ) -> Self {
        value.__add_root(&mut self.cx, Some(name.into()));
        self
    }

    /// The tree being built, which is the traversal's hook.
    fn builder(&mut self) -> Option<&mut Builder> {
        self.cx.hook_mut()?.as_any_mut().downcast_mut()
    }

    /// Adds a root measured by a function, named `name` in the report:
    /// `measure` adds what the root owns to the context, the way
    /// [`SizeOf::add_heap`] does (with [`Context::add_field`],
    /// [`Context::add_borrowed`], ...). The root has no inline bytes, and
    /// `(fn)` for a type. For state that is not one value: a few fields of
    /// several structs, contents behind a handle the caller only reaches
    /// through a function.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use std::sync::Mutex;
    /// use memsize::Report;
    ///
    /// let log = Mutex::new(vec![String::from("GET /")]);
    /// let report = Report::builder()
    ///     .root_with("log", |cx| cx.add_borrowed(&log))
    ///     .build();
    /// assert_eq!(report.heap_bytes(), 24 + 5);
    /// # }
    /// ```
    pub fn root_with(
        mut self,
        name: impl Into<Cow<'static, str>>,
        measure: impl FnOnce(&mut Context<'a>),
    ) -> Self {
        self.cx.add_root_with(name.into(), measure);
        self
    }

    /// Adds a value whose type is erased, named `name`, its type shown as
    /// `type_name`.
    #[cfg(feature = "std")]
    pub(crate) fn root_dyn(
        mut self,
        name: Cow<'static, str>,
        type_name: &'static str,
        value: &'a dyn SizeOf,
    ) -> Self {
        self.cx.add_root_dyn(name, type_name, value);
        self
    }

    /// Where each node's own allocations were made: with an allocation
    /// sites [`Tracing`](crate::alloc::sites::Tracing) open on this thread
    /// since before the values were built, each node of the report lists
    /// the sites of its own allocations, the most bytes first
    /// ([`NodeRef::sites`], [`Report::sites_text`]), like `tracemalloc`'s
    /// `get_object_traceback` for a whole tree. Call it before adding roots.
    ///
    /// The allocations are joined with the tracing's live blocks by address,
    /// so the figures are exact against its snapshots (estimates where it
    /// samples): a site's bytes at a node are the bytes of the blocks that
    /// node owns and that the tracing saw made there. What a node owns
    /// without an address (the nodes of a `BTreeMap` or a list, given with
    /// `add_allocs`, and a shared `Rc`'s or `Arc`'s block), or that was
    /// made before the tracing started or on another thread, has no site:
    /// [`NodeRef::sited_bytes`] falls short of the own bytes by as much.
    /// Build the report on the tracing's thread.
    ///
    /// ```
    /// # #[global_allocator]
    /// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
    /// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
    /// # fn main() {
    /// use memsize::alloc::sites::Tracing;
    /// use memsize::Report;
    ///
    /// let tracing = Tracing::start();
    /// let names: Vec<String> = (0..100).map(|i| format!("user {i}")).collect();
    /// let report = Report::builder().sites(&tracing).root("names", &names).build();
    /// let strings = report.root().child("[..]").unwrap();
    /// assert_eq!(strings.sites()[0].bytes, strings.own_bytes());
    /// println!("{}", report.sites_text(3));
    /// # }
    /// ```
    #[cfg(feature = "alloc-sites")]
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc-sites")))]
    pub fn sites(mut self, tracing: &'a crate::alloc::sites::Tracing) -> Self {
        self.tracing = Some(tracing);
        let _untracked = crate::alloc::untracked();
        if let Some(builder) = self.builder() {
            builder.addresses.get_or_insert_with(Vec::new);
        }
        self
    }

    /// Measures what is left and returns the report.
    pub fn build(self) -> Report {
        let (hook, skipped) = self.cx.finish_hooked();
        #[cfg_attr(not(feature = "alloc-sites"), allow(unused_mut))]
        let mut builder = hook
            .and_then(|hook| hook.into_any().downcast::<Builder>().ok())
            .map_or_else(|| Builder::new(false), |b| *b);
        #[cfg(feature = "alloc-sites")]
        let addresses = builder.addresses.take();
        #[cfg_attr(not(feature = "alloc-sites"), allow(unused_mut))]
        let mut report = Report::from_builder(builder, skipped);
        #[cfg(feature = "alloc-sites")]
        if let (Some(tracing), Some(addresses)) = (self.tracing, addresses) {
            report.sites = tracing.sites_of(&addresses);
            let _untracked = crate::alloc::untracked();
            drop(addresses);
        }
        report
    }
}

/// `alloc::vec::Vec<alloc::string::String>` as `Vec<String>`: every path
/// segment but the last, inside and outside generics.
pub fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (i, ch) in full.char_indices() {
        match ch {
            ':' => {}
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&' | '*' => {
                out.push_str(last_segment(&full[segment_start..i]));
                out.push(ch);
                segment_start = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(last_segment(&full[segment_start..]));
    out
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}
