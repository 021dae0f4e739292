//! Synchronization primitives that guard no data, and thread ids.

use std::sync::{Barrier, Condvar, Once};
use std::thread::ThreadId;

use crate::{Context, SizeOf};

/// A `Once` is a state word and a `ThreadId` a number: no heap.
impl SizeOf for Once {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        true
    }
}

impl SizeOf for ThreadId {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        true
    }
}

/// Whether std's `Condvar` (and the `Mutex` inside a `Barrier`) is built
/// on futexes or the OS's own condition variables here, holding no heap.
/// Elsewhere (macOS, NetBSD, Solaris, ... use pthread objects) std boxes the
/// OS object on first use, a box these impls can't see and do not count.
/// Layout fact read from std 1.97 (`sys/sync/condvar/mod.rs`).
const INLINE_CONDVAR: bool = cfg!(any(
    all(target_os = "windows", not(target_vendor = "win7")),
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "fuchsia",
    target_os = "hermit",
    all(target_family = "wasm", target_feature = "atomics"),
));

/// No heap where the condition variable is inline (see `INLINE_CONDVAR`);
/// elsewhere, the box std makes on first use is not counted.
impl SizeOf for Condvar {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        INLINE_CONDVAR
    }
}

/// A `Barrier` is a `Mutex` of two counters and a `Condvar`: the same as a
/// `Condvar`.
impl SizeOf for Barrier {
    #[inline(always)]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free() -> bool {
        INLINE_CONDVAR
    }
}
