//! Usable sizes: what the allocator really reserved for a block, beside
//! the bytes asked for.

use super::{installed, CountingAlloc};
use core::alloc::Layout;
use std::sync::OnceLock;

/// An allocator that can tell the usable size of its blocks: the bytes it
/// reserved, at least the size asked for (glibc's `malloc` reserves 24
/// usable bytes for a 1-byte request, and rounds others up to 8 more than a
/// multiple of 16).
///
/// Wrap such an allocator with
/// [`CountingAlloc::with_usable_size`](super::CountingAlloc::with_usable_size)
/// and the measurements report usable bytes beside the requested ones.
///
/// Implemented for [`std::alloc::System`]: on Linux with glibc it asks
/// `malloc_usable_size`; elsewhere it answers `None` (the figures then say
/// the usable size is unknown instead of guessing).
///
/// # jemalloc, mimalloc and others
///
/// Both `UsableSize` and the allocator's type are foreign to the program,
/// so it wraps the allocator in a type of its own that forwards the four
/// `GlobalAlloc` methods and answers the usable size. The shape, shown
/// around `System` so that it runs anywhere:
///
/// ```
/// use std::alloc::{GlobalAlloc, Layout, System};
/// use memsize::alloc::{CountingAlloc, UsableSize};
///
/// struct MyAlloc;
///
/// // SAFETY: forwards every call unchanged.
/// unsafe impl GlobalAlloc for MyAlloc {
///     unsafe fn alloc(&self, l: Layout) -> *mut u8 {
///         unsafe { System.alloc(l) }
///     }
///     unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
///         unsafe { System.alloc_zeroed(l) }
///     }
///     unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
///         unsafe { System.dealloc(p, l) }
///     }
///     unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
///         unsafe { System.realloc(p, l, new_size) }
///     }
/// }
///
/// impl UsableSize for MyAlloc {
///     unsafe fn usable_size(&self, ptr: *mut u8, layout: Layout) -> Option<usize> {
///         // jemalloc (`tikv-jemallocator`):
///         //     Some(unsafe { tikv_jemallocator::usable_size(ptr) })
///         // mimalloc (`mimalloc`, feature `extended`):
///         //     Some(unsafe { mimalloc::MiMalloc.usable_size(ptr) })
///         // SAFETY: `ptr` is a live block of ours (the trait's contract).
///         unsafe { System.usable_size(ptr, layout) }
///     }
/// }
///
/// #[global_allocator]
/// static GLOBAL: CountingAlloc<MyAlloc> = CountingAlloc::with_usable_size(MyAlloc);
///
/// # fn main() {
/// let (v, stats) = memsize::alloc::measure(|| vec![0u8; 100]);
/// if let Some(usable) = stats.usable_bytes_allocated {
///     assert!(usable >= 100);
/// }
/// # drop(v);
/// # }
/// ```
///
/// Any allocator with a C `*_usable_size` function works the same way.
/// Answer `None` where the allocator can't tell for a block: the figures
/// then say "unknown".
pub trait UsableSize {
    /// The usable size of the block at `ptr`, allocated with `layout`: at
    /// least `layout.size()`. `None` when the allocator can't tell.
    ///
    /// # Safety
    ///
    /// `ptr` is a block currently allocated by `self` with `layout`, not
    /// yet freed.
    unsafe fn usable_size(&self, ptr: *mut u8, layout: Layout) -> Option<usize>;
}

impl UsableSize for std::alloc::System {
    #[inline]
    #[allow(unused_variables)] // `ptr` is unused where the answer is `None`.
    unsafe fn usable_size(&self, ptr: *mut u8, layout: Layout) -> Option<usize> {
        // `System` on Linux allocates with `malloc`, `calloc`, `realloc`
        // and, for alignments above 16 or above the size,
        // `posix_memalign`; glibc's `malloc_usable_size` answers for the
        // blocks of all four.
        #[cfg(all(target_os = "linux", target_env = "gnu", not(miri)))]
        {
            extern "C" {
                fn malloc_usable_size(ptr: *mut core::ffi::c_void) -> usize;
            }
            // SAFETY: the caller guarantees `ptr` is a live block of
            // `System`, that is of glibc's allocator.
            Some(unsafe { malloc_usable_size(ptr.cast()) })
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu", not(miri))))]
        {
            None
        }
    }
}

/// The usable-size hook of the global `CountingAlloc`, erased of its type.
pub(super) struct Hook {
    /// The global allocator (a static).
    alloc: *const (),
    /// `call_hook::<A>` for its `A`.
    call: unsafe fn(*const (), *mut u8, Layout) -> Option<usize>,
}

// SAFETY: `alloc` points to the global allocator, a `static` that is
// `Sync` (a `GlobalAlloc` is used from every thread), and `call` only reads
// through it.
unsafe impl Send for Hook {}
// SAFETY: as above.
unsafe impl Sync for Hook {}

/// Set once, by the probe of [`installed`], when the global allocator is a
/// `CountingAlloc` with a usable-size hook.
static GLOBAL_HOOK: OnceLock<Hook> = OnceLock::new();

/// Called by the `CountingAlloc` that saw the probe of [`installed`]: that
/// one is the global allocator (or part of it), a `static`. Neither
/// allocates nor blocks, except on another thread's probe.
pub(super) fn register_global<A>(alloc: &CountingAlloc<A>) {
    if alloc.usable.is_some() {
        let _ = GLOBAL_HOOK.set(Hook {
            alloc: (alloc as *const CountingAlloc<A>).cast(),
            call: call_hook::<A>,
        });
    }
}

/// # Safety
///
/// `alloc` is the `&'static CountingAlloc<A>` given to [`register_global`];
/// `ptr` is a live block of it with `layout`.
unsafe fn call_hook<A>(alloc: *const (), ptr: *mut u8, layout: Layout) -> Option<usize> {
    // SAFETY: `alloc` is a `CountingAlloc<A>` that lives forever (see
    // `register_global`).
    let alloc = unsafe { &*alloc.cast::<CountingAlloc<A>>() };
    // SAFETY: passed on from the caller.
    unsafe { alloc.usable_of(ptr, layout) }
}

/// The usable size of a live block of the global allocator: what the
/// installed [`CountingAlloc`]'s [`UsableSize`] hook says, or `None` when
/// the counting allocator is not installed, was made with
/// [`CountingAlloc::new`] (no hook), or its allocator can't tell.
///
/// ```
/// use std::alloc::{Layout, System};
/// use memsize::alloc::CountingAlloc;
///
/// #[global_allocator]
/// static GLOBAL: CountingAlloc<System> = CountingAlloc::with_usable_size(System);
///
/// # fn main() {
/// let b = Box::new(7u8);
/// // SAFETY: `b` is a live block of the global allocator with this layout.
/// let usable = unsafe { memsize::alloc::usable_size(&*b, Layout::new::<u8>()) };
/// if cfg!(all(target_os = "linux", target_env = "gnu")) {
///     assert_eq!(usable, Some(24));
/// }
/// # }
/// ```
///
/// # Safety
///
/// `ptr` is a block currently allocated by the global allocator with
/// `layout`, not yet freed.
pub unsafe fn usable_size(ptr: *const u8, layout: Layout) -> Option<usize> {
    if !installed() {
        return None;
    }
    let hook = GLOBAL_HOOK.get()?;
    // SAFETY: `hook` was registered by the global allocator for itself;
    // the caller vouches for `ptr` and `layout`.
    unsafe { (hook.call)(hook.alloc, ptr.cast_mut(), layout) }
}
