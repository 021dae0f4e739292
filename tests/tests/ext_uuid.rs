//! uuid's types own no heap: containers of them are O(1) and exact.
#![cfg(feature = "uuid")]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use uuid::{NonNilUuid, Uuid};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn uuids_own_nothing() {
    assert!(Uuid::is_heap_free());
    assert!(NonNilUuid::is_heap_free());
    assert!(<uuid::fmt::Hyphenated>::is_heap_free());
    let id = Uuid::new_v4();
    assert_eq!(id.heap_size(), 0);
    assert_eq!(id.deep_size(), 16);
    assert_heap_exact(id);
    assert_heap_exact(NonNilUuid::new(id).unwrap());
}

#[test]
fn containers_of_uuids() {
    let mut v: Vec<Uuid> = Vec::new();
    for _ in 0..1000 {
        v.push(Uuid::new_v4());
    }
    let by_id: HashMap<Uuid, Option<Uuid>> = v.iter().map(|&id| (id, Some(id))).collect();
    let sorted: BTreeMap<Uuid, u32> = v.iter().map(|&id| (id, 1)).collect();
    let text: Vec<String> = v.iter().take(10).map(|id| id.to_string()).collect();
    assert_heap_exact(v);
    assert_heap_exact(by_id);
    assert_heap_exact(sorted);
    assert_heap_exact(text);
}
