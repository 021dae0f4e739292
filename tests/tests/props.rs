//! Random nested values, held against the allocator.
#![cfg(feature = "std")]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use memsize::alloc::{check_heap, CountingAlloc};
use memsize::{Context, SizeOf};
use proptest::prelude::*;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(Debug, Clone)]
enum Value {
    Int(u64),
    Text(String),
    List(Vec<Value>),
    Deque(VecDeque<Value>),
    Map(HashMap<u16, Value>),
    Tree(BTreeMap<String, Value>),
    Set(HashSet<u32>),
    Boxed(Box<Value>),
    Maybe(Option<Box<Value>>),
    Shared(Rc<Value>),
}

impl SizeOf for Value {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            Value::Int(v) => cx.add(v),
            Value::Text(v) => cx.add(v),
            Value::List(v) => cx.add(v),
            Value::Deque(v) => cx.add(v),
            Value::Map(v) => cx.add(v),
            Value::Tree(v) => cx.add(v),
            Value::Set(v) => cx.add(v),
            Value::Boxed(v) => cx.add(v),
            Value::Maybe(v) => cx.add(v),
            Value::Shared(v) => cx.add(v),
        }
    }
}

/// A value, then the same subtrees shared through `Rc` in several places.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::Int),
        (".{0,40}", 0usize..20).prop_map(|(s, extra)| {
            let mut t = String::with_capacity(s.len() + extra);
            t.push_str(&s);
            Value::Text(t)
        }),
        prop::collection::hash_set(any::<u32>(), 0..60).prop_map(Value::Set),
    ];
    leaf.prop_recursive(5, 200, 12, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..12), 0usize..8).prop_map(|(mut v, extra)| {
                v.reserve_exact(extra);
                Value::List(v)
            }),
            prop::collection::vec_deque(inner.clone(), 0..12).prop_map(Value::Deque),
            prop::collection::hash_map(any::<u16>(), inner.clone(), 0..12).prop_map(Value::Map),
            prop::collection::btree_map(".{0,6}", inner.clone(), 0..40).prop_map(Value::Tree),
            inner.clone().prop_map(|v| Value::Boxed(Box::new(v))),
            prop::option::of(inner.clone().prop_map(Box::new)).prop_map(Value::Maybe),
            (inner, 1usize..4).prop_map(|(v, n)| {
                let shared = Rc::new(v);
                Value::List((0..n).map(|_| Value::Shared(shared.clone())).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_values_are_exact(v in value()) {
        let check = check_heap(v);
        prop_assert!(check.is_exact(), "{check:?}");
    }

    #[test]
    fn random_churned_maps_are_exact(ops in prop::collection::vec((any::<bool>(), 0u16..600), 0..3000)) {
        let mut m: HashMap<u16, u64> = HashMap::new();
        let mut b: BTreeMap<u16, u8> = BTreeMap::new();
        for (insert, k) in ops {
            if insert {
                m.insert(k, k as u64);
                b.insert(k, k as u8);
            } else {
                m.remove(&k);
                b.remove(&k);
            }
        }
        let check = check_heap(m);
        prop_assert!(check.is_exact(), "{check:?}");
        let check = check_heap(b);
        prop_assert!(check.is_exact(), "{check:?}");
    }
}
