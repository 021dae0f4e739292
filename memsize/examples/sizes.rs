//! Sizes of a realistic value: a product catalog with shared vendors, an
//! index and a tag tree, measured with `deep_size` and checked against what
//! the allocator really handed out.
//!
//! Run with `cargo run --example sizes`.

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use memsize::alloc::{measure, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct Vendor {
    name: String,
    country: &'static str,
}

#[derive(SizeOf)]
enum Price {
    Fixed(u64),
    Tiered(Vec<(u32, u64)>),
}

#[derive(SizeOf)]
struct Product {
    sku: String,
    title: String,
    price: Price,
    thumbnail: Option<Box<[u8]>>,
    vendor: Arc<Vendor>,
}

#[derive(SizeOf)]
struct Catalog {
    products: Vec<Product>,
    by_sku: HashMap<String, usize>,
    tags: BTreeMap<String, Vec<u32>>,
}

fn build() -> Catalog {
    let vendors: Vec<Arc<Vendor>> = ["Acme", "Globex", "Initech"]
        .iter()
        .map(|n| {
            Arc::new(Vendor {
                name: n.to_string(),
                country: "NL",
            })
        })
        .collect();
    let mut catalog = Catalog {
        products: Vec::new(),
        by_sku: HashMap::new(),
        tags: BTreeMap::new(),
    };
    for i in 0..2_000u32 {
        let sku = format!("SKU-{i:05}");
        let price = if i % 4 == 0 {
            Price::Tiered(vec![(1, 999), (10, 899), (100, 749)])
        } else {
            Price::Fixed(u64::from(i) * 10)
        };
        let thumbnail = (i % 3 == 0).then(|| vec![0u8; 256].into_boxed_slice());
        catalog.by_sku.insert(sku.clone(), catalog.products.len());
        catalog.products.push(Product {
            sku,
            title: format!("Product number {i}"),
            price,
            thumbnail,
            vendor: vendors[i as usize % vendors.len()].clone(),
        });
        catalog
            .tags
            .entry(format!("tag{}", i % 50))
            .or_default()
            .push(i);
    }
    catalog
}

fn main() {
    // What the allocator really handed out while building the catalog.
    let (catalog, stats) = measure(build);

    println!("catalog of {} products", catalog.products.len());
    println!(
        "  shallow_size  {:>10} bytes  (the struct itself, like sys.getsizeof)",
        catalog.shallow_size()
    );
    println!("  heap_size     {:>10} bytes", catalog.heap_size());
    println!(
        "  deep_size     {:>10} bytes  (everything it owns, like pympler.asizeof)",
        catalog.deep_size()
    );
    println!();
    println!("  by field:");
    println!("    products    {:>10} bytes", catalog.products.heap_size());
    println!("    by_sku      {:>10} bytes", catalog.by_sku.heap_size());
    println!("    tags        {:>10} bytes", catalog.tags.heap_size());
    println!();
    println!("the allocator's view of building it (like tracemalloc):");
    println!("  allocations   {:>10}", stats.allocations);
    println!("  net bytes     {:>10}  (still held)", stats.net_bytes);
    println!(
        "  peak bytes    {:>10}  (high-water mark while building)",
        stats.peak_bytes
    );
    println!();
    let exact = stats.net_bytes == catalog.heap_size() as i64;
    println!(
        "heap_size() {} the bytes the allocator still holds for the catalog",
        if exact { "equals" } else { "DIFFERS from" }
    );
    // The three vendors are shared by 2,000 products and counted once.
    let one_vendor = catalog.products[0].vendor.deep_size();
    println!(
        "one shared vendor: {one_vendor} bytes, counted once however many products point to it"
    );
}
