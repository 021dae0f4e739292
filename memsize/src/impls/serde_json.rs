//! serde_json's `Value`, `Map` and `Number`.
//!
//! Layout facts of serde_json 1.0 (read from 1.0.154, with indexmap 2.14 and
//! hashbrown 0.17), each held against the allocator in
//! `tests/tests/ext_serde_json.rs`:
//!
//! 1. `Map<String, Value>` is a struct of one field, its back-end: a
//!    `BTreeMap<String, Value>` by default, an
//!    `IndexMap<String, Value, S>` under serde_json's `preserve_order`
//!    feature. Any crate in the build may switch that feature on, so the
//!    back-end is told apart here by size: a `BTreeMap` is three words, an
//!    `IndexMap` (a `Vec`, a hash table and a hasher) is more.
//! 2. The `BTreeMap` back-end is std's B-tree, counted node by node from
//!    where its keys lie (see `btree.rs`): exact after any history.
//! 3. An `IndexMap` owns two allocations: a `Vec` of entries
//!    `{ hash: usize, key: String, value: Value }`, and a hashbrown table of
//!    `usize` indices. serde_json shows neither capacity. A map grown only
//!    by `insert` from empty (as parsing, deserializing and `json!` build
//!    them) has a table of the fewest buckets (4, 8, 16, ...) whose usable
//!    capacity holds its length, and an entries `Vec` of exactly that usable
//!    capacity (indexmap grows the entries to match the table); a clone has
//!    the same. That is the figure given for every `IndexMap`-backed map.
//! 4. `Number` holds a `u64`, an `i64` or an `f64`, and no heap, unless
//!    serde_json's `arbitrary_precision` feature is on: then it is a
//!    `String` of the number's text. Told apart once at run time: only with
//!    `arbitrary_precision` does `"1e400"` parse as a `Number`. A parsed
//!    number that is not a 64-bit integer keeps the parser's buffer,
//!    16 bytes to start, doubled as it grows.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU8, Ordering};

use serde_json::{Map, Number, Value};
use std_alloc::collections::BTreeMap;
use std_alloc::string::String;

use super::btree::add_tree;
use super::hash_table::{from_capacity, table_layout, usable, CRATE_GROUP_WIDTH};
use crate::adapt::Same;
use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

/// The entry indexmap stores for each key (fact 3): same field types as its
/// `Bucket<String, Value>`, so rustc gives it the same size and alignment.
#[allow(dead_code)] // Only its layout is used.
struct Entry {
    hash: usize,
    key: String,
    value: Value,
}

/// Whether `Map` is backed by a `BTreeMap` (fact 1).
const BTREE_BACKED: bool = size_of::<Map<String, Value>>() == size_of::<BTreeMap<String, Value>>();

/// The heap of a JSON value: its string, its array's buffer, its object's
/// map, and everything below them.
#[cfg_attr(docsrs, doc(cfg(feature = "serde_json")))]
impl SizeOf for Value {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            Value::Null | Value::Bool(_) => {}
            Value::Number(n) => n.add_heap(cx),
            Value::String(s) => s.add_heap(cx),
            Value::Array(items) => items.add_heap(cx),
            Value::Object(map) => map.add_heap(cx),
        }
    }
}

/// A JSON object's map, with either back-end.
///
/// Exact with the default `BTreeMap` back-end, after any history.
///
/// With serde_json's `preserve_order` feature (an `IndexMap` back-end),
/// serde_json does not show the map's capacity. The figure is exact for a
/// map grown by inserts of distinct keys from empty, and for its clones:
/// how parsing, deserializing and `json!` literals build objects. Other
/// histories are bounded:
///
/// - made by `Map::with_capacity(n)` (as `to_value` does for a map) and
///   filled with `n` keys: the entries have no spare capacity, and the
///   figure is over by at most the table's spare slots times an entry;
/// - after removals, or a larger `with_capacity`, or inserts of keys already
///   present (which may grow the index table first): the figure is under by
///   the spare capacity the map keeps.
#[cfg_attr(docsrs, doc(cfg(feature = "serde_json")))]
impl SizeOf for Map<String, Value> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if BTREE_BACKED {
            // SAFETY: `Map` is a struct of exactly its back-end (fact 1), a
            // `BTreeMap<String, Value>` here (it has a `BTreeMap`'s size).
            unsafe { add_tree::<_, _, _, Same, Same, _>(cx, self, self.len(), |map| map.iter()) }
            return;
        }
        let len = self.len();
        if len != 0 {
            // Fact 3: the table of an insert-grown map, and entries to match.
            let buckets = from_capacity(len);
            if let (Some(table), Ok(entries)) = (
                table_layout::<usize>(buckets, CRATE_GROUP_WIDTH),
                Layout::array::<Entry>(usable(buckets)),
            ) {
                cx.add_alloc(core::ptr::null(), table);
                cx.add_alloc(core::ptr::null(), entries);
            }
        }
        cx.descend(move |cx| {
            for (k, v) in self {
                cx.add_entry(k, v);
            }
        });
    }
}

/// Whether `Number` is a `String` (fact 4): 0 not known yet, 1 no, 2 yes.
static ARBITRARY_PRECISION: AtomicU8 = AtomicU8::new(0);

fn arbitrary_precision() -> bool {
    match ARBITRARY_PRECISION.load(Ordering::Relaxed) {
        0 => {
            let yes = "1e400".parse::<Number>().is_ok();
            ARBITRARY_PRECISION.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        state => state == 2,
    }
}

/// Counts the bytes written to it.
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// A JSON number: no heap, unless serde_json's `arbitrary_precision`
/// feature is on (fact 4).
///
/// With `arbitrary_precision`, a number is a `String` of its text, and the
/// figure is the text's length `len`: exact for numbers made from Rust
/// integers and floats, and for parsed integers that fit in 64 bits; a
/// lower bound for other parsed numbers, whose text keeps the parser's
/// buffer, of up to `max(16, 2 * len)` bytes (16 to start, doubled as it
/// grows).
#[cfg_attr(docsrs, doc(cfg(feature = "serde_json")))]
impl SizeOf for Number {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if arbitrary_precision() {
            // `Display` writes the text as stored.
            let mut text = Counter(0);
            let _ = write!(text, "{self}");
            if let Ok(layout) = Layout::array::<u8>(text.0) {
                cx.add_alloc(core::ptr::null(), layout);
            }
        }
    }

    fn is_heap_free() -> bool {
        !arbitrary_precision()
    }
}
