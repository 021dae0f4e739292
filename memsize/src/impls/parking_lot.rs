//! Locks of `parking_lot` 0.13 (and of any `lock_api` 0.5 lock: the impls
//! are on `lock_api`'s types, which `parking_lot` re-exports).
//!
//! They follow std's [lock policy](super::sync): contents are read under
//! `try_lock`/`try_read`, never blocking indefinitely; the guard is held
//! only while the contents are traversed; a lock held elsewhere is retried
//! briefly, then skipped and counted in
//! [`HeapStats::skipped`](crate::HeapStats::skipped). A `ReentrantMutex`
//! the measuring thread holds is measured (it is reentrant). No layout fact
//! is relied on: the locks own no heap of their own.

use parking_lot::lock_api::{GetThreadId, Mutex, RawMutex, RawRwLock, ReentrantMutex, RwLock};

use super::sync::acquire;
use crate::{Context, SizeOf};

/// Each lock, read through the one non-blocking call that shares it.
macro_rules! locks {
    ($([$($g:tt)*] $lock:ty, $try:ident;)*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "parking_lot")))]
        impl<$($g)*, T: SizeOf> SizeOf for $lock {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if !T::is_heap_free() {
                    cx.add_guarded(move |cx| acquire(cx, || self.$try()));
                }
            }
            #[inline]
            fn is_heap_free() -> bool {
                T::is_heap_free()
            }
        }
    )*};
}

locks! {
    [R: RawMutex] Mutex<R, T>, try_lock;
    [R: RawRwLock] RwLock<R, T>, try_read;
    [R: RawMutex, G: GetThreadId] ReentrantMutex<R, G, T>, try_lock;
}
