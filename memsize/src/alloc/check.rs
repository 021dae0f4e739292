//! Test assertions: a value's heap size against what its drop frees, and
//! code against an allocation budget.

use super::{measure, AllocStats};
use crate::SizeOf;
use core::fmt;

/// What [`check_heap`] found: a value's [`heap_stats`](crate::heap_stats)
/// next to what dropping it freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct HeapCheck {
    /// The value's [`heap_size`](SizeOf::heap_size).
    pub heap_bytes: usize,
    /// The number of allocations [`heap_stats`](crate::heap_stats) found.
    pub heap_allocations: usize,
    /// Bytes the value's drop gave back to the allocator.
    pub freed_bytes: u64,
    /// Deallocations the value's drop made.
    pub deallocations: u64,
    /// Everything the allocator counted during the drop.
    pub drop_stats: AllocStats,
}

impl HeapCheck {
    /// True when the drop freed exactly the bytes and allocations the value
    /// reported, and allocated nothing while doing so.
    pub fn is_exact(&self) -> bool {
        self.freed_bytes == self.heap_bytes as u64
            && self.deallocations == self.heap_allocations as u64
            && self.drop_stats.allocations == 0
            && self.drop_stats.reallocations == 0
    }

    /// `freed_bytes - heap_bytes`: positive when the value owns more than it
    /// reports.
    pub fn byte_difference(&self) -> i128 {
        i128::from(self.freed_bytes) - self.heap_bytes as i128
    }

    /// `deallocations - heap_allocations`.
    pub fn allocation_difference(&self) -> i128 {
        i128::from(self.deallocations) - self.heap_allocations as i128
    }
}

impl fmt::Display for HeapCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  expected (heap_stats): {} bytes in {} allocations",
            self.heap_bytes, self.heap_allocations
        )?;
        writeln!(
            f,
            "  actual (freed by drop): {} bytes in {} deallocations",
            self.freed_bytes, self.deallocations
        )?;
        write!(
            f,
            "  difference (actual - expected): {:+} bytes, {:+} allocations",
            self.byte_difference(),
            self.allocation_difference()
        )?;
        if self.drop_stats.allocations != 0 || self.drop_stats.reallocations != 0 {
            write!(
                f,
                "\n  the drop itself allocated: {} allocations, {} reallocations",
                self.drop_stats.allocations, self.drop_stats.reallocations
            )?;
        }
        Ok(())
    }
}

/// Measures `value`'s heap with [`heap_stats`](crate::heap_stats), then drops
/// it under a measurement, and returns both figures.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// use memsize::{Context, SizeOf};
///
/// struct Blob(Box<[u8]>);
/// impl SizeOf for Blob {
///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
///         let layout = core::alloc::Layout::for_value(&*self.0);
///         cx.add_alloc(self.0.as_ptr(), layout);
///     }
/// }
///
/// let check = memsize::alloc::check_heap(Blob(vec![0u8; 100].into_boxed_slice()));
/// assert!(check.is_exact());
/// assert_eq!(check.freed_bytes, 100);
/// # }
/// ```
///
/// The value must own its heap alone: an allocation it shares with another
/// owner (an `Rc` held elsewhere) is reported by
/// [`heap_stats`](crate::heap_stats) but not freed by the drop.
///
/// # Panics
///
/// If the counting allocator is not the global allocator.
#[track_caller]
pub fn check_heap<T: SizeOf>(value: T) -> HeapCheck {
    let heap = crate::heap_stats(&value);
    let ((), drop_stats) = measure(move || drop(value));
    HeapCheck {
        heap_bytes: heap.bytes,
        heap_allocations: heap.allocations,
        freed_bytes: drop_stats.bytes_freed,
        deallocations: drop_stats.deallocations,
        drop_stats,
    }
}

/// Asserts that `value`'s [`heap_size`](SizeOf::heap_size) and allocation
/// count are exactly what dropping it gives back to the allocator.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// use memsize::{Context, SizeOf};
///
/// struct Undercounted(Box<[u8]>);
/// impl SizeOf for Undercounted {
///     fn add_heap<'a>(&'a self, _: &mut Context<'a>) {} // forgets its buffer
/// }
///
/// let r = std::panic::catch_unwind(|| {
///     memsize::alloc::assert_heap_exact(Undercounted(vec![0u8; 64].into_boxed_slice()))
/// });
/// assert!(r.is_err()); // "difference (actual - expected): +64 bytes, +1 allocations"
/// # }
/// ```
///
/// # Panics
///
/// When the figures differ (the message shows both and the difference), or
/// if the counting allocator is not the global allocator.
#[track_caller]
pub fn assert_heap_exact<T: SizeOf>(value: T) {
    let type_name = core::any::type_name::<T>();
    let check = check_heap(value);
    if !check.is_exact() {
        panic!("heap_size() of `{type_name}` is not what its drop frees:\n{check}");
    }
}

/// Runs `f` and asserts that it did not allocate or reallocate at all on
/// this thread. Returns `f`'s value.
///
/// The figures are recorded while `f` runs and the assertion fails after it
/// returns, so it works under `#[should_panic]` and the panic message is
/// never lost in an allocator call.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// let v = vec![3, 1, 2];
/// let sum = memsize::alloc::assert_no_alloc(|| v.iter().sum::<i32>());
/// assert_eq!(sum, 6);
/// # }
/// ```
///
/// # Panics
///
/// If `f` allocated or reallocated, or if the counting allocator is not the
/// global allocator.
#[track_caller]
pub fn assert_no_alloc<R>(f: impl FnOnce() -> R) -> R {
    let (r, stats) = measure(f);
    if stats.allocations != 0 || stats.reallocations != 0 {
        fail(
            "the code allocated, but no allocation was expected",
            "0 allocations, 0 reallocations",
            format_args!(
                "{} allocations, {} reallocations ({} bytes)",
                stats.allocations, stats.reallocations, stats.bytes_allocated
            ),
            format_args!(
                "{:+} allocations, {:+} reallocations",
                stats.allocations, stats.reallocations
            ),
            &stats,
        );
    }
    r
}

/// Runs `f` and asserts that it made exactly `expected` allocations on this
/// thread (reallocations are not allocations). Returns `f`'s value.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// let names = memsize::alloc::assert_allocations(3, || {
///     vec![String::from("a"), String::from("b")]
/// });
/// # drop(names);
/// # }
/// ```
///
/// # Panics
///
/// If the count differs (the message shows both figures and the
/// difference), or if the counting allocator is not the global allocator.
#[track_caller]
pub fn assert_allocations<R>(expected: u64, f: impl FnOnce() -> R) -> R {
    let (r, stats) = measure(f);
    if stats.allocations != expected {
        fail(
            "wrong number of allocations",
            format_args!("{expected} allocations"),
            format_args!("{} allocations", stats.allocations),
            format_args!(
                "{:+} allocations",
                i128::from(stats.allocations) - i128::from(expected)
            ),
            &stats,
        );
    }
    r
}

/// Runs `f` and asserts that it asked the allocator for at most `max`
/// bytes on this thread ([`AllocStats::bytes_allocated`]: allocations plus the
/// new size of each reallocation). Returns `f`'s value.
///
/// ```
/// # #[global_allocator]
/// # static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
/// #     memsize::alloc::CountingAlloc::new(std::alloc::System);
/// # fn main() {
/// let v = memsize::alloc::assert_bytes_at_most(1024, || Vec::<u64>::with_capacity(128));
/// # drop(v);
/// # }
/// ```
///
/// # Panics
///
/// If more bytes were allocated (the message shows both figures and the
/// difference), or if the counting allocator is not the global allocator.
#[track_caller]
pub fn assert_bytes_at_most<R>(max: u64, f: impl FnOnce() -> R) -> R {
    let (r, stats) = measure(f);
    if stats.bytes_allocated > max {
        fail(
            "the code allocated more bytes than allowed",
            format_args!("at most {max} bytes"),
            format_args!("{} bytes", stats.bytes_allocated),
            format_args!("{:+} bytes", stats.bytes_allocated - max),
            &stats,
        );
    }
    r
}

#[cold]
#[track_caller]
fn fail(
    what: &str,
    expected: impl fmt::Display,
    actual: impl fmt::Display,
    difference: impl fmt::Display,
    stats: &AllocStats,
) -> ! {
    panic!(
        "{what}\n  expected:   {expected}\n  actual:     {actual}\n  \
         difference: {difference}\n  all figures: {stats}"
    )
}
