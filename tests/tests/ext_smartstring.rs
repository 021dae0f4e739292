//! smartstring's `SmartString` against the allocator: inline, boxed,
//! grown, shrunk back inline, in both modes.
#![cfg(feature = "smartstring")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;
use smartstring::{Compact, LazyCompact, SmartString, SmartStringMode};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn history<Mode: SmartStringMode>() {
    assert_heap_exact(SmartString::<Mode>::new());
    for len in [0, 1, 23, 24, 100, 5000] {
        let s: SmartString<Mode> = "x".repeat(len).into();
        assert_eq!(s.heap_size() == 0, s.is_inline());
        assert_heap_exact(s.clone());
        assert_heap_exact(s);
        // From a `String` with spare capacity.
        let mut text = String::with_capacity(len * 3 + 1);
        text.push_str(&"y".repeat(len));
        assert_heap_exact(SmartString::<Mode>::from(text));
    }
    check_history::<SmartString<Mode>>(
        SmartString::new,
        &[
            &|s| s.push_str("short"),
            &|s| s.push_str(" and now long enough to go to the heap"),
            &|s| (0..200).for_each(|_| s.push('z')),
            &|s| s.truncate(10),
            &|s| s.shrink_to_fit(),
            &|s| s.push_str(&"w".repeat(40)),
            &|s| s.clear(),
        ],
    );
}

#[test]
fn lazy_compact() {
    history::<LazyCompact>();
}

#[test]
fn compact() {
    history::<Compact>();
}

#[test]
fn in_a_vec() {
    let v: Vec<SmartString<LazyCompact>> = (0..100).map(|i| "s".repeat(i).into()).collect();
    assert_heap_exact(v);
}
