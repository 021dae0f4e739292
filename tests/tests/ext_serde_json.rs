//! serde_json's `Value`, `Map` and `Number` against the allocator. Run once
//! with the default `BTreeMap` back-end and once with the `IndexMap` one
//! (feature `serde_json-preserve_order`); with `arbitrary_precision`
//! (feature `serde_json-arbitrary_precision`), parsed documents are held to
//! the bound `Number` documents instead.
#![cfg(feature = "serde_json")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::Lcg;
use serde_json::{json, Map, Number, Value};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Holds a parsed value against the allocator: exact, or under
/// `arbitrary_precision` within the bound of `Number`'s docs (a parsed
/// number's text may keep a buffer of up to `max(16, 2 * len)` bytes).
fn assert_parsed(value: Value) {
    if !cfg!(feature = "serde_json-arbitrary_precision") {
        return assert_heap_exact(value);
    }
    fn slack(v: &Value) -> usize {
        match v {
            Value::Number(n) => {
                let len = n.to_string().len();
                16.max(2 * len) - len
            }
            Value::Array(items) => items.iter().map(slack).sum(),
            Value::Object(map) => map.values().map(slack).sum(),
            _ => 0,
        }
    }
    let bound = slack(&value) as i128;
    let check = check_heap(value);
    assert_eq!(check.allocation_difference(), 0, "{check}");
    assert!((0..=bound).contains(&check.byte_difference()), "{check}");
}

const DOCUMENT: &str = r#"{
    "name": "memsize \"test\" document\nwith escapes: \u00e9\u4e2d\ud83d\ude00 and \\ and \/",
    "version": 3,
    "ratio": -0.125e-3,
    "big": 18446744073709551615,
    "negative": -9223372036854775808,
    "flags": [true, false, null],
    "empty_object": {},
    "empty_array": [],
    "empty_string": "",
    "nested": {
        "a": {"b": {"c": {"d": [1, 2.5, "three", {"four": 4}]}}},
        "list": [[], [[]], [[[]]], {"x": {}}],
        "text": "tab\there"
    },
    "records": [
        {"id": 1, "tags": ["a", "b"], "score": 9.75, "note": null},
        {"id": 2, "tags": [], "score": 1e10, "note": "second \u0041"},
        {"id": 3, "tags": ["ccc"], "score": -0.0, "note": "x"}
    ]
}"#;

#[test]
fn parsed_document() {
    assert_parsed(serde_json::from_str::<Value>(DOCUMENT).unwrap());
    assert_parsed(serde_json::from_slice::<Value>(DOCUMENT.as_bytes()).unwrap());
    assert_parsed(serde_json::from_reader::<_, Value>(DOCUMENT.as_bytes()).unwrap());
    let Value::Object(map) = serde_json::from_str::<Value>(DOCUMENT).unwrap() else {
        panic!("an object")
    };
    assert_parsed(Value::Object(map));
    for scalar in [
        "null", "true", "0", "-1", "1.5", "\"\"", "\"abc\"", "[]", "{}",
    ] {
        assert_parsed(serde_json::from_str::<Value>(scalar).unwrap());
    }
}

/// A random JSON text: objects of up to `width` keys, nested `depth` deep.
fn random_json(rng: &mut Lcg, depth: u32, width: u64, out: &mut String) {
    let pick = if depth == 0 {
        rng.next_u64() % 4
    } else {
        rng.next_u64() % 6
    };
    match pick {
        0 => out.push_str(["null", "true", "false"][(rng.next_u64() % 3) as usize]),
        1 => out.push_str(&format!("{}", rng.next_u64() as i64 - (1 << 30))),
        2 => out.push_str(&format!("{}e-3", rng.next_u64())),
        3 => {
            let len = rng.next_u64() % 40;
            out.push('"');
            for i in 0..len {
                out.push_str(if i % 7 == 3 { "\\n" } else { "x" });
            }
            out.push('"');
        }
        4 => {
            out.push('[');
            for i in 0..rng.next_u64() % width {
                if i != 0 {
                    out.push(',');
                }
                random_json(rng, depth - 1, width, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for i in 0..rng.next_u64() % width {
                if i != 0 {
                    out.push(',');
                }
                // Distinct keys: see `index_map_back_end_bound`.
                out.push_str(&format!("\"k{}_{i}\":", rng.next_u64() % 1000));
                random_json(rng, depth - 1, width, out);
            }
            out.push('}');
        }
    }
}

#[test]
fn random_documents() {
    let mut rng = Lcg(7);
    for round in 0..200 {
        let mut text = String::new();
        random_json(
            &mut rng,
            1 + round % 5,
            2 + u64::from(round % 60),
            &mut text,
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_parsed(value);
    }
}

/// Objects of every size across the B-tree's node splits and the index
/// table's growth steps.
#[test]
fn objects_of_many_sizes() {
    for n in [
        0, 1, 2, 3, 4, 7, 8, 11, 12, 14, 15, 28, 29, 56, 57, 100, 1000, 5000,
    ] {
        let text = format!(
            "{{{}}}",
            (0..n)
                .map(|i| format!("\"key{}\": {}", (i * 7919) % 100_003, i))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_parsed(serde_json::from_str::<Value>(&text).unwrap());
        let mut map = Map::new();
        for i in 0..n {
            map.insert(format!("{i}"), Value::from(i));
        }
        assert_heap_exact(map);
    }
}

#[test]
fn built_with_json_macro() {
    let v = json!({
        "a": [1, 2, {"b": "c"}],
        "d": {"e": null, "f": [true, "g".repeat(100)]},
        "h": -1.5,
    });
    assert_heap_exact(v);
    assert_heap_exact(json!([]));
    assert_heap_exact(json!(["x", ["y", ["z"]]]));
}

#[test]
fn deeply_nested() {
    // Deeper than memsize recurses on the machine stack before it defers.
    let mut value = json!({});
    for i in 0..500 {
        value = if i % 2 == 0 {
            Value::Array(vec![value])
        } else {
            let mut map = Map::new();
            map.insert("next".to_string(), value);
            Value::Object(map)
        };
    }
    assert!(value.heap_size() > 0);
    assert_heap_exact(value);
}

#[cfg(not(feature = "serde_json-arbitrary_precision"))]
#[test]
fn numbers_own_nothing() {
    assert!(Number::is_heap_free());
    assert_eq!(Number::from(7u8).heap_size(), 0);
    assert_heap_exact(Number::from_f64(0.5).unwrap());
    assert_heap_exact(vec![Number::from(1i64); 10]);
}

/// Under `arbitrary_precision` a number is its text: exact when made from a
/// Rust number, within the documented bound when parsed.
#[cfg(feature = "serde_json-arbitrary_precision")]
#[test]
fn numbers_are_their_text() {
    assert!(!Number::is_heap_free());
    assert_heap_exact(Number::from(7u8));
    assert_heap_exact(Number::from(-123_456_789_i64));
    assert_heap_exact(Number::from_f64(0.5).unwrap());
    assert_heap_exact(vec![Number::from(1i64); 10]);
    for text in [
        "0",
        "-1",
        "1.5",
        "1e400",
        "123456789012345678901234567890.5",
        "-0.0",
    ] {
        assert_parsed(serde_json::from_str::<Value>(text).unwrap());
        assert_parsed(json!([serde_json::from_str::<Number>(text).unwrap()]));
    }
}

/// Removals: the B-tree back-end stays exact after any history (the
/// `IndexMap` one is exact for insert-grown maps only, see its docs).
#[cfg(not(feature = "serde_json-preserve_order"))]
#[test]
fn btree_back_end_after_removals() {
    let mut rng = Lcg(11);
    let mut map = Map::new();
    for round in 0..3000 {
        let key = format!("{}", rng.next_u64() % 500);
        if round % 3 == 0 {
            map.remove(&key);
        } else {
            map.insert(key, json!([round]));
        }
        if round % 250 == 0 {
            assert_heap_exact(map.clone());
        }
    }
    assert_heap_exact(map.clone());
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        map.remove(&k);
    }
    // Emptied by removals, the tree keeps its root leaf.
    assert_heap_exact(map);
    assert_heap_exact(Map::with_capacity(100));
}

/// With `preserve_order`, the figure is exact for insert-grown maps and
/// their clones, and within the documented bound for other histories.
#[cfg(feature = "serde_json-preserve_order")]
#[test]
fn index_map_back_end_bound() {
    use memsize::alloc::check_heap;
    let mut map = Map::new();
    for i in 0..100 {
        map.insert(format!("{i}"), Value::Null);
    }
    assert_heap_exact(map.clone());

    // Made with `with_capacity(n)` and filled with `n` (as `to_value` of a
    // map does): the entries have no spare capacity, the figure is over by
    // at most the table's spare slots.
    let v = json!({"a": 1, "b": 2});
    let check = check_heap(serde_json::to_value(&v).unwrap());
    assert!(check.byte_difference() <= 0, "{check}");
    assert_eq!(check.allocation_difference(), 0, "{check}");
    // Emptied or shrunk by removals: under by the spare capacity.
    for i in 0..90 {
        map.remove(&format!("{i}"));
    }
    let check = check_heap(map);
    assert!(check.byte_difference() >= 0, "{check}");
    // A duplicate key can grow the index table without adding an entry.
    let check = check_heap(serde_json::from_str::<Value>(r#"{"a":1,"b":2,"c":3,"a":4}"#).unwrap());
    assert!(check.byte_difference() >= 0, "{check}");
}
