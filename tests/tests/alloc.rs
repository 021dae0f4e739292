//! The counting allocator installed as this test binary's global allocator:
//! exact counts under `cargo test`'s parallel threads, nesting, panics,
//! threads with a handle, and the pass-through of `alloc_zeroed` and
//! `realloc`.
#![cfg(feature = "std")]

use memsize::alloc::{
    assert_allocations, assert_bytes_at_most, assert_no_alloc, installed, measure, measure_process,
    try_measure, AllocStats, CountingAlloc, Measurement, SharedMeasurement,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn the_allocator_is_installed() {
    assert!(installed());
    assert!(try_measure(|| ()).is_ok());
}

/// Many tests, each asserting exact figures many times while the others run
/// in parallel: a process-wide counter would see the others and the harness.
macro_rules! parallel_exact {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            for i in 1..200usize {
                let ((v, digits), stats) = measure(|| {
                    let mut v: Vec<u32> = Vec::with_capacity(i);
                    v.extend(0..i as u32);
                    let s = black_box(String::with_capacity(3));
                    let cap = s.capacity() as u64;
                    drop(s);
                    (v, cap)
                });
                assert_eq!(stats.allocations, 2, "{stats}");
                assert_eq!(stats.deallocations, 1, "{stats}");
                assert_eq!(stats.reallocations, 0, "{stats}");
                assert_eq!(stats.bytes_allocated, 4 * i as u64 + digits, "{stats}");
                assert_eq!(stats.bytes_freed, digits, "{stats}");
                assert_eq!(stats.net_bytes, 4 * i as i64, "{stats}");
                assert_eq!(stats.peak_bytes, 4 * i as u64 + digits, "{stats}");
                assert_no_alloc(|| black_box(v.iter().sum::<u32>()));
                let ((), freed) = measure(|| drop(v));
                assert_eq!(freed.deallocations, 1);
                assert_eq!(freed.net_bytes, -4 * i as i64);
            }
        }
    )*};
}

parallel_exact!(
    parallel_exact_00,
    parallel_exact_01,
    parallel_exact_02,
    parallel_exact_03,
    parallel_exact_04,
    parallel_exact_05,
    parallel_exact_06,
    parallel_exact_07,
    parallel_exact_08,
    parallel_exact_09,
    parallel_exact_10,
    parallel_exact_11,
    parallel_exact_12,
    parallel_exact_13,
    parallel_exact_14,
    parallel_exact_15
);

#[test]
fn zero_allocations_is_exactly_zero() {
    for _ in 0..1000 {
        let (_, stats) = measure(|| black_box(3u64).pow(2));
        assert_eq!(stats, AllocStats::default());
    }
}

#[test]
fn realloc_is_one_operation() {
    let (v, stats) = measure(|| {
        let mut v: Vec<u64> = Vec::with_capacity(4);
        v.reserve_exact(100);
        v
    });
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.reallocations, 1);
    assert_eq!(stats.deallocations, 0);
    assert_eq!(stats.bytes_allocated, (4 + 100) * 8);
    assert_eq!(stats.bytes_freed, 4 * 8);
    assert_eq!(stats.net_bytes, 100 * 8);
    assert_eq!(stats.peak_bytes, 100 * 8);
    drop(v);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation this big instead of failing it"
)]
fn failed_calls_are_not_counted() {
    // A layout no allocator can satisfy: `alloc` returns null.
    let huge = Layout::from_size_align(isize::MAX as usize - 4095, 4096).unwrap();
    let (ptr, stats) = measure(|| {
        // SAFETY: the layout has a non-zero size.
        unsafe { GLOBAL.alloc(huge) }
    });
    assert!(ptr.is_null());
    assert!(stats.is_empty(), "{stats}");
}

#[test]
fn nested_measurements() {
    let outer = Measurement::start();
    let a = black_box(vec![0u8; 4000]);
    let (b, inner) = measure(|| {
        let tmp = black_box(vec![0u8; 2000]);
        drop(tmp);
        black_box(vec![0u8; 100])
    });
    assert_eq!(inner.allocations, 2);
    assert_eq!(inner.net_bytes, 100);
    assert_eq!(inner.peak_bytes, 2000);
    drop(a);
    drop(b);
    let outer = outer.finish();
    assert_eq!(outer.allocations, 3);
    assert_eq!(outer.deallocations, 3);
    assert_eq!(outer.net_bytes, 0);
    assert_eq!(
        outer.peak_bytes, 6000,
        "4000 live when the inner peak happened"
    );
}

#[test]
fn a_panic_inside_a_measurement_leaves_nothing_open() {
    for _ in 0..10 {
        let r = std::panic::catch_unwind(|| {
            measure(|| {
                let _m = Measurement::start();
                let _v = black_box(vec![1u8; 10]);
                panic!("boom");
            })
        });
        assert!(r.is_err());
    }
    // Nothing left over: a fresh measurement of nothing is exactly empty,
    // and one of a single allocation exactly one.
    let (_, stats) = measure(|| ());
    assert_eq!(stats, AllocStats::default());
    assert_allocations(1, || black_box(Box::new(1u8)));
}

#[test]
#[should_panic(expected = "no allocation was expected")]
fn no_alloc_assertion_under_should_panic() {
    assert_no_alloc(|| black_box(vec![1, 2, 3]));
}

#[test]
#[should_panic(expected = "difference: +1 allocations")]
fn allocation_count_assertion_shows_the_difference() {
    assert_allocations(1, || black_box((Box::new(1u8), Box::new(2u8))));
}

#[test]
#[should_panic(expected = "expected:   at most 10 bytes")]
fn byte_budget_assertion_shows_expected_and_actual() {
    assert_bytes_at_most(10, || black_box(vec![0u8; 11]));
}

#[test]
fn threads_with_a_handle() {
    let m = Measurement::start_shared();
    let threads: Vec<_> = (0..4u64)
        .map(|i| {
            let h = m.handle();
            std::thread::spawn(move || {
                let _entered = h.enter();
                let v = black_box(vec![0u8; 1000 * (i as usize + 1)]);
                drop(v);
                black_box(Box::new(i))
            })
        })
        .collect();
    let boxes: Vec<Box<u64>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let stats = m.finish();
    // Per thread: one vector and one box; here: the vector of boxes (and
    // whatever `join` allocates on this thread, which is entered too).
    assert!(stats.allocations > 4 * 2, "{stats}");
    assert!(stats.deallocations >= 4, "{stats}");
    assert!(stats.bytes_allocated >= 10_000 + 4 * 8 + 4 * 8, "{stats}");
    drop(boxes);
}

#[test]
fn a_handle_counts_only_the_entered_threads() {
    let m = SharedMeasurement::start();
    let h = m.handle();
    // Not entered: not counted.
    std::thread::spawn(|| drop(black_box(vec![0u8; 5000])))
        .join()
        .unwrap();
    let before = m.stats().bytes_allocated;
    assert!(before < 5000, "{}", m.stats());
    let t = std::thread::spawn(move || h.in_scope(|| drop(black_box(vec![0u8; 5000]))));
    t.join().unwrap();
    let stats = m.finish();
    assert!(stats.bytes_allocated >= before + 5000, "{stats}");
}

#[test]
fn the_per_thread_measurement_ignores_other_threads() {
    let (_, stats) = measure(|| {
        std::thread::scope(|s| {
            s.spawn(|| drop(black_box(vec![0u8; 1 << 20])));
        });
    });
    assert!(stats.bytes_allocated < 1 << 20, "{stats}");
}

#[test]
fn the_process_wide_reading_sees_other_threads() {
    let (_, stats) = measure_process(|| {
        std::thread::spawn(|| drop(black_box(vec![0u8; 1 << 20])))
            .join()
            .unwrap();
    });
    assert!(stats.bytes_allocated >= 1 << 20, "{stats}");
}

/// Resident pages of this process (Linux).
#[cfg(all(target_os = "linux", not(miri)))]
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// `alloc_zeroed` must reach the system allocator as `alloc_zeroed`, which
/// maps fresh zero pages lazily: 256 MiB of zeros then costs next to no
/// resident memory. A wrapper doing alloc + memset would touch every page.
#[test]
#[cfg(all(target_os = "linux", not(miri)))]
fn alloc_zeroed_keeps_lazy_zero_pages() {
    const SIZE: usize = 256 << 20;
    let before = resident_bytes();
    let (v, stats) = measure(|| vec![0u8; SIZE]);
    let after = resident_bytes();
    assert_eq!(stats.allocations, 1);
    assert_eq!(stats.bytes_allocated, SIZE as u64);
    assert_eq!(v[SIZE / 2], 0);
    assert!(
        after.saturating_sub(before) < (SIZE / 4) as u64,
        "256 MiB of zeros made the process {} MiB bigger",
        after.saturating_sub(before) >> 20
    );
    drop(v);
}

/// A growing vector must reach the system allocator as `realloc` (which can
/// grow in place or move pages) rather than alloc + copy + free.
#[test]
fn growing_is_realloc_not_alloc_copy_free() {
    let (v, stats) = measure(|| {
        let mut v = Vec::new();
        for i in 0..100_000u32 {
            v.push(i);
        }
        v
    });
    assert_eq!(stats.allocations, 1, "{stats}");
    assert_eq!(stats.deallocations, 0, "{stats}");
    assert!(stats.reallocations > 5, "{stats}");
    assert_eq!(stats.net_bytes as usize, v.capacity() * 4);
    drop(v);
}

/// `CountingAlloc::new` asks for no usable sizes: the figures say they are
/// unknown rather than guess.
#[test]
fn usable_sizes_are_unknown_without_the_hook() {
    let (b, stats) = measure(|| black_box(Box::new(1u8)));
    assert_eq!(stats.bytes_allocated, 1);
    assert_eq!(stats.usable_bytes_allocated, None);
    assert_eq!(stats.usable_net_bytes(), None);
    // SAFETY: `b` is a live block of the global allocator with this layout.
    let usable = unsafe { memsize::alloc::usable_size(&*b, Layout::new::<u8>()) };
    assert_eq!(usable, None);
    // Nothing happened: nothing unknown.
    let ((), none) = measure(|| ());
    assert_eq!(none.usable_bytes_allocated, Some(0));
    // The same in a shared measurement.
    let m = SharedMeasurement::start();
    assert_eq!(m.stats().usable_bytes_allocated, Some(0));
    drop(black_box(Box::new(1u8)));
    assert_eq!(m.finish().usable_bytes_allocated, None);
}
