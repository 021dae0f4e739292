//! A real server's state, as it is: tokio's mini-redis `Db` (its `db.rs`
//! copied with `#[derive(SizeOf)]` added, nothing else changed), after a
//! realistic workload through its own methods: 100,000 SETs of 16 to 4,096
//! bytes over 60,000 keys (overwrites), half with expirations, and 50
//! pub/sub channels with unread messages. Judged by the allocator, to the
//! byte and the allocation.
#![cfg(all(feature = "tokio", feature = "derive"))]
#![allow(dead_code)] // mini-redis's own functions that the workload does not call.

#[path = "mini_redis/db.rs"]
mod db;

use std::alloc::System;

use bytes::Bytes;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Report, SizeOf};
use memsize_tests::Lcg;
use tokio::time::Duration;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn mini_redis_db_after_a_workload_is_exact() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let guard = rt.enter();
    let db = db::Db::new();
    let mut rng = Lcg(2020);
    let mut subscribers = Vec::new();
    for c in 0..50 {
        subscribers.push(db.subscribe(format!("channel:{c}")));
    }
    for i in 0..100_000u64 {
        let key = format!("key:{}", rng.next_u64() % 60_000);
        let len = 16 + (rng.next_u64() % (4096 - 16 + 1)) as usize;
        let value = Bytes::from(vec![b'v'; len]);
        // Expirations an hour away: nothing is purged while measuring.
        let expire = (i % 2 == 0).then(|| Duration::from_secs(3600 + i));
        db.set(key, value, expire);
        if i % 1000 == 0 {
            let channel = format!("channel:{}", (i / 1000) % 50);
            db.publish(&channel, Bytes::from(format!("message {i}")));
        }
    }
    // The purge task holds a clone of the state: stop the runtime, which
    // drops it, so that the `Db` owns all of it.
    drop(guard);
    drop(rt);

    let stats = db.heap_stats();
    assert_eq!((stats.skipped, stats.bounds), (0, 0));
    assert!(stats.bytes > 100_000_000, "{stats:?}");

    // Every part has its line, and the report's figures are the plain
    // traversal's.
    let report = Report::new(&db);
    assert_eq!(report.total_bytes(), db.deep_size() as u64);
    let text = report.to_string();
    for part in ["entries", "pub_sub", "expirations"] {
        assert!(text.contains(part), "no {part} line:\n{text}");
    }
    println!("{text}");

    // Byte for byte and allocation for allocation what the drop frees, the
    // subscribers' handles and the unread messages included.
    assert_heap_exact((db, subscribers));
}
