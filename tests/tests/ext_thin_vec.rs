//! thin-vec's `ThinVec` against the allocator: the header and elements in
//! one allocation, nothing for the empty singleton.
#![cfg(feature = "thin-vec")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

use memsize_tests::{check_history, NeverVisited};
use thin_vec::{thin_vec, ThinVec};

#[test]
fn empty_singleton_owns_nothing() {
    let v: ThinVec<u64> = ThinVec::new();
    assert_eq!(v.heap_size(), 0);
    assert_heap_exact(v);
    assert_heap_exact(ThinVec::<String>::with_capacity(0));
    assert_heap_exact(ThinVec::<()>::new());
    let mut z: ThinVec<()> = ThinVec::new();
    z.push(());
    z.push(());
    assert_heap_exact(z);
}

#[test]
fn header_and_elements() {
    for cap in [1, 2, 3, 10, 100] {
        assert_heap_exact(ThinVec::<u8>::with_capacity(cap));
        assert_heap_exact(ThinVec::<u64>::with_capacity(cap));
        assert_heap_exact(ThinVec::<u128>::with_capacity(cap));
        assert_heap_exact(ThinVec::<[u8; 3]>::with_capacity(cap));
    }
    check_history(
        ThinVec::<u16>::new,
        &[
            &|v| v.extend(0..1000),
            &|v| v.truncate(10),
            &|v| v.shrink_to_fit(),
            &|v| v.clear(),
            &|v| v.shrink_to_fit(),
        ],
    );
}

#[test]
fn heap_owning_elements() {
    check_history::<ThinVec<String>>(
        || -> ThinVec<String> { thin_vec!["a".repeat(17), String::new()] },
        &[&|v| v.push(String::with_capacity(5)), &|v| {
            drop(v.remove(0))
        }],
    );
    #[repr(align(32))]
    #[derive(Clone)]
    struct Wide(Vec<u8>);
    impl SizeOf for Wide {
        fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
            cx.add_field("0", &self.0);
        }
    }
    let w: ThinVec<Wide> = (0..5).map(|i| Wide(vec![0; i])).collect();
    assert_heap_exact(w);
}

#[test]
fn heap_free_elements_are_not_visited() {
    let v: ThinVec<NeverVisited> = (0..100).map(NeverVisited).collect();
    assert_heap_exact(v);
}
