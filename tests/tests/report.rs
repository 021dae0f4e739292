//! Reports against the totals and the allocator: the tree's figures add up
//! exactly, and its heap is what the allocator saw.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Mutex;

use memsize::alloc::{measure, CountingAlloc};
use memsize::report::{Edge, NodeRef};
use memsize::{Report, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Every node's heap is its own bytes plus its children's; the whole is
/// `deep_size()` and the allocator's figure.
fn check<T: SizeOf>(build: impl FnOnce() -> T) -> (T, Report) {
    let (value, stats) = measure(build);
    let report = Report::new(&value);
    assert_eq!(report.total_bytes(), value.deep_size() as u64);
    assert_eq!(
        report.heap_bytes() as i64,
        stats.net_bytes,
        "heap against the allocator"
    );
    assert_eq!(report.allocations() as i64, stats.net_allocations());
    fn sums(n: NodeRef<'_>) {
        let (mut heap, mut allocs) = (0, 0);
        for c in n.children() {
            heap += c.heap_bytes();
            allocs += c.allocations();
            sums(c);
        }
        assert_eq!(n.heap_bytes(), n.own_bytes() + heap, "{}", n.name());
        assert_eq!(
            n.allocations(),
            n.own_allocations() + allocs,
            "{}",
            n.name()
        );
        assert!(n.total_bytes() >= n.heap_bytes());
    }
    sums(report.root());
    (value, report)
}

#[derive(SizeOf)]
struct Catalog {
    id: u8,
    names: Vec<String>,
    index: HashMap<u32, String>,
    tree: BTreeMap<String, Vec<u16>>,
    shared: (Rc<Vec<u8>>, Rc<Vec<u8>>),
    locked: Mutex<Vec<u64>>,
    extra: Option<Box<Catalog>>,
}

fn catalog(extra: Option<Box<Catalog>>) -> Catalog {
    let shared = Rc::new(vec![7u8; 100]);
    Catalog {
        id: 1,
        names: (0..100).map(|i| format!("name {i}")).collect(),
        index: (0..50).map(|i| (i, "x".repeat(i as usize))).collect(),
        tree: (0..30).map(|i| (i.to_string(), vec![0; i])).collect(),
        shared: (Rc::clone(&shared), shared),
        locked: Mutex::new(vec![0; 10]),
        extra,
    }
}

#[test]
fn a_nested_value_adds_up() {
    let (c, report) = check(|| catalog(Some(Box::new(catalog(None)))));
    let root = report.root();
    assert_eq!(root.name(), "Catalog");
    assert_eq!(
        memsize::report::short_type_name(root.type_name()),
        "Catalog"
    );
    let names = root.child("names").unwrap();
    assert_eq!(names.own_bytes(), (c.names.capacity() * 24) as u64);
    let elems = names.child("[..]").unwrap();
    // Folded: one node for 100 strings.
    assert_eq!(elems.count(), 100);
    assert_eq!(
        root.child("index")
            .unwrap()
            .child("[value]")
            .unwrap()
            .count(),
        50
    );
    // The nested catalog has paths of its own below `extra`.
    let nested = root.child("extra").unwrap().child("*").unwrap();
    assert_eq!(
        nested
            .child("names")
            .unwrap()
            .child("[..]")
            .unwrap()
            .count(),
        100
    );
    // The shared vector counts once, and is marked shared.
    assert_eq!(report.shared_bytes(), 2 * (100 + 40));
    assert_eq!(
        report.unique_bytes() + report.shared_bytes(),
        report.heap_bytes()
    );
    // Padding: what no field covers, for both catalogs (one folds into
    // the other's path).
    let fields = size_of::<u8>()
        + size_of::<Vec<String>>()
        + size_of::<HashMap<u32, String>>()
        + size_of::<BTreeMap<String, Vec<u16>>>()
        + size_of::<(Rc<Vec<u8>>, Rc<Vec<u8>>)>()
        + size_of::<Mutex<Vec<u64>>>()
        + size_of::<Option<Box<Catalog>>>();
    assert_eq!(root.padding_bytes(), (size_of::<Catalog>() - fields) as u64);
    assert_eq!(
        nested.padding_bytes(),
        (size_of::<Catalog>() - fields) as u64
    );
}

#[derive(SizeOf, Clone)]
struct Padded {
    a: u8,
    b: u64,
    c: u16,
}

#[test]
fn padding_is_what_no_field_covers() {
    let v = vec![Padded { a: 1, b: 2, c: 3 }; 2];
    let report = Report::new(&v);
    // Heap-free elements are never visited: the buffer is the Vec's own.
    assert_eq!(report.root().children().len(), 0);
    let report = Report::new(&v[0]);
    assert_eq!(report.root().padding_bytes(), 16 - 11);
    let _ = Edge::Field;
}

#[derive(SizeOf)]
enum List {
    Nil,
    Cons(u64, Box<List>),
}

#[test]
fn deep_data_lands_under_its_path_and_folds() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let (list, report) = check(|| {
                let mut l = List::Nil;
                for i in 0..200_000 {
                    l = List::Cons(i, Box::new(l));
                }
                l
            });
            // A handful of nodes, not 200,000.
            assert!(report.nodes().len() < 10, "{}", report.nodes().len());
            let mut next = list;
            while let List::Cons(_, rest) = next {
                next = *rest;
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn several_roots_count_shared_allocations_once() {
    let shared = Rc::new(vec![0u8; 1000]);
    let a = vec![Rc::clone(&shared); 3];
    let b = (Rc::clone(&shared), String::from("abc"));
    let report = Report::builder().root("a", &a).root("b", &b).build();
    let block = 1000 + 2 * size_of::<usize>() as u64 + 24;
    assert_eq!(report.roots().len(), 2);
    assert_eq!(report.heap_bytes(), (a.capacity() * 8) as u64 + block + 3);
    assert_eq!(
        report.total_bytes(),
        report.heap_bytes() + (size_of_val(&a) + size_of_val(&b)) as u64
    );
}

#[test]
fn several_values_measured_together_match_the_allocator() {
    let ((a, b, c), stats) = measure(|| {
        let shared = Rc::new(vec![String::from("shared"); 50]);
        let a: Vec<Rc<Vec<String>>> = vec![Rc::clone(&shared); 10];
        let b: HashMap<u8, Rc<Vec<String>>> = (0..5).map(|i| (i, Rc::clone(&shared))).collect();
        let c = catalog(None);
        (a, b, c)
    });
    let all = memsize::heap_stats_all(&[&a, &b, &c]);
    assert_eq!(all.bytes as i64, stats.net_bytes);
    assert_eq!(all.allocations as i64, stats.net_allocations());
    let report = Report::builder()
        .root("a", &a)
        .root("b", &b)
        .root("c", &c)
        .build();
    assert_eq!(report.heap_bytes(), all.bytes as u64);
}
