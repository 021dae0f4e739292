//! Measuring a type as something else: foreign types inside containers.
//!
//! A field whose type has no [`SizeOf`] (a foreign type the orphan rule
//! keeps you from implementing it for) is easy to handle alone
//! (`#[memsize(skip)]`, `#[memsize(add_heap = f)]`). Inside a container it
//! is not: a `BTreeSet<(Instant, String)>` or a `HashMap<String, Sender>`
//! owns B-tree nodes and a hash table that only memsize knows how to
//! measure. An adapter says how to measure the foreign part, and the
//! container is measured as always around it:
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use memsize::adapt::HeapFree;
//! use memsize::SizeOf;
//! use std::collections::BTreeSet;
//!
//! /// A type of another crate: no `SizeOf`, and none can be added.
//! #[derive(PartialEq, Eq, PartialOrd, Ord)]
//! struct Deadline(u64);
//!
//! #[derive(SizeOf)]
//! struct Expirations {
//!     // `HeapFree`: the deadline owns no heap; `_`: the String as itself.
//!     #[memsize(as = "BTreeSet<(HeapFree, _)>")]
//!     by_time: BTreeSet<(Deadline, String)>,
//! }
//!
//! let e = Expirations { by_time: (0..100).map(|i| (Deadline(i), i.to_string())).collect() };
//! assert!(e.heap_size() > 100 * 24);
//! # }
//! ```
//!
//! An adapter is a type that implements [`SizeOfAs<T>`]: it measures a `T`.
//! The ones memsize has:
//!
//! - [`Same`] (or `_` in the derive's `as`): the type measures as itself,
//!   through its own `SizeOf`;
//! - [`HeapFree`]: the type owns no heap, whatever it is (an `Instant`, a
//!   handle into someone else's memory). A container of them is measured in
//!   constant time. Saying it of a type that does own heap undercounts;
//! - every container, tuple, `Option`, `Box`, `Rc`, `Arc`, lock and cell of
//!   std, written with adapters for its elements: `Vec<HeapFree>` measures
//!   a `Vec<T>` of any `T` that owns no heap, `HashMap<_, Same, HeapFree>`
//!   a `HashMap<K, V, S>` whose hasher has no `SizeOf`, and
//!   `Option<Box<(HeapFree, _)>>` what it says. Adapters compose to any
//!   depth: the container's own code is the one `SizeOf` uses, so the
//!   figures are exact the same way.
//!
//! A foreign part that does own heap gets an adapter of your own: a unit
//! type that implements [`SizeOfAs`] for the foreign type, as the orphan
//! rule allows (the adapter is yours).
//!
//! ```
//! # #[cfg(all(feature = "derive", feature = "std"))] {
//! use memsize::adapt::SizeOfAs;
//! use memsize::{Context, SizeOf};
//! use std::collections::HashMap;
//!
//! /// A type of another crate that owns a buffer, readable through its API.
//! pub struct Blob(Vec<u8>);
//! impl Blob {
//!     pub fn bytes(&self) -> &Vec<u8> { &self.0 }
//! }
//!
//! /// How memsize measures a `Blob`: as the `Vec` it shows.
//! struct BlobSize;
//!
//! impl SizeOfAs<Blob> for BlobSize {
//!     fn add_heap_as<'a>(blob: &'a Blob, cx: &mut Context<'a>) {
//!         cx.add_field("bytes", blob.bytes());
//!     }
//! }
//!
//! #[derive(SizeOf)]
//! struct Store {
//!     #[memsize(as = "HashMap<_, BlobSize>")]
//!     blobs: HashMap<String, Blob>,
//! }
//!
//! let store = Store { blobs: [("a".to_string(), Blob(vec![0; 1000]))].into() };
//! assert!(store.heap_size() > 1000);
//! # }
//! ```
//!
//! Outside the derive, [`As`] turns a reference to a value into a reference
//! to the same value measured through an adapter: `As::<HeapFree, _>::new(&x)`
//! implements `SizeOf`, so it goes to [`Context::add_field`] or
//! [`heap_stats`](crate::heap_stats) like any value.

use core::marker::PhantomData;

use crate::{Context, SizeOf};

/// Measures a `T`: the adapter trait, implemented by marker types
/// ([`Same`], [`HeapFree`], your own) and by every container of them.
///
/// `add_heap_as` is to `T` what [`SizeOf::add_heap`] is to a type of
/// one's own: it adds every allocation the value owns, and nothing for its
/// inline bytes. Adapters are types that are never built, only named, and
/// so are `'static`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an adapter for `{T}`",
    label = "can't measure `{T}` as `{Self}`",
    note = "an adapter mirrors the field's type: `Vec<HeapFree>` for a `Vec<T>`, `HashMap<_, MyAdapter>` for a `HashMap<K, V>`, `_` or `Same` where a part measures as itself"
)]
pub trait SizeOfAs<T: ?Sized>: 'static {
    /// Adds every allocation `value` owns to `cx` (see
    /// [`SizeOf::add_heap`]).
    fn add_heap_as<'a>(value: &'a T, cx: &mut Context<'a>);

    /// True when no `T` measured this way ever owns heap memory, so a
    /// container of them is measured from its capacity alone (see
    /// [`SizeOf::is_heap_free`]). The default is false.
    #[inline]
    fn is_heap_free_as() -> bool {
        false
    }
}

/// The adapter that measures a type as itself, through its own [`SizeOf`]:
/// `_` in the derive's `#[memsize(as = "...")]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Same;

impl<T: SizeOf> SizeOfAs<T> for Same {
    #[inline(always)]
    fn add_heap_as<'a>(value: &'a T, cx: &mut Context<'a>) {
        value.add_heap(cx);
    }
    #[inline(always)]
    fn is_heap_free_as() -> bool {
        T::is_heap_free()
    }
}

/// The adapter for a type that owns no heap memory, whatever it is: adds
/// nothing, and a container of them is measured in constant time. Saying it
/// of a type that owns heap memory makes the figures undercount.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapFree;

impl<T: ?Sized> SizeOfAs<T> for HeapFree {
    #[inline(always)]
    fn add_heap_as<'a>(_: &'a T, _: &mut Context<'a>) {}
    #[inline(always)]
    fn is_heap_free_as() -> bool {
        true
    }
}

/// A `T` measured through the adapter `A`: a reference to a `T` seen as a
/// reference to this implements [`SizeOf`] as `A` says.
///
/// ```
/// use memsize::adapt::{As, HeapFree};
/// use memsize::SizeOf;
///
/// struct Foreign(u64);
/// let v = vec![Foreign(1), Foreign(2)];
/// let heap = As::<Vec<HeapFree>, _>::new(&v).heap_size();
/// assert_eq!(heap, v.capacity() * size_of::<Foreign>());
/// ```
#[repr(transparent)]
pub struct As<A: ?Sized, T: ?Sized> {
    adapter: PhantomData<A>,
    value: T,
}

impl<A: ?Sized, T: ?Sized> As<A, T> {
    /// `value`, measured through `A`.
    #[inline(always)]
    pub fn new(value: &T) -> &Self {
        // SAFETY: `As` is `repr(transparent)` over `T` (its other field is a
        // zero-sized, align-1 `PhantomData`), so a `&T` is a valid `&As<A,
        // T>` with the same address, metadata and lifetime.
        unsafe { &*(value as *const T as *const Self) }
    }

    /// The value measured.
    #[inline(always)]
    pub fn get(&self) -> &T {
        &self.value
    }
}

impl<A: SizeOfAs<T> + ?Sized, T: ?Sized> SizeOf for As<A, T> {
    #[inline(always)]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        A::add_heap_as(&self.value, cx);
    }
    #[inline(always)]
    fn is_heap_free() -> bool {
        A::is_heap_free_as()
    }
    #[inline]
    fn __type_name(&self) -> &'static str {
        core::any::type_name::<T>()
    }
}

/// Writes `SizeOf for $t` as the container's adapter impl with [`Same`]
/// for every parameter: the one place a container's code lives is its
/// `SizeOfAs` impl.
macro_rules! via_adapter {
    ($([$($g:tt)*] $t:ty => $adapter:ty,)*) => {$(
        impl<$($g)*> $crate::SizeOf for $t {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut $crate::Context<'a>) {
                <$adapter as $crate::adapt::SizeOfAs<Self>>::add_heap_as(self, cx)
            }
            #[inline]
            fn is_heap_free() -> bool {
                <$adapter as $crate::adapt::SizeOfAs<Self>>::is_heap_free_as()
            }
        }
    )*};
}
pub(crate) use via_adapter;

/// A guard (or any pointer) whose target is measured through `A`.
pub(crate) struct AsGuard<A: ?Sized, G>(G, PhantomData<A>);

impl<A: ?Sized, G> AsGuard<A, G> {
    #[inline(always)]
    pub(crate) fn new(guard: G) -> Self {
        AsGuard(guard, PhantomData)
    }
}

impl<A: ?Sized, G: core::ops::Deref> core::ops::Deref for AsGuard<A, G> {
    type Target = As<A, G::Target>;
    #[inline(always)]
    fn deref(&self) -> &Self::Target {
        As::new(&*self.0)
    }
}
