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

#[test]
fn untracked_calls_are_invisible_to_measurements() {
    let outside = black_box(Box::new(1u64));
    let (inside, stats) = measure(|| {
        let _untracked = untracked();
        let v = black_box(std::vec![0u8; 100]);
        // A block allocated outside, freed inside: not counted either.
        drop(outside);
        v
    });
    assert!(stats.is_empty(), "{stats}");
    assert_eq!(stats, AllocStats::default());
    // Freed outside, the block made inside shows as a free: the rule is
    // per call.
    let ((), freed) = measure(|| drop(inside));
    assert_eq!((freed.deallocations, freed.net_bytes), (1, -100));
    // `assert_no_alloc` passes over untracked allocations.
    let v = assert_no_alloc(|| {
        let _untracked = untracked();
        black_box(std::vec![1u8; 10])
    });
    drop(v);
}

#[test]
fn untracked_guards_nest() {
    let ((), stats) = measure(|| {
        let outer = untracked();
        {
            let _inner = untracked();
            drop(black_box(Box::new(1u8)));
        }
        drop(black_box(Box::new(2u16)));
        drop(outer);
        drop(black_box(Box::new(3u32)));
    });
    assert_eq!(stats.allocations, 1, "{stats}");
    assert_eq!(stats.bytes_allocated, 4, "{stats}");
    LOCAL.with(|l| assert_eq!(l.untracked.get(), 0));
}

#[test]
fn untracked_calls_are_invisible_to_shared_measurements() {
    let m = SharedMeasurement::start();
    {
        let _untracked = untracked();
        drop(black_box(std::vec![0u8; 1000]));
    }
    drop(black_box(Box::new(0u8)));
    let stats = m.finish();
    assert_eq!(
        (stats.allocations, stats.bytes_allocated),
        (1, 1),
        "{stats}"
    );
}

#[test]
fn an_untracked_guard_leaves_the_fast_path_alone() {
    // The guard touches nothing but its thread's counter.
    let before = STATE.load(Relaxed);
    let g = untracked();
    assert_eq!(STATE.load(Relaxed), before);
    drop(g);
}

/// glibc's `malloc_usable_size`, read through the unit tests' global
/// allocator (made with `with_usable_size`).
#[test]
#[cfg(all(target_os = "linux", target_env = "gnu", not(miri)))]
fn usable_bytes_on_glibc() {
    // The smallest chunk: 24 usable bytes for a 1-byte request.
    let (b, stats) = measure(|| black_box(Box::new(1u8)));
    assert_eq!(stats.bytes_allocated, 1);
    assert_eq!(stats.usable_bytes_allocated, Some(24));
    // SAFETY: `b` is a live block of the global allocator with this layout.
    let usable = unsafe { usable_size(&*b, Layout::new::<u8>()) };
    assert_eq!(usable, Some(24));
    let ((), freed) = measure(|| drop(b));
    assert_eq!(freed.usable_bytes_freed, Some(24));
    assert_eq!(freed.usable_net_bytes(), Some(-24));
    // Every size, and over-aligned blocks (`posix_memalign`): at least the
    // bytes asked for, and the same figure from the stats and the query.
    for align in [1, 8, 16, 64, 4096] {
        for size in [1, 7, 8, 24, 25, 100, 1000, 4096, 100_000, 1 << 20] {
            let layout = Layout::from_size_align(size, align).unwrap();
            let (ptr, stats) = measure(|| {
                // SAFETY: non-zero size.
                unsafe { std::alloc::alloc(layout) }
            });
            assert!(!ptr.is_null());
            let usable = stats.usable_bytes_allocated.unwrap();
            assert!(usable >= size as u64, "{layout:?}: {usable}");
            // SAFETY: `ptr` is a live block with `layout`.
            let queried = unsafe { usable_size(ptr, layout) };
            assert_eq!(queried, Some(usable as usize), "{layout:?}");
            // SAFETY: as above; freed once.
            unsafe { std::alloc::dealloc(ptr, layout) };
        }
    }
    // A reallocation counts the old block's usable bytes as freed and the
    // new one's as allocated.
    let mut v: Vec<u8> = Vec::with_capacity(1);
    let ((), stats) = measure(|| v.reserve_exact(1000));
    assert_eq!(stats.usable_bytes_freed, Some(24), "{stats}");
    assert!(stats.usable_bytes_allocated.unwrap() >= 1000, "{stats}");
    assert!(std::format!("{stats}").contains("usable"), "{stats}");
    drop(v);
    // Shared measurements count usable bytes too.
    let m = SharedMeasurement::start();
    let b = black_box(Box::new(1u8));
    drop(b);
    let shared = m.finish();
    assert_eq!(shared.usable_bytes_allocated, Some(24), "{shared}");
    assert_eq!(shared.usable_net_bytes(), Some(0), "{shared}");
}

#[test]
fn usable_figures_are_known_or_none() {
    let (b, stats) = measure(|| black_box(std::vec![0u64; 10]));
    // Under Miri and off glibc, System can't tell: none, not a guess.
    let expected_known = cfg!(all(target_os = "linux", target_env = "gnu", not(miri)));
    assert_eq!(stats.usable_bytes_allocated.is_some(), expected_known);
    assert_eq!(stats.usable_net_bytes().is_some(), expected_known);
    drop(b);
}
