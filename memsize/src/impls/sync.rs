//! Locks of std.
//!
//! # Lock policy
//!
//! A lock's contents are read under `try_lock`/`try_read`, never
//! `lock`/`read`: measuring never blocks indefinitely and never deadlocks,
//! even on a lock the measuring thread holds itself. The guard is held only
//! while the contents are traversed (their deferred work included) and
//! released right after, so a thread that wants one lock during a
//! measurement waits at most for that lock's own contents to be measured.
//!
//! A lock held elsewhere is retried before it is skipped: a short
//! exponential spin (about a microsecond), a few `yield_now`s, then naps of
//! 10 µs growing to 1 ms, until [`PER_LOCK`] (50 ms) has passed since the
//! first try. That rides out another thread's short critical section,
//! including another measurement holding the same lock for its contents,
//! and a holder that was preempted while holding it. A traversal spends at
//! most [`PER_TRAVERSAL`] (250 ms) waiting in all; past that, locks held
//! elsewhere are skipped at the first try. While it retries, the traversal
//! holds only the guards on the path to that lock (its outer locks), as
//! always. Contents skipped are
//! counted in [`HeapStats::skipped`](crate::HeapStats::skipped), so a
//! figure with holes in it says so. A poisoned lock is measured like any
//! other.

use std::sync::{Mutex, RwLock, TryLockError, TryLockResult};
use std::time::{Duration, Instant};

use crate::adapt::{via_adapter, AsGuard, Same, SizeOfAs};
use crate::{Context, SizeOf};

/// How long one lock held elsewhere is retried before it is skipped.
pub(crate) const PER_LOCK: Duration = Duration::from_millis(50);
/// How long one traversal waits for locks held elsewhere, in all.
pub(crate) const PER_TRAVERSAL: Duration = Duration::from_millis(250);

/// The time a traversal has spent waiting for locks.
#[derive(Default)]
pub(crate) struct LockWaits {
    spent: Duration,
}

/// Tries `attempt` until it gives a guard or the lock policy (see the module
/// docs) gives up. `attempt` returns `None` while the lock is held
/// elsewhere.
#[inline]
pub(crate) fn acquire<G>(
    cx: &mut Context<'_>,
    mut attempt: impl FnMut() -> Option<G>,
) -> Option<G> {
    match attempt() {
        Some(guard) => Some(guard),
        None => retry(cx.lock_waits(), attempt),
    }
}

#[cold]
#[inline(never)]
fn retry<G>(waits: &mut LockWaits, mut attempt: impl FnMut() -> Option<G>) -> Option<G> {
    if waits.spent >= PER_TRAVERSAL {
        return None;
    }
    for round in 0..8 {
        for _ in 0..(1u32 << round) {
            core::hint::spin_loop();
        }
        if let Some(guard) = attempt() {
            return Some(guard);
        }
    }
    let start = Instant::now();
    let budget = PER_LOCK.min(PER_TRAVERSAL - waits.spent);
    let mut nap = Duration::from_micros(10);
    let mut round = 0u32;
    loop {
        round += 1;
        // Yield first (the holder may be waiting for this core), then sleep
        // with a growing nap (the holder may have been preempted elsewhere).
        if round < 16 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(1));
        }
        let got = attempt();
        let waited = start.elapsed();
        if got.is_some() || waited >= budget {
            waits.spent += waited;
            return got;
        }
    }
}

/// A guard from a `try_*` call: poisoned locks are measured too, and `None`
/// means held elsewhere.
fn unpoisoned<G>(result: TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Locks of std, under the [lock policy](self): `Mutex` through
/// `try_lock`, `RwLock` through `try_read` (so concurrent readers, other
/// measurements included, never wait for each other). A lock around
/// contents that own no heap (`Mutex<u64>`) is heap-free: never locked,
/// and constant time inside a container. Unsized contents are covered for
/// slices and `str`.
macro_rules! locks {
    ($($lock:ident $try:ident,)*) => {$(
        impl<T, A: SizeOfAs<T>> SizeOfAs<$lock<T>> for $lock<A> {
            #[inline]
            fn add_heap_as<'a>(lock: &'a $lock<T>, cx: &mut Context<'a>) {
                if !A::is_heap_free_as() {
                    cx.add_guarded(move |cx| {
                        acquire(cx, || unpoisoned(lock.$try())).map(AsGuard::<A, _>::new)
                    });
                }
            }
            #[inline]
            fn is_heap_free_as() -> bool {
                A::is_heap_free_as()
            }
        }

        via_adapter! {
            [T: SizeOf] $lock<T> => $lock<Same>,
        }

        impl<T: SizeOf> SizeOf for $lock<[T]> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if !T::is_heap_free() {
                    cx.add_guarded(move |cx| acquire(cx, || unpoisoned(self.$try())));
                }
            }
        }

        impl SizeOf for $lock<str> {
            #[inline]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
        }
    )*};
}

locks! {
    Mutex try_lock,
    RwLock try_read,
}
