//! tokio's types against the allocator: heap-free state, locks held
//! elsewhere, cells, and each channel's shared state counted once across
//! its handles, with queued messages, several senders and histories.
#![cfg(feature = "tokio")]

use std::alloc::System;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use memsize::alloc::{assert_heap_exact, check_heap, measure, CountingAlloc};
use memsize::{heap_stats, heap_stats_all, SizeOf};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::sync::{Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, SetOnce};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// What building a value allocated, as (bytes, allocations), and the value.
fn built<R>(f: impl FnOnce() -> R) -> (R, (usize, usize)) {
    let (r, stats) = measure(f);
    assert_eq!(stats.deallocations, 0, "the build freed nothing");
    (
        r,
        (stats.bytes_allocated as usize, stats.allocations as usize),
    )
}

fn figures(s: memsize::HeapStats) -> (usize, usize) {
    assert_eq!(s.skipped, 0);
    (s.bytes, s.allocations)
}

/// [`assert_heap_exact`] for an mpsc channel's handles: the last sender's
/// drop writes the channel's close marker into the next slot, which
/// appends a block when the last one is full; the drop frees that block
/// too, and it is no part of the value measured.
#[track_caller]
fn assert_channel_exact<T: SizeOf>(handles: T) {
    let c = check_heap(handles);
    let own = &c.drop_stats;
    assert_eq!(
        (c.heap_bytes as u64, c.heap_allocations as u64),
        (
            c.freed_bytes - own.bytes_allocated,
            c.deallocations - own.allocations
        ),
        "{c}"
    );
}

/// Warms up the layout checks, whose allocations are their own.
fn warm() {
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let _ = heap_stats_all(&[&tx, &rx]);
}

#[test]
fn heap_free_types() {
    assert!(tokio::time::Instant::is_heap_free());
    assert!(Notify::is_heap_free());
    assert!(Semaphore::is_heap_free());
    assert!(Mutex::<u64>::is_heap_free());
    assert!(RwLock::<[u8; 4]>::is_heap_free());
    assert!(OnceCell::<u32>::is_heap_free());
    assert!(!Mutex::<String>::is_heap_free());
    let s = Semaphore::new(3);
    s.try_acquire().unwrap().forget();
    assert_heap_exact(s);
    assert_heap_exact(Notify::new());
    assert_heap_exact(vec![tokio::time::Instant::now(); 4]);
    assert_heap_exact(Mutex::new(7u64));
}

#[test]
fn locks_and_cells_own_their_contents() {
    assert_heap_exact(Mutex::new(vec![String::from("abc"); 3]));
    assert_heap_exact(RwLock::new(String::with_capacity(100)));
    let cell = OnceCell::new();
    assert_eq!(cell.heap_size(), 0);
    cell.set(vec![1u8; 40]).unwrap();
    assert_heap_exact(cell);
    let once = SetOnce::new();
    once.set(String::from("set once")).unwrap();
    assert_heap_exact(once);
    assert_heap_exact(SetOnce::<String>::new());
    // Readers share: a read guard held while measuring does not skip.
    let rw = RwLock::new(vec![0u32; 10]);
    let _read = rw.try_read().unwrap();
    assert_eq!(figures(heap_stats(&rw)), (40, 1));
}

#[test]
fn a_lock_held_by_another_thread_is_skipped() {
    let m = std::sync::Arc::new(Mutex::new(vec![0u8; 64]));
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let m = m.clone();
        std::thread::spawn(move || {
            let _guard = m.blocking_lock();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        })
    };
    held_rx.recv().unwrap();
    let stats = heap_stats(&*m);
    assert_eq!((stats.bytes, stats.allocations, stats.skipped), (0, 0, 1));
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(figures(heap_stats(&*m)), (64, 1));
}

#[test]
fn a_lock_held_by_another_task_is_skipped() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let lock = std::sync::Arc::new(RwLock::new(String::from("held by a task")));
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let task = rt.spawn({
        let lock = lock.clone();
        async move {
            let _guard = lock.write().await;
            held_tx.send(()).unwrap();
            release_rx.await.unwrap();
        }
    });
    held_rx.recv().unwrap();
    assert_eq!(heap_stats(&*lock).skipped, 1);
    release_tx.send(()).unwrap();
    rt.block_on(task).unwrap();
    assert_eq!(figures(heap_stats(&*lock)), (14, 1));
}

#[test]
fn barrier_owns_its_watch_channel() {
    warm();
    let (b, truth) = built(|| Barrier::new(3));
    assert_eq!(figures(heap_stats(&b)), truth);
    assert_eq!(truth.1, 1);
    assert_heap_exact(b);
}

/// mpsc's state and blocks, judged by what the channel's drop frees.
#[test]
fn mpsc_fresh_channels() {
    warm();
    let ((tx, rx), truth) = built(|| mpsc::channel::<u64>(8));
    assert_eq!(truth.1, 2, "the state block and the first block");
    assert_eq!(figures(heap_stats_all(&[&tx, &rx])), truth);
    // A fresh channel's sender sees both too.
    assert_eq!(figures(heap_stats(&tx)), truth);
    assert_eq!(figures(heap_stats(&rx)), truth);
    assert_channel_exact((tx, rx));

    let ((tx, rx), truth) = built(mpsc::unbounded_channel::<String>);
    assert_eq!(figures(heap_stats_all(&[&tx, &rx])), truth);
    assert_channel_exact((rx, tx));
}

#[test]
fn mpsc_several_senders_count_once() {
    warm();
    let (tx, rx) = mpsc::channel::<u64>(100);
    let (tx2, tx3, weak) = (tx.clone(), tx.clone(), tx.downgrade());
    assert_channel_exact((tx, tx2, tx3, weak, rx));
    let (tx, rx) = mpsc::unbounded_channel::<[u8; 3]>();
    let senders: Vec<_> = (0..10).map(|_| tx.clone()).collect();
    let weak = tx.downgrade();
    assert_channel_exact((senders, weak, rx, tx));
}

/// Messages of several sizes and alignments, queued over several blocks.
#[test]
fn mpsc_queued_messages_inline() {
    warm();
    #[derive(Clone, Copy)]
    #[repr(align(16))]
    struct Wide(#[allow(dead_code)] [u64; 3]);
    impl SizeOf for Wide {
        fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {}
        fn is_heap_free() -> bool {
            true
        }
    }
    for n in [0, 1, 31, 32, 33, 100, 1000] {
        let (tx, rx) = mpsc::unbounded_channel::<u8>();
        (0..n).for_each(|i| tx.send(i as u8).unwrap());
        assert_channel_exact((tx, rx));
        let (tx, rx) = mpsc::channel::<Wide>(2000);
        (0..n).for_each(|_| tx.try_send(Wide([1; 3])).unwrap());
        assert_channel_exact((tx, rx));
        let (tx, rx) = mpsc::unbounded_channel::<[u64; 9]>();
        (0..n).for_each(|_| tx.send([2; 9]).unwrap());
        assert_channel_exact((tx, rx));
        let (tx, rx) = mpsc::unbounded_channel::<()>();
        (0..n).for_each(|_| tx.send(()).unwrap());
        assert_channel_exact((tx, rx));
    }
}

/// Blocks are reused and freed as the receiver goes: the list the
/// receiver walks is always all of them.
#[test]
fn mpsc_histories() {
    warm();
    for (sent, received) in [(40, 40), (100, 70), (64, 1), (500, 499), (33, 0)] {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        for round in 0..3 {
            (0..sent).for_each(|i| tx.send(i + round).unwrap());
            (0..received).for_each(|_| {
                rx.try_recv().unwrap();
            });
        }
        // The receiver's view is all of the channel.
        let (one, all) = (heap_stats(&rx), heap_stats_all(&[&tx, &rx]));
        assert_eq!((one.bytes, one.allocations), (all.bytes, all.allocations));
        assert_channel_exact((tx, rx));
    }
    // Closed by its last sender's drop, whose close marker took a block.
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    (0..32).for_each(|i| tx.send(i.to_string()).unwrap());
    let ((), (block, one)) = built(|| drop(tx));
    assert_eq!(one, 1);
    assert!(block > 32 * size_of::<String>());
    assert_heap_exact(rx);
    let (tx, mut rx) = mpsc::channel::<u64>(64);
    for i in 0..2000 {
        tx.try_send(i).unwrap();
        if i % 3 != 0 {
            rx.try_recv().unwrap();
        }
        if i % 61 == 0 {
            while rx.try_recv().is_ok() {}
        }
    }
    assert_channel_exact((tx, rx));
}

/// Bound: a sender without its receiver sees the state block and the
/// last block only.
#[test]
fn mpsc_sender_alone_is_a_bound() {
    warm();
    let (tx, rx) = mpsc::unbounded_channel::<u64>();
    (0..100).for_each(|i| tx.send(i).unwrap());
    let all = heap_stats_all(&[&tx, &rx]);
    let alone = heap_stats(&tx);
    assert!(alone.bytes < all.bytes);
    // 100 messages fill four blocks, of which the sender sees the last.
    let block = (all.bytes - alone.bytes) / 3;
    assert_eq!(all.allocations - alone.allocations, 3);
    assert_eq!(alone.bytes - block, all.bytes - 4 * block);
    assert_channel_exact((tx, rx));
}

/// Queued messages' own heap is counted from the receiver, whose borrow
/// keeps them in place. Bound: a sender alone counts neither them nor the
/// blocks before the last.
#[test]
fn mpsc_queued_messages_heap() {
    warm();
    let (tx, mut rx) = mpsc::channel::<String>(200);
    // One block's size, from the allocator: the 33rd message's block.
    (0..32).for_each(|_| tx.try_send(String::new()).unwrap());
    let ((), (block, one)) = built(|| tx.try_send(String::new()).unwrap());
    assert_eq!(one, 1);
    let mut queued = 0;
    for i in 0..70 {
        let s = "x".repeat(i + 1);
        if i >= 10 {
            queued += s.capacity();
        }
        tx.try_send(s).unwrap();
    }
    for _ in 0..43 {
        rx.try_recv().unwrap();
    }
    // 103 messages in four blocks, of which the sender sees the last.
    let all = heap_stats_all(&[&tx, &rx]);
    let alone = heap_stats(&tx);
    assert_eq!(figures(heap_stats(&rx)), figures(all));
    assert_eq!(all.bytes - alone.bytes, 3 * block + queued);
    assert_eq!(all.allocations - alone.allocations, 3 + 60);
    assert_channel_exact((tx, rx));

    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u64>>();
    for round in 0..5 {
        (0..50).for_each(|i| tx.send(vec![round; i]).unwrap());
        (0..30).for_each(|_| {
            rx.try_recv().unwrap();
        });
    }
    assert_channel_exact((tx, rx));
}

#[test]
fn watch_value_and_state_once() {
    warm();
    let ((tx, rx), truth) = built(|| watch::channel(String::from("first value")));
    assert_eq!(truth.1, 2, "the state block and the string");
    assert_eq!(figures(heap_stats_all(&[&tx, &rx])), truth);
    assert_eq!(figures(heap_stats(&rx)), truth);
    let more: Vec<_> = (0..5).map(|_| rx.clone()).collect();
    tx.send_replace("a longer value than the first one".repeat(3));
    assert_heap_exact((tx, rx, more));
    let (tx, rx) = watch::channel(vec![0u64; 3]);
    tx.send_modify(|v| v.extend(0..100));
    let other = tx.clone();
    // A borrow held by this thread is a reader: measured, not skipped.
    let held = rx.borrow();
    assert_eq!(heap_stats_all(&[&tx, &rx, &other]).skipped, 0);
    drop(held);
    assert_heap_exact((tx, other, rx));
}

#[test]
fn watch_value_being_written_is_skipped() {
    warm();
    let (tx, rx) = watch::channel(String::from("value"));
    let block = heap_stats(&rx).bytes - 5;
    tx.send_modify(|_| {
        // The sender holds the value's write lock here.
        let stats = heap_stats(&rx);
        assert_eq!((stats.bytes, stats.skipped), (block, 1));
    });
    assert_eq!(heap_stats(&rx).skipped, 0);
}

#[test]
fn broadcast_buffer_and_unseen_messages() {
    warm();
    let ((tx, rx), truth) = built(|| broadcast::channel::<String>(5));
    assert_eq!(truth.1, 2, "the state block and the ring buffer");
    assert_eq!(figures(heap_stats_all(&[&tx, &rx])), truth);
    assert_eq!(figures(heap_stats(&tx)), truth);
    let mut rx2 = tx.subscribe();
    for i in 0..6 {
        tx.send(format!("message {i}")).unwrap();
    }
    // The slots hold the messages until both receivers saw them.
    let weak = tx.downgrade();
    assert_eq!(
        heap_stats_all(&[&tx, &rx, &rx2]),
        heap_stats_all(&[&weak, &tx, &rx, &rx2])
    );
    let truth = check_heap((tx.clone(), weak, rx.resubscribe(), tx.subscribe()));
    assert_eq!(
        truth.freed_bytes, 0,
        "the clones free nothing of the channel"
    );
    while rx2.try_recv().is_ok() {}
    let mut rx = rx;
    for _ in 0..3 {
        rx.try_recv().unwrap();
    }
    assert_heap_exact((tx, rx, rx2));
}

#[test]
fn broadcast_histories() {
    warm();
    let (tx, mut rx) = broadcast::channel::<Vec<u8>>(16);
    let mut lagging = tx.subscribe();
    for i in 0..200usize {
        tx.send(vec![0; i % 50]).unwrap();
        if i % 2 == 0 {
            let _ = rx.try_recv();
        }
    }
    let _ = lagging.try_recv(); // Lagged: skips ahead.
    assert_heap_exact((tx, rx, lagging));
}

#[test]
fn broadcast_messages_seen_by_all_leave_their_slots() {
    warm();
    let (tx, mut rx) = broadcast::channel::<String>(2);
    tx.send(String::from("seen")).unwrap();
    let whole = heap_stats(&tx);
    assert_eq!(whole.skipped, 0);
    // Once every receiver has seen it, the slot drops the message.
    rx.try_recv().unwrap();
    assert_eq!(heap_stats(&tx).bytes, whole.bytes - 4);
}

#[test]
fn oneshot_state_and_sent_value() {
    warm();
    let ((tx, rx), truth) = built(oneshot::channel::<String>);
    assert_eq!(truth.1, 1);
    assert_eq!(figures(heap_stats_all(&[&tx, &rx])), truth);
    assert_eq!(figures(heap_stats(&tx)), truth);
    assert_heap_exact((tx, rx));
    let (tx, rx) = oneshot::channel::<String>();
    tx.send("sent, not received".repeat(4)).unwrap();
    assert_heap_exact(rx);
    let (tx, mut rx) = oneshot::channel::<Vec<u8>>();
    tx.send(vec![1; 10]).unwrap();
    assert_eq!(rx.try_recv().unwrap().len(), 10);
    assert_eq!(figures(heap_stats(&rx)), (0, 0));
    let (tx, rx) = oneshot::channel::<String>();
    drop(tx);
    assert_heap_exact(rx);
}

/// mini-redis's `db.rs` state (MIT, tokio-rs/mini-redis), with its own
/// types: `std::sync::Mutex<State>`, `Notify`, `tokio::time::Instant`,
/// `broadcast::Sender<Bytes>` in a `HashMap`.
#[cfg(feature = "derive")]
mod mini_redis {
    use super::*;
    use bytes::Bytes;
    use std::sync::Arc;

    #[derive(SizeOf)]
    struct Shared {
        state: std::sync::Mutex<State>,
        background_task: Notify,
    }

    #[derive(SizeOf)]
    struct State {
        entries: HashMap<String, Entry>,
        pub_sub: HashMap<String, broadcast::Sender<Bytes>>,
        expirations: BTreeSet<(tokio::time::Instant, String)>,
        shutdown: bool,
    }

    #[derive(SizeOf)]
    struct Entry {
        data: Bytes,
        expires_at: Option<tokio::time::Instant>,
    }

    #[derive(SizeOf)]
    struct Db {
        shared: Arc<Shared>,
    }

    #[test]
    fn db_after_a_workload() {
        warm();
        let db = Db {
            shared: Arc::new(Shared {
                state: std::sync::Mutex::new(State {
                    entries: HashMap::new(),
                    pub_sub: HashMap::new(),
                    expirations: BTreeSet::new(),
                    shutdown: false,
                }),
                background_task: Notify::new(),
            }),
        };
        let now = tokio::time::Instant::now();
        let mut subscribers = Vec::new();
        {
            let mut state = db.shared.state.lock().unwrap();
            for i in 0..500usize {
                let key = format!("key:{}", i % 300);
                let expires_at = (i % 2 == 0).then(|| now + Duration::from_secs(i as u64));
                if let Some(when) = expires_at {
                    state.expirations.insert((when, key.clone()));
                }
                let data = Bytes::from(vec![b'v'; 16 + i * 7 % 4096]);
                state.entries.insert(key, Entry { data, expires_at });
            }
            for c in 0..10 {
                let (tx, rx) = broadcast::channel(1024);
                subscribers.push(rx);
                subscribers.push(tx.subscribe());
                for m in 0..c * 3 {
                    tx.send(Bytes::from(format!("message {m} on {c}"))).unwrap();
                }
                state.pub_sub.insert(format!("channel:{c}"), tx);
            }
        }
        // Unread messages sit in the channels' slots: measured exactly,
        // with the subscribers' handles.
        assert_eq!(heap_stats(&db).skipped, 0);
        assert_heap_exact((db, subscribers));
    }
}

/// A sender measured without its receiver is a bound, and says so: in
/// `HeapStats::bounds` and on the sender's line of a report.
#[test]
fn a_lone_sender_says_it_is_a_bound() {
    warm();
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    (0..100).for_each(|i| tx.send(i.to_string()).unwrap());
    assert_eq!(heap_stats(&tx).bounds, 1);
    assert_eq!(heap_stats(&rx).bounds, 0);
    let report = memsize::Report::new(&tx);
    assert_eq!(report.root().node().bounds.len(), 1);
    assert!(report.to_string().contains("(bound: "), "{report}");
    drop(rx);
}
