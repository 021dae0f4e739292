//! parking_lot's locks against the allocator, and under the lock policy.
#![cfg(feature = "parking_lot")]

use std::alloc::System;
use std::sync::Arc;

use memsize::alloc::{assert_heap_exact, assert_no_alloc, CountingAlloc};
use memsize::{heap_stats, SizeOf};
use parking_lot::{Mutex, ReentrantMutex, RwLock};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn contents_are_measured_and_guards_released() {
    let m = Mutex::new(vec![String::from("abc"); 10]);
    assert_eq!(heap_stats(&m).skipped, 0);
    assert!(m.try_lock().is_some(), "released");
    assert_heap_exact(m);
    let rw = RwLock::new(vec![vec![0u32; 7]; 3]);
    let reader = rw.read();
    assert_eq!(heap_stats(&rw).skipped, 0, "readers share");
    drop(reader);
    assert_heap_exact(rw);
    let re = ReentrantMutex::new(vec![1u8; 100]);
    let held = re.lock();
    assert_eq!(re.heap_size(), 100, "reentrant: this thread may");
    drop(held);
    assert_heap_exact(re);
    let nested = Arc::new(Mutex::new(vec![RwLock::new(String::from("x"))]));
    let inner = Arc::try_unwrap(nested).unwrap();
    assert_heap_exact(inner);
}

#[test]
fn a_lock_held_elsewhere_is_skipped() {
    let m = Arc::new(Mutex::new(vec![0u8; 64]));
    let guard = m.lock();
    let other = Arc::clone(&m);
    let stats = std::thread::spawn(move || heap_stats(&*other))
        .join()
        .unwrap();
    assert_eq!((stats.bytes, stats.skipped), (0, 1));
    let w = RwLock::new(vec![0u8; 64]);
    let writer = w.write();
    assert_eq!(heap_stats(&w).skipped, 1);
    drop((writer, guard));
    assert_eq!((*m).heap_size(), 64);
}

#[test]
fn locks_of_heap_free_contents_are_heap_free() {
    assert!(<Mutex<u64>>::is_heap_free());
    assert!(<RwLock<[u8; 4]>>::is_heap_free());
    let v: Vec<Mutex<u64>> = (0..100_000).map(Mutex::new).collect();
    let _held = v[1].lock();
    let stats = assert_no_alloc(|| heap_stats(&v));
    assert_eq!(
        (stats.bytes, stats.skipped),
        (v.capacity() * size_of::<Mutex<u64>>(), 0)
    );
}
