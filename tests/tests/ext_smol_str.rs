//! smol_str's `SmolStr` against the allocator: inline, static and shared.
#![cfg(feature = "smol_str")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use smol_str::SmolStr;

#[test]
fn inline_and_static_own_nothing() {
    let s = SmolStr::new("tiny");
    assert!(!s.is_heap_allocated());
    assert_eq!(s.heap_size(), 0);
    assert_heap_exact(s);
    let s = SmolStr::new_static("a static str well past the inline limit");
    assert!(!s.is_heap_allocated());
    assert_heap_exact(s);
    let s = SmolStr::new("                                 ");
    assert_heap_exact(s);
}

#[test]
fn heap_strings_are_shared_once() {
    for len in [24, 25, 31, 32, 33, 100, 1001] {
        let s = SmolStr::new("z".repeat(len));
        assert!(s.is_heap_allocated());
        let clones = vec![s.clone(), s.clone(), s];
        assert_heap_exact(clones);
    }
    let a = SmolStr::new("a".repeat(40));
    let b = SmolStr::new("b".repeat(50));
    let v = vec![a.clone(), b.clone(), a, SmolStr::new("inline"), b];
    assert_heap_exact(v);
}
