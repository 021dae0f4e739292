//! imbl's persistent collections against the allocator: the elements' heap
//! exactly, once across clones that share it; the private nodes are the
//! documented bound.
#![cfg(feature = "imbl")]

use std::alloc::System;

use imbl::{HashMap, HashSet, OrdMap, OrdSet, Vector};
use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn text(i: usize) -> String {
    "i".repeat(i % 97 + 1)
}

/// What the elements own: their `String`s' buffers.
fn strings_heap<'a>(items: impl Iterator<Item = &'a String>) -> usize {
    items.map(String::capacity).sum()
}

/// The figure is the elements' heap; the nodes are under, by less than a
/// generous multiple of the inline bytes.
fn check_under<T: SizeOf>(value: T, elements_heap: usize, len: usize, element: usize) {
    let check = check_heap(value);
    assert_eq!(check.heap_bytes, elements_heap, "{check}");
    assert!(check.byte_difference() >= 0, "{check}");
    let ratio = check.byte_difference() as f64 / (len * element) as f64;
    eprintln!("nodes: {ratio:.2} times the {len} elements' inline bytes");
    assert!(
        check.byte_difference() <= (8 * len * element + 16384) as i128,
        "{check}"
    );
    assert!(check.allocation_difference() >= 0, "{check}");
}

#[test]
fn inline_vectors_are_exact() {
    let v: Vector<String> = (0..2).map(text).collect();
    assert!(v.is_inline());
    assert_heap_exact(v);
    assert_heap_exact(Vector::<u64>::new());
    assert_heap_exact(HashMap::<String, String>::new());
    assert_heap_exact(OrdMap::<String, u8>::new());
}

#[test]
fn vectors() {
    for n in [10, 64, 65, 1000, 5000] {
        let v: Vector<String> = (0..n).map(text).collect();
        let heap = strings_heap(v.iter());
        check_under(v, heap, n, size_of::<String>());
    }
    let v: Vector<u64> = (0..10_000).collect();
    assert_eq!(v.heap_size(), 0);
    check_under(v, 0, 10_000, 8);
}

#[test]
fn shared_elements_count_once() {
    let a: Vector<String> = (0..500).map(text).collect();
    let mut b = a.clone();
    b.push_back("only in b".repeat(5));
    b.set(3, "changed in b".into());
    // Each element once: more than one vector's, less than two (the
    // chunks on the changed paths hold clones of their other elements).
    let one = strings_heap(a.iter());
    let both = memsize::heap_stats(&(a.clone(), b.clone())).bytes;
    assert!(one < both && both < 2 * one, "{one} {both}");
    check_under((a, b), both, 501, size_of::<String>());

    let m: HashMap<String, String> = (0..300).map(|i| (text(i), text(i + 1))).collect();
    let mut m2 = m.clone();
    m2.insert("new key".into(), "new value".into());
    let one = strings_heap(m.keys()) + strings_heap(m.values());
    let both = memsize::heap_stats(&(m.clone(), m2.clone())).bytes;
    assert!(one < both && both < 2 * one, "{one} {both}");
    check_under((m, m2), both, 301, 2 * size_of::<String>());
}

#[test]
fn maps_and_sets() {
    let m: HashMap<u32, String> = (0..1000).map(|i| (i, text(i as usize))).collect();
    let heap = strings_heap(m.values());
    check_under(m, heap, 1000, 32);
    let m: OrdMap<String, u64> = (0..1000)
        .map(|i| (format!("{i}{}", text(i)), i as u64))
        .collect();
    let heap = strings_heap(m.keys());
    check_under(m, heap, 1000, 32);
    let s: HashSet<String> = (0..800).map(|i| format!("{i}-{}", text(i))).collect();
    let heap = strings_heap(s.iter());
    check_under(s, heap, 800, 24);
    let s: OrdSet<String> = (0..800).map(|i| format!("{i}{}", text(i))).collect();
    let heap = strings_heap(s.iter());
    check_under(s, heap, 800, 24);
    let mut m: OrdMap<u32, Vec<u8>> = (0..2000u32)
        .map(|i| (i, vec![0; i as usize % 50]))
        .collect();
    for i in (0..2000).step_by(3) {
        m.remove(&i);
    }
    let heap = m.values().map(Vec::capacity).sum();
    check_under(m, heap, 2000, 32);
}
