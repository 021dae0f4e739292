//! compact_str's `CompactString` against the allocator: inline, static and
//! heap strings.
#![cfg(feature = "compact_str")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use compact_str::CompactString;
use memsize_tests::check_history;

#[test]
fn inline_and_static_own_nothing() {
    let s = CompactString::new("short");
    assert!(!s.is_heap_allocated());
    assert_eq!(s.heap_size(), 0);
    assert_heap_exact(s);
    let s = CompactString::const_new("a static str that is long enough to be on the heap");
    assert!(!s.is_heap_allocated());
    assert_heap_exact(s);
    assert_heap_exact(CompactString::new("x".repeat(24)));
}

#[test]
fn heap_strings() {
    let s = CompactString::new("a string that does not fit inline");
    assert!(s.is_heap_allocated());
    assert_heap_exact(s);
    for cap in [0, 10, 24, 25, 100, 5000] {
        assert_heap_exact(CompactString::with_capacity(cap));
    }
    check_history::<CompactString>(
        || CompactString::new("grows"),
        &[
            &|s| (0..200).for_each(|i| s.push_str(&i.to_string())),
            &|s| s.truncate(4),
            &|s| {
                s.shrink_to_fit();
                assert!(!s.is_heap_allocated());
            },
            &|s| s.reserve(40),
        ],
    );
    let from_string = CompactString::from(String::with_capacity(300) + "abc");
    assert_heap_exact(from_string);
    let v: Vec<CompactString> = (0..20)
        .map(|i| CompactString::new("y".repeat(i * 3)))
        .collect();
    assert_heap_exact(v);
}
