//! How much memory a value really uses, exact to the byte.
//!
//! ```
//! use memsize::SizeOf;
//!
//! let names: Vec<String> = vec!["ada".into(), "grace".into()];
//! // Inline bytes: the Vec's pointer, capacity and length.
//! assert_eq!(names.shallow_size(), 3 * core::mem::size_of::<usize>());
//! // Plus every heap byte it owns: the buffer of two Strings, and their bytes.
//! let heap = names.capacity() * core::mem::size_of::<String>() + 3 + 5;
//! assert_eq!(names.deep_size(), names.shallow_size() + heap);
//! assert_eq!(names.heap_size(), heap);
//! ```
//!
//! # What is counted
//!
//! - [`shallow_size`](SizeOf::shallow_size) is the value's inline bytes,
//!   always `core::mem::size_of_val(value)` (Python's `sys.getsizeof`).
//! - [`heap_size`](SizeOf::heap_size) is the sum of the [`Layout::size`](core::alloc::Layout::size)
//!   of every allocation the value owns: the bytes the allocator was asked
//!   for. Capacity counts, not length. Zero-sized types and empty collections
//!   that never allocated own nothing.
//! - [`deep_size`](SizeOf::deep_size) is the two together (Python's
//!   `pympler.asizeof`).
//! - An allocation shared through `Rc` or `Arc` is counted once per call,
//!   however many owners the call reaches, and cycles end.
//! - References, raw pointers, `fn` pointers and `Weak` own nothing when
//!   stored in a value; the methods called on a reference measure what it
//!   points to (see [`SizeOf`]).
//! - A trait object of core (`Box<dyn Error>`, `Arc<dyn Any + Send>`,
//!   `Box<dyn Fn(&str) -> bool>`) counts its own block, whose layout the
//!   vtable knows; what it owns beyond that can't be seen through the trait
//!   and is not counted. Use your own trait with `SizeOf` as a supertrait to
//!   count it. The same holds for the error inside an `io::Error`.
//! - A `Cell` of a value that owns heap, and a `LazyCell` or `LazyLock`,
//!   can't be read without moving the value out or forcing it: what they
//!   own is not counted.
//! - Locks and cells are read without blocking indefinitely or panicking:
//!   `try_lock`, `try_read`, `try_borrow`. Each guard is held only while its
//!   own contents are measured, so another thread that wants one lock during
//!   a measurement waits at most for that lock's contents, and two
//!   measurements of the same data never get in each other's way. A lock
//!   held elsewhere is retried briefly (up to 50 ms, and 250 ms for a whole
//!   traversal) and then skipped; a `RefCell` mutably borrowed is skipped at
//!   once. What is skipped is counted in [`HeapStats::skipped`], never
//!   silently left out. Cells and locks around contents that own no heap
//!   (`Mutex<u64>`, `RefCell<(u32, u32)>`) are never touched.
//! - The allocator's own rounding and bookkeeping are not counted: the
//!   figure is what was asked for. The counting allocator in
//!   [`alloc`] measures exactly that figure, which is how the
//!   tests prove every implementation right.
//!
//! # Cost
//!
//! Containers whose element type owns no heap (`Vec<u64>`, `Box<[f32]>`,
//! `[u8; 4096]`, `VecDeque<(u32, u16)>`, `HashMap<u32, u64>`, `LinkedList<u8>`)
//! are measured in constant time, decided by the element type
//! ([`SizeOf::is_heap_free`]). Other containers are visited element by
//! element, within a few tens of percent of a hand-written loop (see
//! `benches/` in the repository). One exception pays a walk over the
//! elements for exactness even when they own no heap: `BTreeMap`/`BTreeSet`,
//! whose node count depends on their history and can only be read from where
//! the keys lie.
//!
//! `deep_size` never panics, never blocks, and never overflows the stack:
//! past a fixed amount of machine stack (64 KiB from where it started) the
//! traversal continues from a work list on the heap.
//!
//! # Cargo features
//!
//! - `std` (default): implementations for std-only types (`HashMap`,
//!   `Mutex`, paths, ...), the counting allocator, and the [`registry`] of
//!   a running program's roots (reports on demand, a debug endpoint). Without it the crate
//!   is `no_std` and needs only `alloc`.
//! - `derive` (default): `#[derive(SizeOf)]`.
//! - `alloc-sites`: allocation sites (backtraces) in the counting allocator.
//! - `serde`: `Serialize` and `Deserialize` for [`Report`] (its JSON form,
//!   see [`report`](crate::report#json)).
//! - `inferno`: `Report::write_flamegraph`, a report as an SVG flame graph.
//! - `metrics`: the roots of the [`registry`] (a running program's state,
//!   registered by name) published as gauges through the `metrics` facade.
//! - `pprof`: `Report::write_pprof` and, with `alloc-sites`,
//!   `Snapshot::write_pprof`: gzipped pprof profiles for `go tool pprof`.
//! - Third-party crates, one feature each, named after the crate and off by
//!   default: `hashbrown`, `indexmap`, `smallvec`, `arrayvec`, `tinyvec`,
//!   `thin-vec`, `bytes`, `slab`, `compact_str`, `smol_str`, `ecow`,
//!   `triomphe`, `parking_lot`, `dashmap`, `tokio`, `once_cell`, `arc-swap`,
//!   `arcstr`, `prost-types`, `bumpalo`, `slotmap`, `petgraph`, `lru`,
//!   `hashlink`, `bitvec`, `roaring`, `semver`, `smartstring`,
//!   `rust_decimal`, `heapless`, `num-bigint`, `nalgebra`, `ndarray`, `http`,
//!   `crossbeam-queue`, `jiff`, `imbl`, and the hashers of `ahash`,
//!   `foldhash`, `rustc-hash`, `xxhash-rust`, `twox-hash`, `gxhash`, `fnv` and
//!   `seahash`.
//!   Maps count their hasher, so a map's `S` implements `SizeOf` too.
//! - Messages generated by prost-build: prost's messages, oneofs and
//!   enumerations are plain structs and enums, measured exactly by the
//!   derive. `Config::type_attribute(".", "#[derive(memsize::SizeOf)]")`
//!   adds it to every generated type; fields of the well-known types need
//!   the `prost-types` feature, `bytes` fields the `bytes` feature.
//!
//! # MSRV
//!
//! Rust 1.85, with every feature but `parking_lot` (Rust 1.95) and
//! `roaring` (Rust 1.90).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]

extern crate alloc as std_alloc;
#[cfg(feature = "std")]
extern crate std;

/// One place every implementation file imports from, so `std` and
/// `no_std` builds name the same things.
mod lib {
    pub use core::alloc::Layout;
    pub use core::mem::size_of;
    pub use std_alloc::boxed::Box;
    pub use std_alloc::vec;
    pub use std_alloc::vec::Vec;
}

pub mod adapt;
mod context;
mod impls;
pub mod report;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod registry;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod alloc;

pub use context::{Context, HeapStats};
pub use report::Report;

#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use memsize_derive::SizeOf;

/// How big a value is: its inline bytes, and every heap byte it owns.
///
/// Implement it with `#[derive(SizeOf)]` (feature `derive`), or by hand:
/// write [`add_heap`](Self::add_heap), and [`is_heap_free`](Self::is_heap_free)
/// where the type never owns heap memory.
///
/// ```
/// use memsize::{Context, SizeOf};
///
/// struct Buffer {
///     data: Vec<u8>,
///     label: String,
/// }
///
/// impl SizeOf for Buffer {
///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
///         cx.add_field("data", &self.data);
///         cx.add_field("label", &self.label);
///     }
/// }
///
/// let b = Buffer { data: Vec::with_capacity(100), label: "hi".to_string() };
/// assert_eq!(b.heap_size(), 100 + 2);
/// ```
///
/// The trait is dyn-compatible: `Box<dyn SizeOf>` and `Box<dyn MyTrait>`
/// with `trait MyTrait: SizeOf` measure the value they point to.
///
/// # References
///
/// Methods called on a reference measure what it points to; a reference
/// stored in a value owns nothing. So in
/// `names.iter().filter(|s| s.heap_size() > 50)`, where `s` is a
/// `&&String`, `heap_size` measures the `String`, as auto-deref would; while
/// `Vec<&String>` owns only its buffer of references, and a struct with a
/// `&'a str` field owns nothing through it. (`&T` implements `SizeOf` when
/// `T` does; skip a reference to a type without it with
/// `#[memsize(skip)]`.)
///
/// ```
/// use memsize::SizeOf;
///
/// let names = vec![String::from("ada"), "x".repeat(100)];
/// let long: Vec<&String> = names.iter().filter(|s| s.heap_size() > 50).collect();
/// assert_eq!(long, [&names[1]]);
/// // The references are stored in `long`: it owns only its buffer.
/// assert_eq!(long.heap_size(), long.capacity() * core::mem::size_of::<&String>());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `memsize::SizeOf`",
    label = "memsize can't measure the heap of `{Self}`",
    note = "for a type of another crate, measure the field through an adapter: `#[memsize(as = \"HeapFree\")]` if it owns no heap, also inside containers (`as = \"Vec<HeapFree>\"`, `as = \"HashMap<_, MyAdapter>\"`, see `memsize::adapt`), or use `#[memsize(add_heap = path)]` or `#[memsize(skip)]`; enable memsize's feature for the crate if it has one; for a type of your own, `#[derive(SizeOf)]` or implement `SizeOf`"
)]
pub trait SizeOf {
    /// Adds every allocation this value owns to `cx`: its own allocations
    /// with [`Context::add_alloc`] or [`Context::add_shared`], and the heap of
    /// its parts with [`Context::add`].
    ///
    /// This is the one method implementors write. Add nothing for the
    /// value's inline bytes: they are the caller's.
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>);

    /// True when no value of this type ever owns heap memory, so a container
    /// of them is measured from its capacity alone, without visiting the
    /// elements. The default is false; primitives, `Option<u64>`, tuples and
    /// arrays of such, and derived types whose fields are all heap-free, say
    /// true.
    ///
    /// Saying true for a type that can own heap memory makes containers of it
    /// undercount.
    #[inline]
    fn is_heap_free() -> bool
    where
        Self: Sized,
    {
        false
    }

    /// The value's inline bytes: always `core::mem::size_of_val(self)`, like
    /// Python's `sys.getsizeof`.
    #[inline]
    fn shallow_size(&self) -> usize {
        core::mem::size_of_val(self)
    }

    /// The bytes of every allocation the value owns, each shared allocation
    /// once: `deep_size() - shallow_size()`.
    ///
    /// A figure can leave something out: contents behind a lock held
    /// elsewhere or a `RefCell` borrowed mutably (counted in
    /// [`HeapStats::skipped`]), and what a documented bound of a foreign
    /// type does not reach (counted in [`HeapStats::bounds`]); fields left
    /// out with `#[memsize(skip)]` are the type's choice. To learn that
    /// something was left out, call [`heap_stats`](Self::heap_stats); to
    /// learn where, build a [`Report`], which shows each on its own line.
    #[inline]
    fn heap_size(&self) -> usize {
        self.heap_stats().bytes
    }

    /// The heap the value owns: bytes and number of allocations, each shared
    /// allocation once. [`heap_size`](Self::heap_size) is its `bytes`.
    ///
    /// ```
    /// use memsize::SizeOf;
    ///
    /// let v = vec![String::from("a"), String::from("bc")];
    /// let stats = v.heap_stats();
    /// assert_eq!(stats.allocations, 3);
    /// assert_eq!(stats.bytes, v.heap_size());
    /// ```
    #[inline]
    fn heap_stats(&self) -> HeapStats {
        Context::measure(self)
    }

    /// Inline bytes plus every heap byte the value owns, each shared
    /// allocation once, like Python's `pympler.asizeof`.
    #[inline]
    fn deep_size(&self) -> usize {
        self.shallow_size().saturating_add(self.heap_size())
    }

    /// The name reports give the value's type: `core::any::type_name`,
    /// except for a value measured through an adapter
    /// ([`adapt::As`]), named after the value's own type.
    #[doc(hidden)]
    #[inline]
    fn __type_name(&self) -> &'static str {
        core::any::type_name::<Self>()
    }

    /// Adds the value as one of the roots of a measurement
    /// ([`heap_stats_all`], [`Report::new`], [`ReportBuilder::root`]): for
    /// most types its [`add_heap`](Self::add_heap), and for a reference
    /// what it points to, the way the methods above measure the referent.
    /// Not meant to be called or written by hand.
    ///
    /// [`ReportBuilder::root`]: crate::report::ReportBuilder::root
    #[doc(hidden)]
    #[inline]
    fn __add_root<'a>(&'a self, cx: &mut Context<'a>, name: Option<crate::context::Name>) {
        cx.add_root(self, name);
    }
}

/// The heap a value owns: bytes and number of allocations, each shared
/// allocation once.
///
/// ```
/// let v = vec![String::from("a"), String::from("bc")];
/// let stats = memsize::heap_stats(&v);
/// assert_eq!(stats.allocations, 3);
/// assert_eq!(stats.bytes, v.capacity() * core::mem::size_of::<String>() + 1 + 2);
/// ```
pub fn heap_stats<T: SizeOf + ?Sized>(value: &T) -> HeapStats {
    value.heap_stats()
}

/// The heap several values own together, measured in one traversal: each
/// allocation shared between them (an `Rc` two caches hold) counted once.
/// The way to measure all of a program's state at once; their deep size is
/// this plus each value's `shallow_size()`. [`Report::builder`] gives the
/// same, by path.
///
/// ```
/// use std::rc::Rc;
///
/// let shared = Rc::new(vec![0u8; 1000]);
/// let (a, b) = (vec![Rc::clone(&shared)], vec![Rc::clone(&shared)]);
/// let both = memsize::heap_stats_all(&[&a, &b]);
/// // Each buffer of one Rc, and the shared block and vector once.
/// let block = 2 * size_of::<usize>() + size_of::<Vec<u8>>();
/// assert_eq!(both.bytes, 2 * size_of::<Rc<Vec<u8>>>() + block + 1000);
/// assert!(both.bytes < memsize::heap_stats(&a).bytes + memsize::heap_stats(&b).bytes);
/// ```
pub fn heap_stats_all(values: &[&dyn SizeOf]) -> HeapStats {
    Context::measure_all(values)
}

/// The README's examples, compiled and run as doctests.
#[cfg(all(doctest, feature = "std", feature = "derive"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[doc(hidden)]
pub mod __private {
    //! Used by the code `#[derive(SizeOf)]` generates; not a public API.
    pub use core;

    use crate::{Context, SizeOf};
    use core::mem::ManuallyDrop;

    /// Adds a sized field: nothing at all for a type that owns no heap (the
    /// report records its inline bytes), else [`Context::add_field`].
    #[inline(always)]
    pub fn field<'a, T: SizeOf + 'a>(cx: &mut Context<'a>, name: &'static str, value: &'a T) {
        if T::is_heap_free() {
            cx.add_inline_field(name, value);
        } else {
            cx.add_field(name, value);
        }
    }

    /// Adds a sized field measured through the adapter `A` of
    /// `#[memsize(as = "...")]`.
    #[inline(always)]
    pub fn field_as<'a, A: crate::adapt::SizeOfAs<T>, T: 'a>(
        cx: &mut Context<'a>,
        name: &'static str,
        value: &'a T,
    ) {
        field(cx, name, crate::adapt::As::<A, T>::new(value));
    }

    /// A field left out with `#[memsize(skip)]`, for reports to show.
    #[inline(always)]
    pub fn skipped_field<T: ?Sized>(cx: &mut Context<'_>, name: &'static str, value: &T) {
        cx.skipped_field(
            name,
            core::any::type_name::<T>(),
            core::mem::size_of_val(value),
        );
    }

    /// A field of a `#[repr(packed)]` struct left out with
    /// `#[memsize(skip)]`, for reports to show.
    #[inline(always)]
    pub fn skipped_packed_field<T>(cx: &mut Context<'_>, name: &'static str) {
        cx.skipped_field(name, core::any::type_name::<T>(), core::mem::size_of::<T>());
    }

    /// Calls the function of a `#[memsize(add_heap = function)]` field at
    /// the field's report path: taking it as a `fn` pointer makes a function
    /// of the wrong type an error that says which type it should have.
    #[inline(always)]
    pub fn add_heap_with<'a, T: ?Sized>(
        cx: &mut Context<'a>,
        name: &'static str,
        field: &'a T,
        function: fn(&'a T, &mut Context<'a>),
    ) {
        cx.add_field_with(name, field, function);
    }

    /// [`add_heap_with`] for a field of a packed struct, reached through a
    /// short-lived reference.
    #[inline(always)]
    pub fn add_heap_with_borrowed<'a, T: ?Sized>(
        cx: &mut Context<'a>,
        field: &T,
        function: for<'x> fn(&'x T, &mut Context<'a>),
    ) {
        function(field, cx);
    }

    /// A question about a tuple of field types `T` asked without requiring
    /// `T: AllHeapFree`: method resolution picks the inherent
    /// [`Probe::heap_free`] where each type implements `SizeOf` and, where
    /// one does not, derefs to [`ProbeFallback`], whose answer is false. So
    /// a field type without `SizeOf` is reported once, by `add_heap`, not
    /// again by `is_heap_free`; and the generated code needs no `use` of a
    /// trait (an item per type for rustc to resolve) to call either.
    pub struct Probe<T: ?Sized>(core::marker::PhantomData<T>);

    impl<T: ?Sized> Probe<T> {
        /// The probe.
        pub const NEW: Self = Probe(core::marker::PhantomData);
    }

    /// Whether every type of a tuple of field types is heap-free: the
    /// derive asks once per type (per 16 fields), not once per field.
    pub trait AllHeapFree {
        /// True when each type's `is_heap_free` is.
        fn all_heap_free() -> bool;
    }

    macro_rules! all_heap_free {
        ($(($($t:ident)+))*) => {$(
            impl<$($t: SizeOf),+> AllHeapFree for ($($t,)+) {
                #[inline(always)]
                fn all_heap_free() -> bool {
                    $($t::is_heap_free())&&+
                }
            }
        )*};
    }

    all_heap_free! {
        (A)
        (A B)
        (A B C)
        (A B C D)
        (A B C D E)
        (A B C D E F)
        (A B C D E F G)
        (A B C D E F G H)
        (A B C D E F G H I)
        (A B C D E F G H I J)
        (A B C D E F G H I J K)
        (A B C D E F G H I J K L)
        (A B C D E F G H I J K L M)
        (A B C D E F G H I J K L M N)
        (A B C D E F G H I J K L M N O)
        (A B C D E F G H I J K L M N O P)
    }

    impl<T: AllHeapFree> Probe<T> {
        /// `T::all_heap_free()`.
        #[inline(always)]
        pub fn heap_free(&self) -> bool {
            T::all_heap_free()
        }
    }

    /// What a [`Probe`] of a tuple with a type without `SizeOf` (an error
    /// elsewhere) derefs to.
    pub struct ProbeFallback;

    impl ProbeFallback {
        /// False.
        #[inline(always)]
        pub fn heap_free(&self) -> bool {
            false
        }
    }

    impl<T: ?Sized> core::ops::Deref for Probe<T> {
        type Target = ProbeFallback;

        #[inline(always)]
        fn deref(&self) -> &ProbeFallback {
            &ProbeFallback
        }
    }

    /// Calls the function of a `#[memsize(with = function)]` field: taking
    /// it as a `fn` pointer makes a function of the wrong type an error
    /// that says which type it should have.
    #[inline(always)]
    pub fn with<T: ?Sized>(field: &T, function: fn(&T) -> usize) -> usize {
        function(field)
    }

    /// Adds the heap of a field of a `#[repr(packed)]` struct: through a
    /// reference where the field happens to be aligned, else through a
    /// bitwise copy that is never dropped.
    ///
    /// # Safety
    ///
    /// `field` must point to an initialized field of a value that stays
    /// borrowed (shared) for `'a`.
    #[inline]
    pub unsafe fn add_packed_field<'a, T: SizeOf + 'a>(
        cx: &mut Context<'a>,
        name: &'static str,
        field: *const T,
    ) {
        if field.is_aligned() {
            // SAFETY: aligned, initialized and shared-borrowed for `'a`
            // (the caller's contract): a valid `&'a T`.
            cx.add_field(name, unsafe { &*field });
        } else {
            // SAFETY: as in `with_packed_field`: a bitwise copy of an
            // initialized field that is never dropped, so what it points to
            // stays owned by the field alone. `add_kept` keeps the copy
            // alive (on the heap, past the stack depth where the traversal defers)
            // exactly as long as its contents are traversed, which is within
            // `'a`, while the field stays shared-borrowed and unchanged.
            let copy = ManuallyDrop::new(unsafe { core::ptr::read_unaligned(field) });
            cx.add_kept(copy);
        }
    }

    /// Calls `f` with a reference to a field of a `#[repr(packed)]` struct:
    /// the field itself where it happens to be aligned, else a bitwise copy
    /// that is never dropped.
    ///
    /// # Safety
    ///
    /// `field` must point to an initialized field of a value that stays
    /// borrowed (shared) during the call.
    #[inline]
    pub unsafe fn with_packed_field<T, R>(field: *const T, f: impl FnOnce(&T) -> R) -> R {
        if field.is_aligned() {
            // SAFETY: aligned, initialized and shared-borrowed for the call.
            return f(unsafe { &*field });
        }
        // SAFETY: `read_unaligned` needs only a valid, initialized pointee,
        // which the caller guarantees. The copy lends a shared reference for
        // the call and is never dropped (`ManuallyDrop`), so whatever it
        // points to stays owned by the field alone. The field is not written
        // during the call: it is shared-borrowed, and being unaligned, no
        // reference to it (through which interior mutability could act) can
        // exist anywhere.
        let copy = ManuallyDrop::new(unsafe { core::ptr::read_unaligned(field) });
        f(&copy)
    }
}
