//! Usable sizes in reports, against the counting allocator's own usable
//! figure, with an allocator that can tell them (glibc's `System`).
#![cfg(all(
    feature = "std",
    feature = "derive",
    target_os = "linux",
    target_env = "gnu"
))]

use std::alloc::System;
use std::collections::HashMap;
use std::rc::Rc;

use memsize::alloc::{measure, CountingAlloc};
use memsize::{Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::with_usable_size(System);

#[derive(SizeOf)]
struct State {
    names: Vec<String>,
    index: HashMap<u32, Box<[u8]>>,
}

#[test]
fn usable_bytes_match_the_allocator() {
    let (state, stats) = measure(|| State {
        names: (0..100).map(|i| "x".repeat(i % 40)).collect(),
        index: (0..50)
            .map(|i| (i, vec![0u8; i as usize * 3].into_boxed_slice()))
            .collect(),
    });
    // SAFETY: only memsize's own impls and the derive are reached.
    let report = unsafe { Report::builder().usable_sizes(true) }
        .root("state", &state)
        .build();
    assert_eq!(report.heap_bytes() as i64, stats.net_bytes);
    let usable = report.usable_heap_bytes().expect("every address is known");
    assert_eq!(Some(usable as i64), stats.usable_net_bytes());
    assert!(usable > report.heap_bytes());
    // A 1-byte string: glibc reserves 24 usable bytes.
    let one = String::from("a");
    // SAFETY: as above.
    let r = unsafe { Report::builder().usable_sizes(true) }
        .root("one", &one)
        .build();
    assert_eq!((r.heap_bytes(), r.usable_heap_bytes()), (1, Some(24)));
}

#[test]
fn unknown_addresses_say_so() {
    // An Rc's block is counted by identity, not by its start: unknown.
    let shared = Rc::new(5u64);
    // SAFETY: only memsize's own impls are reached.
    let r = unsafe { Report::builder().usable_sizes(true) }
        .root("rc", &shared)
        .build();
    assert_eq!(r.heap_bytes(), 24);
    assert_eq!(r.usable_heap_bytes(), None);
}
