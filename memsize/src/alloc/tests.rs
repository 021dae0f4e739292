//! Unit tests of the counting allocator; the crate's test binary installs
//! it (see `TEST_GLOBAL`).

use super::*;
use crate::{Context, SizeOf};
use core::alloc::Layout;
use std::boxed::Box;
use std::hint::black_box;
use std::vec::Vec;

/// A value owning one heap buffer, measured by hand so these tests don't
/// depend on the std implementations.
struct Blob(Box<[u8]>);

impl Blob {
    fn new(len: usize) -> Blob {
        Blob(std::vec![7u8; len].into_boxed_slice())
    }
}

impl SizeOf for Blob {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_alloc(self.0.as_ptr(), Layout::for_value(&*self.0));
    }
}

/// A value that forgets to report its buffer.
struct Forgetful(#[allow(dead_code)] Box<[u8]>);

impl SizeOf for Forgetful {
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
}

#[test]
fn is_installed() {
    assert!(installed());
}

#[test]
fn counts_one_allocation_exactly() {
    let (b, stats) = measure(|| black_box(Box::new([0u64; 4])));
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.deallocations, 0);
    assert_eq!(stats.bytes_allocated, 32);
    assert_eq!(stats.net_bytes, 32);
    assert_eq!(stats.peak_bytes, 32);
    let ((), stats) = measure(|| drop(b));
    assert_eq!(stats.deallocations, 1);
    assert_eq!(stats.bytes_freed, 32);
    assert_eq!(stats.net_bytes, -32);
    assert_eq!(stats.peak_bytes, 0);
}

#[test]
fn nothing_measured_is_empty() {
    let (x, stats) = measure(|| black_box(1) + 1);
    assert_eq!(x, 2);
    assert!(stats.is_empty());
    assert_eq!(stats, AllocStats::default());
}

#[test]
fn realloc_is_one_operation() {
    let mut v: Vec<u8> = Vec::with_capacity(16);
    let ((), stats) = measure(|| {
        v.reserve_exact(64);
    });
    assert_eq!(stats.reallocations, 1);
    assert_eq!(stats.allocations, 0);
    assert_eq!(stats.deallocations, 0);
    assert_eq!(stats.bytes_allocated, 64);
    assert_eq!(stats.bytes_freed, 16);
    assert_eq!(stats.net_bytes, 48);
    drop(v);
}

#[test]
fn nested_peaks_fold_into_the_parent() {
    let outer = Measurement::start();
    let a = black_box(std::vec![0u8; 1000]);
    let inner = Measurement::start();
    let b = black_box(std::vec![0u8; 500]);
    // Read the outer one while the inner is open: it sees the inner peak.
    assert_eq!(outer.stats().peak_bytes, 1500);
    drop(b);
    let inner = inner.finish();
    drop(a);
    let c = black_box(std::vec![0u8; 100]);
    drop(c);
    let outer = outer.finish();
    assert_eq!(inner.peak_bytes, 500);
    assert_eq!(inner.net_bytes, 0);
    assert_eq!(inner.allocations, 1);
    assert_eq!(outer.peak_bytes, 1500, "not the sum 1000 + 500 + 100");
    assert_eq!(outer.net_bytes, 0);
    assert_eq!(outer.allocations, 3);
    assert_eq!(outer.deallocations, 3);
}

#[test]
fn a_later_child_does_not_lower_the_parent_peak() {
    let outer = Measurement::start();
    let a = black_box(std::vec![0u8; 800]);
    drop(a);
    let ((), inner) = measure(|| drop(black_box(std::vec![0u8; 100])));
    let outer = outer.finish();
    assert_eq!(inner.peak_bytes, 100);
    assert_eq!(outer.peak_bytes, 800);
}

#[test]
fn deep_nesting_keeps_counting() {
    fn nest(n: usize) -> AllocStats {
        let m = Measurement::start();
        if n > 0 {
            let _ = nest(n - 1);
        } else {
            drop(black_box(std::vec![0u8; 10]));
        }
        m.finish()
    }
    let s = nest(40);
    assert_eq!(s.allocations, 1);
    assert_eq!(s.peak_bytes, 10);
    LOCAL.with(|l| assert_eq!(l.depth.get(), 0));
}

#[test]
fn a_panic_inside_leaves_no_state_behind() {
    let depth = || LOCAL.with(|l| l.depth.get());
    assert_eq!(depth(), 0);
    let r = std::panic::catch_unwind(|| {
        let _m = Measurement::start();
        measure(|| {
            let _v = black_box(std::vec![1u8; 10]);
            panic!("inside");
        })
    });
    assert!(r.is_err());
    assert_eq!(depth(), 0);
    // And the next measurement is clean.
    let (_, stats) = measure(|| ());
    assert!(stats.is_empty());
}

#[test]
fn guards_dropped_out_of_order_are_tolerated() {
    let a = Measurement::start();
    let b = Measurement::start();
    drop(a);
    let s = b.finish();
    assert_eq!(s.allocations, 0);
    LOCAL.with(|l| assert_eq!(l.depth.get(), 0));
}

#[test]
fn check_heap_matches_an_exact_value() {
    let check = check_heap(Blob::new(100));
    assert!(check.is_exact(), "{check}");
    assert_eq!(check.heap_bytes, 100);
    assert_eq!(check.freed_bytes, 100);
    assert_eq!(check.deallocations, 1);
    assert_heap_exact(Blob::new(3));
    assert_heap_exact(Blob::new(0)); // an empty boxed slice owns nothing
}

#[test]
fn assert_heap_exact_reports_the_difference() {
    let r = std::panic::catch_unwind(|| assert_heap_exact(Forgetful(std::vec![0u8; 64].into())));
    let msg = r.unwrap_err();
    let msg = msg
        .downcast_ref::<std::string::String>()
        .expect("a formatted message");
    assert!(
        msg.contains("expected (heap_stats): 0 bytes in 0 allocations"),
        "{msg}"
    );
    assert!(
        msg.contains("actual (freed by drop): 64 bytes in 1 deallocations"),
        "{msg}"
    );
    assert!(msg.contains("+64 bytes, +1 allocations"), "{msg}");
    assert!(msg.contains("Forgetful"), "{msg}");
}

#[test]
fn no_alloc_passes_and_fails() {
    let v = std::vec![1u32, 2, 3];
    assert_eq!(assert_no_alloc(|| v.iter().sum::<u32>()), 6);
    let r = std::panic::catch_unwind(|| assert_no_alloc(|| black_box(Box::new(5u32))));
    assert!(r.is_err());
}

#[test]
#[should_panic(expected = "no allocation was expected")]
fn no_alloc_works_with_should_panic() {
    assert_no_alloc(|| drop(black_box(std::vec![0u8; 3])));
}

#[test]
fn allocation_budgets() {
    assert_allocations(2, || black_box((Box::new(1u8), Box::new(2u16))));
    assert_bytes_at_most(3, || black_box((Box::new(1u8), Box::new(2u16))));
    let r = std::panic::catch_unwind(|| assert_allocations(1, || ()));
    assert!(r.is_err());
    let r = std::panic::catch_unwind(|| assert_bytes_at_most(2, || black_box(Box::new(1u32))));
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<std::string::String>().unwrap();
    assert!(msg.contains("difference: +2 bytes"), "{msg}");
}

#[test]
fn shared_measurement_counts_other_threads() {
    let m = Measurement::start_shared();
    let h = m.handle();
    let t = std::thread::spawn(move || {
        let _entered = h.enter();
        black_box(std::vec![0u8; 300])
    });
    let v = t.join().unwrap();
    let local = black_box(Box::new(0u64));
    let stats = m.finish();
    assert!(stats.allocations >= 2, "{stats}");
    assert!(stats.bytes_allocated >= 308, "{stats}");
    drop((v, local));
}

#[test]
fn entered_guards_restore_the_previous_measurement() {
    let outer = SharedMeasurement::start();
    let inner = SharedMeasurement::start();
    drop(black_box(Box::new(1u8)));
    let i = inner.finish();
    drop(black_box(Box::new(1u8)));
    let o = outer.finish();
    assert_eq!(i.allocations, 1);
    assert_eq!(o.allocations, 2, "the inner one counts into the outer");
    LOCAL.with(|l| assert!(l.shared.get().is_null()));
}

#[test]
fn process_measurement_sees_this_thread() {
    let (_, stats) = measure_process(|| drop(black_box(std::vec![0u8; 123])));
    assert!(stats.allocations >= 1);
    assert!(stats.bytes_allocated >= 123);
}

#[test]
fn shared_measurements_ended_out_of_order() {
    let a = SharedMeasurement::start();
    let a_handle = a.handle();
    let b = SharedMeasurement::start();
    // The outer one ends first: the inner one must go on counting.
    drop(a);
    drop(black_box(Box::new(1u8)));
    assert_eq!(b.stats().allocations, 1, "{}", b.stats());
    let b_handle = b.handle();
    drop(b);
    LOCAL.with(|l| assert!(l.shared.get().is_null()));
    // Both are closed: with another measurement open, this thread counts
    // into neither.
    let (a_before, b_before) = (a_handle.stats(), b_handle.stats());
    let ((), m) = measure(|| drop(black_box(Box::new(1u8))));
    assert_eq!(m.allocations, 1);
    assert_eq!(a_handle.stats(), a_before);
    assert_eq!(b_handle.stats(), b_before);
}

#[test]
fn deep_nesting_keeps_the_outer_peak() {
    let mut guards = Vec::with_capacity(64);
    let outer = Measurement::start();
    for _ in 1..32 {
        guards.push(Measurement::start());
    }
    // At depth 32, a peak of 1000 bytes; then deeper levels open.
    drop(black_box(std::vec![0u8; 1000]));
    for _ in 0..8 {
        guards.push(Measurement::start());
    }
    let inner = black_box(std::vec![0u8; 10]);
    assert_eq!(outer.stats().peak_bytes, 1000, "read while 40 are open");
    while let Some(g) = guards.pop() {
        drop(g);
    }
    drop(inner);
    assert_eq!(outer.finish().peak_bytes, 1000);
}
