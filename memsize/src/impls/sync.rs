//! Locks of std.

use std::sync::{Mutex, RwLock, TryLockError};

use crate::{Context, SizeOf};

/// The contents are measured under `try_lock`, never `lock`: measuring never
/// blocks or deadlocks. A poisoned mutex is still measured. A mutex locked
/// elsewhere at the time (by another thread, or by the caller) has its
/// contents left out; its inline bytes count as part of its owner.
impl<T: SizeOf + ?Sized> SizeOf for Mutex<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let guard = match self.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let contents = cx.hold(guard);
        contents.add_heap(cx);
    }
}

/// Like `Mutex`: `try_read`, poisoned locks measured, contents left out
/// while a writer holds the lock.
impl<T: SizeOf + ?Sized> SizeOf for RwLock<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let guard = match self.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let contents = cx.hold(guard);
        contents.add_heap(cx);
    }
}
