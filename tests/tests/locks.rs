//! Locks and cells under concurrency: guards are held only while their
//! contents are traversed, concurrent measurements of the same data are
//! both exact, a lock held elsewhere is skipped (and said so) rather than
//! waited for, and cells around heap-free contents are never touched.
#![cfg(feature = "std")]

use std::alloc::System;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use memsize::alloc::{assert_heap_exact, assert_no_alloc, measure, CountingAlloc};
use memsize::{heap_stats, Context, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

type Shared = Arc<Vec<Arc<Mutex<Vec<u8>>>>>;

fn shared_mutexes(n: usize) -> (Shared, usize) {
    let (data, stats) = measure(|| {
        Arc::new(
            (0..n)
                .map(|i| Arc::new(Mutex::new(vec![0u8; i % 7])))
                .collect::<Vec<_>>(),
        )
    });
    (data, stats.net_bytes as usize)
}

#[test]
fn two_concurrent_measurements_are_both_exact() {
    let (data, expected) = shared_mutexes(100_000);
    assert_eq!(data.heap_size(), expected);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let data = Arc::clone(&data);
            std::thread::spawn(move || (0..10).map(|_| heap_stats(&data)).collect::<Vec<_>>())
        })
        .collect();
    for t in threads {
        for stats in t.join().unwrap() {
            assert_eq!(stats.skipped, 0);
            assert_eq!(stats.bytes, expected);
        }
    }
}

#[test]
fn measurements_and_a_busy_worker_share_the_locks() {
    // A worker keeps locking and changing mutexes while two measurements
    // run: each measurement reaches every lock (the worker's critical
    // sections are short), and once the worker is done the figure is exact.
    let (data, _) = shared_mutexes(20_000);
    let stop = Arc::new(AtomicUsize::new(0));
    let worker = {
        let (data, stop) = (Arc::clone(&data), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut i = 0;
            while stop.load(Ordering::Relaxed) == 0 {
                let mut v = data[i % data.len()].lock().unwrap();
                v.push(1);
                v.pop();
                i += 7;
            }
        })
    };
    let measurers: Vec<_> = (0..2)
        .map(|_| {
            let data = Arc::clone(&data);
            std::thread::spawn(move || (0..5).map(|_| heap_stats(&data).skipped).sum::<usize>())
        })
        .collect();
    for m in measurers {
        assert_eq!(m.join().unwrap(), 0, "a lock was skipped");
    }
    stop.store(1, Ordering::Relaxed);
    worker.join().unwrap();
    let data = Arc::try_unwrap(data).unwrap();
    assert_heap_exact(data);
}

/// Checks, while its own lock is held by the traversal, that every sibling
/// lock is free: the traversal holds no guard but those on the path to what
/// it is measuring.
struct Probe {
    siblings: Arc<OnceLock<Vec<Weak<Mutex<Probe>>>>>,
    me: usize,
    payload: Vec<u8>,
}

static HELD_SIBLINGS: AtomicUsize = AtomicUsize::new(0);
static PROBED: AtomicUsize = AtomicUsize::new(0);

impl SizeOf for Probe {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        PROBED.fetch_add(1, Ordering::Relaxed);
        for (i, s) in self.siblings.get().unwrap().iter().enumerate() {
            let s = s.upgrade().unwrap();
            let free = s.try_lock().is_ok();
            if i == self.me && free {
                panic!("the probe's own lock is not held while it is measured");
            }
            if i != self.me && !free {
                HELD_SIBLINGS.fetch_add(1, Ordering::Relaxed);
            }
        }
        cx.add_field("siblings", &self.siblings);
        cx.add_field("payload", &self.payload);
    }
}

fn probes(n: usize) -> Vec<Arc<Mutex<Probe>>> {
    let siblings = Arc::new(OnceLock::new());
    let v: Vec<_> = (0..n)
        .map(|me| {
            Arc::new(Mutex::new(Probe {
                siblings: Arc::clone(&siblings),
                me,
                payload: vec![1; me],
            }))
        })
        .collect();
    siblings
        .set(v.iter().map(Arc::downgrade).collect())
        .unwrap();
    v
}

struct Level {
    probes: Vec<Arc<Mutex<Probe>>>,
    next: Option<Arc<Mutex<Level>>>,
}

impl SizeOf for Level {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("probes", &self.probes);
        cx.add_field("next", &self.next);
    }
}

#[test]
fn a_guard_is_released_as_soon_as_its_contents_are_done() {
    // Levels of locks 300 deep, past the depth where the traversal defers,
    // each with sibling locks: at every depth, no sibling is still held.
    let (chain, stats) = measure(|| {
        let mut next = None;
        for _ in 0..300 {
            next = Some(Arc::new(Mutex::new(Level {
                probes: probes(4),
                next,
            })));
        }
        next
    });
    let before = PROBED.load(Ordering::Relaxed);
    assert_eq!(chain.heap_size() as i64, stats.net_bytes);
    assert_eq!(PROBED.load(Ordering::Relaxed) - before, 300 * 4);
    assert_eq!(HELD_SIBLINGS.load(Ordering::Relaxed), 0);
    // And every lock is free again afterwards.
    let mut next = chain;
    while let Some(level) = next {
        for p in &level.lock().unwrap().probes {
            assert!(p.try_lock().is_ok());
        }
        next = level.lock().unwrap().next.take();
    }
}

#[test]
fn a_lock_held_elsewhere_is_skipped_and_counted() {
    let m = Arc::new(Mutex::new(vec![0u8; 100]));
    let held = Arc::clone(&m);
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _guard = held.lock().unwrap();
        locked_tx.send(()).unwrap();
        done_rx.recv().unwrap();
    });
    locked_rx.recv().unwrap();
    let stats = heap_stats(&*m);
    assert_eq!((stats.bytes, stats.allocations, stats.skipped), (0, 0, 1));
    // A whole container of held locks gives up quickly, each counted.
    let v: Vec<_> = (0..1000).map(|_| Arc::clone(&m)).collect();
    assert_eq!(heap_stats(&v).skipped, 1, "shared: reached once");
    done_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(heap_stats(&*m).skipped, 0);
    assert_eq!((*m).heap_size(), 100);
}

#[test]
fn the_measuring_thread_may_hold_the_lock_itself() {
    let m = Mutex::new(vec![0u8; 10]);
    let guard = m.lock().unwrap();
    let stats = heap_stats(&m);
    assert_eq!((stats.bytes, stats.skipped), (0, 1));
    drop(guard);
    let rw = RwLock::new(vec![0u8; 10]);
    let read = rw.read().unwrap();
    assert_eq!(rw.heap_size(), 10, "readers share");
    drop(read);
    let cell = RefCell::new(vec![0u8; 10]);
    let borrowed = cell.borrow_mut();
    assert_eq!(heap_stats(&cell).skipped, 1);
    drop(borrowed);
    assert_eq!(heap_stats(&cell).skipped, 0);
    assert_heap_exact(cell);
}

#[test]
fn cells_and_locks_of_heap_free_contents_are_heap_free() {
    assert!(<Mutex<u64>>::is_heap_free());
    assert!(<RefCell<(u32, u32)>>::is_heap_free());
    assert!(<RwLock<[u8; 16]>>::is_heap_free());
    assert!(!<Mutex<Vec<u8>>>::is_heap_free());
    let v: Vec<Mutex<u64>> = (0..1_000_000).map(Mutex::new).collect();
    // Even with one of them locked: none is touched.
    let _guard = v[5].lock().unwrap();
    let stats = assert_no_alloc(|| heap_stats(&v));
    assert_eq!(stats.skipped, 0);
    assert_eq!(stats.bytes, v.capacity() * size_of::<Mutex<u64>>());
    let cells: Vec<RefCell<(u32, u32)>> = vec![RefCell::new((1, 2)); 1000];
    let _b = cells[3].borrow_mut();
    assert_eq!(heap_stats(&cells).skipped, 0);
}
