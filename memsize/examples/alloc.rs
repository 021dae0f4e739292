//! Measures building a word index with the counting allocator, and shows
//! what the allocator handed out next to the index's `deep_size()`.
//!
//! ```text
//! cargo run --example alloc
//! cargo run --example alloc --features alloc-sites   # and the top sites
//! cargo run --example alloc --features alloc-sites,pprof   # and a heap profile
//! go tool pprof -top "$TMPDIR/memsize-alloc.pb.gz"   # (or /tmp/...)
//! ```

use memsize::alloc::{AllocStats, CountingAlloc};
use memsize::SizeOf;
use std::alloc::System;
use std::collections::HashMap;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Word to the numbers of the lines it appears on.
type Index = HashMap<String, Vec<u32>>;

/// Some text to index: made-up lines over a small vocabulary.
fn text() -> Vec<String> {
    const WORDS: [&str; 16] = [
        "memory", "heap", "stack", "byte", "page", "arena", "pointer", "vector", "string", "table",
        "bucket", "slot", "node", "tree", "list", "cache",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    (0..2000)
        .map(|_| {
            (0..12)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let word = WORDS[(seed % 16) as usize];
                    // A numbered variant now and then, so the index has
                    // many keys.
                    if seed % 5 == 0 {
                        format!("{word}{}", seed % 97)
                    } else {
                        word.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn build_index(lines: &[String]) -> Index {
    let mut index = Index::new();
    for (n, line) in lines.iter().enumerate() {
        for word in line.split_whitespace() {
            let postings = index.entry(word.to_lowercase()).or_default();
            if postings.last() != Some(&(n as u32)) {
                postings.push(n as u32);
            }
        }
    }
    index
}

fn kib(bytes: impl Into<f64>) -> String {
    format!("{:.1} KiB", bytes.into() / 1024.0)
}

fn report(stats: &AllocStats, index: &Index) {
    println!("building the index:");
    println!(
        "  allocations {}, deallocations {}, reallocations {}",
        stats.allocations, stats.deallocations, stats.reallocations
    );
    println!(
        "  allocated {}, freed {}",
        kib(stats.bytes_allocated as f64),
        kib(stats.bytes_freed as f64)
    );
    println!(
        "  net   {} (what the build left live)",
        kib(stats.net_bytes as f64)
    );
    println!(
        "  peak  {} (the most live at any moment)",
        kib(stats.peak_bytes as f64)
    );
    println!();
    println!("the index ({} words):", index.len());
    println!("  shallow_size() {} bytes", index.shallow_size());
    println!("  heap_size()    {}", kib(index.heap_size() as f64));
    println!("  deep_size()    {}", kib(index.deep_size() as f64));
    let net = stats.net_bytes;
    let heap = index.heap_size() as i64;
    if net == heap {
        println!("  heap_size() equals the net bytes the build left live, to the byte");
    } else {
        println!(
            "  heap_size() differs from the net bytes by {:+}",
            heap - net
        );
    }
}

#[cfg(feature = "alloc-sites")]
fn main() {
    use memsize::alloc::sites::{GroupBy, Tracing};

    let lines = text();
    let tracing = Tracing::start();
    let index = build_index(&lines);
    let (stats, snapshot) = tracing.finish();
    report(&stats, &index);
    println!();
    println!("top sites by live bytes:");
    for stat in snapshot.top_by_bytes(5) {
        println!("  {stat}");
    }
    println!("top sites by live allocations:");
    for stat in snapshot.top_by_count(3) {
        println!("  {stat}");
    }
    {
        let path = std::env::temp_dir().join("memsize-alloc-dhat.json");
        let file = std::fs::File::create(&path).expect("a file in the temp dir");
        snapshot
            .write_dhat(std::io::BufWriter::new(file))
            .expect("writing the DHAT file");
        println!(
            "DHAT file: {} (load it in valgrind's dh_view.html)",
            path.display()
        );
    }
    #[cfg(feature = "pprof")]
    {
        let path = std::env::temp_dir().join("memsize-alloc.pb.gz");
        let file = std::fs::File::create(&path).expect("a file in the temp dir");
        snapshot
            .write_pprof(std::io::BufWriter::new(file))
            .expect("writing the profile");
        println!("heap profile: {}", path.display());
        println!("  go tool pprof -top {}", path.display());
        println!("  go tool pprof -http=localhost:8080 {}", path.display());
    }
    let (_, _, later) = memsize::alloc::sites::trace(|| {
        let mut grown = index.clone();
        grown.insert("extra".to_string(), vec![0; 10_000]);
        grown
    });
    println!("cloning the index and adding a long posting list, by site:");
    for stat in later.statistics(GroupBy::Line).iter().take(3) {
        println!("  {stat}");
    }
    memsize::alloc::assert_heap_exact(index);
}

#[cfg(not(feature = "alloc-sites"))]
fn main() {
    let lines = text();
    let (index, stats) = memsize::alloc::measure(|| build_index(&lines));
    report(&stats, &index);
    println!();
    println!("(run with `--features alloc-sites` to see the top allocation sites)");
    memsize::alloc::assert_heap_exact(index);
}
