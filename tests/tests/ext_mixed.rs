//! A service's state mixing third-party types in one derived struct, exact
//! against the allocator, shared buffers counted once.
#![cfg(all(
    feature = "derive",
    feature = "indexmap",
    feature = "smallvec",
    feature = "serde_json",
    feature = "bytes",
    feature = "uuid",
    feature = "parking_lot",
    feature = "smol_str"
))]

use std::alloc::System;

use bytes::Bytes;
use indexmap::IndexMap;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Report, SizeOf};
use smallvec::SmallVec;
use smol_str::SmolStr;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct Session {
    id: uuid::Uuid,
    user: SmolStr,
    tags: SmallVec<[SmolStr; 2]>,
}

#[derive(SizeOf)]
struct State {
    sessions: IndexMap<u64, Session, std::hash::RandomState>,
    config: serde_json::Value,
    blobs: Vec<Bytes>,
    cache: parking_lot::Mutex<Vec<serde_json::Value>>,
}

fn state(n: u64) -> State {
    let body = Bytes::from(vec![7u8; 4096]);
    let mut sessions = IndexMap::default();
    for i in 0..n {
        let tags: SmallVec<[SmolStr; 2]> = (0..i % 4)
            .map(|t| SmolStr::new(format!("a tag longer than twenty-three bytes #{t}")))
            .collect();
        sessions.insert(
            i,
            Session {
                id: uuid::Uuid::from_u128(u128::from(i)),
                user: SmolStr::new(format!("user-{i}")),
                tags,
            },
        );
    }
    for i in (0..n).step_by(3) {
        sessions.swap_remove(&i);
    }
    let config = serde_json::from_str(
        r#"{"name": "svc", "limits": [1, 2, 3], "nested": {"motd": "hello \"world\"\n", "on": true}}"#,
    )
    .unwrap();
    State {
        sessions,
        config,
        blobs: vec![body.clone(), body.slice(10..100), body],
        cache: parking_lot::Mutex::new(vec![serde_json::json!({"k": "v", "list": [1, 2]}); 3]),
    }
}

#[test]
fn a_mixed_state_is_exact() {
    for n in [0, 1, 10, 500] {
        assert_heap_exact(state(n));
    }
}

#[test]
fn its_report_adds_up() {
    let s = state(100);
    let report = Report::new(&s);
    assert_eq!(report.total_bytes(), s.deep_size() as u64);
    let blobs = report.root().child("blobs").unwrap();
    // One 4 KiB buffer behind three handles, counted once.
    assert!(blobs.heap_bytes() < 2 * 4096);
}
