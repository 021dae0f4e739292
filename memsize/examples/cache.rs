//! A cache of API responses, built from third-party types: `serde_json`
//! bodies, `Bytes` payloads shared between entries, `IndexMap` headers and
//! `SmolStr` keys. Prints where its bytes go, and checks every figure
//! against the counting allocator.
//!
//! ```sh
//! cargo run --example cache --features serde_json,bytes,indexmap,smol_str
//! ```

use std::alloc::System;
use std::collections::HashMap;

use bytes::Bytes;
use indexmap::IndexMap;
use memsize::alloc::{check_heap, measure, CountingAlloc};
use memsize::{Report, SizeOf};
use smol_str::SmolStr;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// One cached response.
#[derive(SizeOf)]
struct Response {
    status: u16,
    headers: IndexMap<SmolStr, String, std::hash::RandomState>,
    body: serde_json::Value,
    /// The raw payload: a slice of a buffer other responses share.
    raw: Bytes,
}

/// The cache: responses by request key.
#[derive(SizeOf)]
struct Cache {
    entries: HashMap<SmolStr, Response>,
    hits: u64,
}

fn build(n: usize) -> Cache {
    // One download buffer, sliced into the payload of every response.
    let download = Bytes::from((0..64 * 1024).map(|i| i as u8).collect::<Vec<u8>>());
    let mut entries = HashMap::new();
    for i in 0..n {
        let text = format!(
            r#"{{"id": {i}, "name": "item {i}", "tags": ["a", "b\n{i}"], "price": {{"amount": {}, "currency": "EUR"}}}}"#,
            i * 100 + 99
        );
        let mut headers = IndexMap::default();
        headers.insert(
            SmolStr::new("content-type"),
            String::from("application/json"),
        );
        headers.insert(SmolStr::new("etag"), format!("\"{i:08x}\""));
        if i % 3 == 0 {
            headers.insert(
                SmolStr::new("x-request-id-that-is-long"),
                format!("req-{i}-{}", "x".repeat(i % 40)),
            );
        }
        let start = (i * 512) % (download.len() - 512);
        entries.insert(
            SmolStr::new(format!("/api/items/{i}")),
            Response {
                status: 200,
                headers,
                body: serde_json::from_str(&text).expect("valid JSON"),
                raw: download.slice(start..start + 512),
            },
        );
    }
    Cache { entries, hits: 0 }
}

fn main() {
    let (cache, built) = measure(|| build(1_000));
    let heap = cache.heap_size();
    println!(
        "cache of {} responses: {} bytes deep, {} on the heap",
        cache.entries.len(),
        cache.deep_size(),
        heap
    );
    println!(
        "the allocator saw {} bytes left by building it",
        built.net_bytes
    );
    assert_eq!(
        heap as i64, built.net_bytes,
        "heap_size() against the allocator"
    );

    let report = Report::new(&cache);
    println!("\n{}", report.display().depth(4));

    let check = check_heap(cache);
    println!(
        "dropping it freed {} bytes in {} allocations: {}",
        check.freed_bytes,
        check.deallocations,
        if check.is_exact() {
            "exact"
        } else {
            "NOT exact"
        }
    );
    assert!(check.is_exact());
}
