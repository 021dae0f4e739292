//! Adapters (`#[memsize(as = "...")]`, `memsize::adapt`): foreign types
//! inside std's containers, and maps whose hasher has no `SizeOf`, judged
//! by the allocator.
#![cfg(all(feature = "std", feature = "derive"))]

use std::alloc::System;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, LinkedList, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::rc::Rc;
use std::sync::{Arc, Mutex, RwLock};

use memsize::adapt::{As, HeapFree, Same, SizeOfAs};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::{Context, Report, SizeOf};
use memsize_tests::Lcg;
use proptest::prelude::*;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Types of "another crate": no `SizeOf`, and the orphan rule keeps the
/// user from adding one.
mod foreign {
    use std::sync::{Arc, Mutex};

    /// Owns no heap (like `tokio::time::Instant`).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
    pub struct Deadline(pub u64);

    /// Owns a shared buffer, shown by its API (like a channel's sender).
    #[derive(Clone)]
    pub struct Sender(Arc<Mutex<Vec<String>>>);

    impl Sender {
        pub fn new(queued: Vec<String>) -> Self {
            Sender(Arc::new(Mutex::new(queued)))
        }
        pub fn shared(&self) -> &Arc<Mutex<Vec<String>>> {
            &self.0
        }
    }

    /// A hasher builder with no `SizeOf` (like xxhash-rust's `Xxh3Builder`).
    #[derive(Clone, Default)]
    pub struct OddState {
        pub seed: u64,
    }
}

use foreign::{Deadline, OddState, Sender};

impl BuildHasher for OddState {
    type Hasher = OddHasher;
    fn build_hasher(&self) -> OddHasher {
        OddHasher(self.seed)
    }
}

/// The hasher of `OddState`.
pub struct OddHasher(u64);

impl Hasher for OddHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The user's adapter for the foreign `Sender`: its shared block, once.
struct SenderSize;

impl SizeOfAs<Sender> for SenderSize {
    fn add_heap_as<'a>(sender: &'a Sender, cx: &mut Context<'a>) {
        cx.add_field("shared", sender.shared());
    }
}

/// mini-redis's shapes: the expirations by time, the pub/sub channels.
#[derive(SizeOf)]
struct State {
    #[memsize(as = "BTreeSet<(HeapFree, _)>")]
    expirations: BTreeSet<(Deadline, String)>,
    #[memsize(as = "HashMap<_, SenderSize>")]
    pub_sub: HashMap<String, Sender>,
    #[memsize(as = HashMap<_, _, HeapFree>)]
    by_odd_hasher: HashMap<String, Vec<u8>, OddState>,
    #[memsize(as = "Option<Box<(HeapFree, Vec<_>)>>")]
    nested: Option<Box<(Deadline, Vec<String>)>>,
    plain: Vec<String>,
}

fn state(seed: u64, n: u64) -> State {
    let mut rng = Lcg(seed);
    let mut s = State {
        expirations: BTreeSet::new(),
        pub_sub: HashMap::new(),
        by_odd_hasher: HashMap::with_hasher(OddState { seed }),
        nested: Some(Box::new((Deadline(1), vec!["x".repeat(40); 3]))),
        plain: vec!["p".into()],
    };
    for i in 0..n {
        let len = (rng.next_u64() % 64) as usize;
        s.expirations
            .insert((Deadline(rng.next_u64()), "k".repeat(len)));
        if i % 7 == 0 {
            let queued = (0..i % 5).map(|j| "m".repeat(j as usize * 9)).collect();
            s.pub_sub
                .insert(format!("channel-{i}"), Sender::new(queued));
        }
        s.by_odd_hasher
            .insert(format!("key-{i}"), vec![0; (i % 33) as usize]);
    }
    // Churn: removals leave the B-tree and the tables as their history made them.
    let old: Vec<_> = s.expirations.iter().step_by(3).cloned().collect();
    for k in old {
        s.expirations.remove(&k);
    }
    s.by_odd_hasher.retain(|k, _| k.len() % 2 == 0);
    s
}

#[test]
fn mini_redis_shapes_are_exact() {
    for n in [0, 1, 11, 12, 100, 1000] {
        assert_heap_exact(state(n, n));
    }
}

#[test]
fn shared_blocks_count_once_across_handles() {
    let sender = Sender::new(vec!["queued".repeat(10)]);
    let mut s = state(3, 10);
    s.pub_sub.insert("a".into(), sender.clone());
    s.pub_sub.insert("b".into(), sender.clone());
    drop(sender);
    assert_heap_exact(s);
}

#[test]
fn report_names_the_foreign_types_and_adds_up() {
    let s = state(5, 200);
    let report = Report::new(&s);
    assert_eq!(report.total_bytes(), s.deep_size() as u64);
    let exp = report.root().child("expirations").unwrap();
    let key = exp.child("[..]").unwrap();
    // The element is named after its own type, not the adapter's.
    assert!(key.type_name().contains("Deadline"), "{}", key.type_name());
    assert!(!key.type_name().contains("As<"), "{}", key.type_name());
    let pub_sub = report.root().child("pub_sub").unwrap();
    let value = pub_sub.child("[value]").unwrap();
    assert!(
        value.type_name().ends_with("Sender"),
        "{}",
        value.type_name()
    );
    assert!(value.child("shared").is_some());
    let text = report.to_string();
    assert!(!text.contains("As<"), "{text}");
}

#[test]
fn heap_free_containers_are_constant_time() {
    // A `Vec<HeapFree>` never visits its elements: a million of them with
    // a type that would panic if visited.
    struct Trap;
    impl SizeOfAs<Deadline> for Trap {
        fn add_heap_as<'a>(_: &'a Deadline, _: &mut Context<'a>) {
            panic!("visited")
        }
        fn is_heap_free_as() -> bool {
            true
        }
    }
    let v: Vec<Deadline> = (0..1_000_000).map(Deadline).collect();
    assert_eq!(
        As::<Vec<Trap>, _>::new(&v).heap_size(),
        v.capacity() * size_of::<Deadline>()
    );
    let m: HashMap<Deadline, Deadline> = (0..1000).map(|i| (Deadline(i), Deadline(i))).collect();
    let _ = As::<HashMap<Trap, Trap>, _>::new(&m).heap_size();
}

/// Every std container and wrapper, through adapters, against the
/// allocator.
#[test]
fn every_std_container() {
    #[derive(SizeOf)]
    struct All {
        #[memsize(as = "Vec<(HeapFree, _)>")]
        vec: Vec<(Deadline, String)>,
        #[memsize(as = "VecDeque<HeapFree>")]
        deque: VecDeque<Deadline>,
        #[memsize(as = "LinkedList<(_, HeapFree)>")]
        list: LinkedList<(String, Deadline)>,
        #[memsize(as = "BTreeMap<HeapFree, Vec<_>>")]
        btree: BTreeMap<Deadline, Vec<String>>,
        #[memsize(as = "HashSet<HeapFree, HeapFree>")]
        set: HashSet<Deadline, OddState>,
        #[memsize(as = "[Option<HeapFree>; 3]")]
        array: [Option<Deadline>; 3],
        #[memsize(as = "Box<[(HeapFree, _)]>")]
        boxed: Box<[(Deadline, String)]>,
        #[memsize(as = "Rc<RefCell<Vec<SenderSize>>>")]
        rc: Rc<RefCell<Vec<Sender>>>,
        #[memsize(as = "Arc<Mutex<HashMap<_, SenderSize>>>")]
        arc: Arc<Mutex<HashMap<String, Sender>>>,
        #[memsize(as = "RwLock<Result<Vec<HeapFree>, _>>")]
        rw: RwLock<Result<Vec<Deadline>, String>>,
        #[memsize(as = "Same")]
        same: Vec<String>,
    }
    let shared = Sender::new(vec!["q".repeat(50)]);
    let mut set = HashSet::with_hasher(OddState::default());
    set.extend((0..50).map(Deadline));
    let rc = Rc::new(RefCell::new(vec![shared.clone(), shared.clone()]));
    let all = All {
        vec: (0..30)
            .map(|i| (Deadline(i), "v".repeat(i as usize)))
            .collect(),
        deque: (0..17).map(Deadline).collect(),
        list: (0..9)
            .map(|i| ("l".repeat(i), Deadline(i as u64)))
            .collect(),
        btree: (0..40)
            .map(|i| (Deadline(i), vec!["b".repeat(i as usize); 2]))
            .collect(),
        set,
        array: [Some(Deadline(1)), None, Some(Deadline(3))],
        boxed: vec![(Deadline(0), "boxed".into())].into_boxed_slice(),
        rc: Rc::clone(&rc),
        arc: Arc::new(Mutex::new([("c".to_string(), shared.clone())].into())),
        rw: RwLock::new(Ok(vec![Deadline(1); 5])),
        same: vec!["s".repeat(70)],
    };
    drop((shared, rc));
    assert_heap_exact(all);
}

#[test]
fn adapters_outside_the_derive() {
    let v: Vec<(Deadline, String)> = (0..10)
        .map(|i| (Deadline(i), "x".repeat(i as usize)))
        .collect();
    let seen = As::<Vec<(HeapFree, Same)>, _>::new(&v);
    assert_eq!(seen.get().len(), 10);
    assert_heap_exact(OwnedAs(v));

    /// An owner for `assert_heap_exact`, which measures what it drops.
    struct OwnedAs(Vec<(Deadline, String)>);
    impl SizeOf for OwnedAs {
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            cx.add_field("v", As::<Vec<(HeapFree, Same)>, _>::new(&self.0));
        }
    }
}

#[test]
fn generic_fields_through_adapters() {
    #[derive(SizeOf)]
    struct Cache<K, V> {
        #[memsize(as = "HashMap<_, _, HeapFree>")]
        map: HashMap<K, V, OddState>,
    }
    let mut map = HashMap::with_hasher(OddState::default());
    map.insert("k".repeat(30), vec![1u32; 20]);
    assert_heap_exact(Cache { map });
}

proptest! {
    #[test]
    fn random_states_are_exact(seed in any::<u64>(), n in 0u64..300) {
        let check = memsize::alloc::check_heap(state(seed, n));
        prop_assert!(check.is_exact(), "{:?}", check);
    }
}

/// Third-party maps take adapters for their keys, values and hasher too.
#[cfg(all(feature = "hashbrown", feature = "indexmap"))]
#[test]
fn third_party_maps_with_foreign_parts() {
    #[derive(SizeOf)]
    struct Maps {
        #[memsize(as = "hashbrown::HashMap<_, SenderSize, HeapFree>")]
        brown: hashbrown::HashMap<String, Sender, OddState>,
        #[memsize(as = "hashbrown::HashSet<HeapFree, HeapFree>")]
        brown_set: hashbrown::HashSet<Deadline, OddState>,
        #[memsize(as = "hashbrown::HashTable<(HeapFree, _)>")]
        table: hashbrown::HashTable<(Deadline, String)>,
        #[memsize(as = "indexmap::IndexMap<HeapFree, _, HeapFree>")]
        index: indexmap::IndexMap<Deadline, String, OddState>,
        #[memsize(as = "indexmap::IndexSet<_, HeapFree>")]
        index_set: indexmap::IndexSet<String, OddState>,
    }
    let shared = Sender::new(vec!["q".repeat(20)]);
    let mut m = Maps {
        brown: hashbrown::HashMap::with_hasher(OddState::default()),
        brown_set: hashbrown::HashSet::with_hasher(OddState::default()),
        table: hashbrown::HashTable::new(),
        index: indexmap::IndexMap::with_hasher(OddState::default()),
        index_set: indexmap::IndexSet::with_hasher(OddState::default()),
    };
    for i in 0..100u64 {
        m.brown.insert(format!("k{i}"), shared.clone());
        m.brown_set.insert(Deadline(i));
        m.table
            .insert_unique(i, (Deadline(i), "t".repeat(i as usize % 9)), |_| 0);
        m.index.insert(Deadline(i), "i".repeat(i as usize % 13));
        m.index_set.insert(format!("s{i}"));
    }
    m.brown.retain(|k, _| k.len() % 2 == 0);
    m.index.retain(|k, _| k.0 % 3 != 0);
    drop(shared);
    assert_heap_exact(m);
}
