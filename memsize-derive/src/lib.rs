//! `#[derive(SizeOf)]` for the `memsize` crate. Use it through
//! `memsize::SizeOf` (the default `derive` feature of `memsize`); this crate
//! is not meant to be a dependency of its own.
//!
//! The pipeline: `ast` builds a model of the input that keeps spans,
//! parsing the attributes with `attr`; `valid` checks what needs the whole
//! model; `bound` infers the where clause; `expand` writes the impl.
//! Every error in one input is collected and reported together, next to a
//! stub impl so that uses of the type don't add errors of their own.

mod ast;
mod attr;
mod bound;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Derives `memsize::SizeOf`: the heap of a value is the heap of its fields.
///
/// The derived `add_heap` adds the heap of each field (for an enum, of the
/// fields of the variant the value holds). The inline bytes come from the
/// type's own `size_of_val`, padding included, so nothing is counted twice
/// or lost. `is_heap_free` is true when every measured field's type is
/// heap-free, which makes containers of the type constant-time to measure.
///
/// ```
/// use memsize::SizeOf;
///
/// #[derive(SizeOf)]
/// struct Document {
///     title: String,
///     pages: Vec<Page>,
/// }
///
/// #[derive(SizeOf)]
/// enum Page {
///     Blank,
///     Text(String),
///     Image { width: u32, height: u32, pixels: Box<[u8]> },
/// }
///
/// let doc = Document {
///     title: "notes".to_string(),
///     pages: vec![Page::Blank, Page::Text("hello".to_string())],
/// };
/// let pages = doc.pages.capacity() * core::mem::size_of::<Page>();
/// assert_eq!(doc.heap_size(), 5 + pages + 5);
/// ```
///
/// It derives for structs with named fields, tuple structs and unit structs,
/// and for enums with any kind of variant; with lifetime, type and const
/// parameters and `where` clauses; for recursive types
/// (`enum List { Cons(u64, Box<List>), Nil }`, a node with `Vec<Self>`);
/// and for `#[repr(packed)]` structs, whose fields are measured without
/// taking a reference to an unaligned field. Unions are
/// rejected: which field is live is not known.
///
/// # Attributes
///
/// All in one namespace, `#[memsize(...)]`. Unknown keys, a key given
/// twice, two of `skip`, `as`, `with` and `add_heap` on one field, a key in
/// the wrong place, and a value that is not a path (a type, for `as`) are
/// compile errors that point at the key.
///
/// For a field whose type has no `SizeOf` (a type of another crate, which
/// the orphan rule keeps you from implementing it for), in order of
/// preference: `as` (exact, and reaches inside containers), `add_heap`
/// (exact, for the field alone), `skip`, and `with` (bytes only).
///
/// ## `#[memsize(as = "Adapter")]` on a field
///
/// Measures the field through an adapter (see `memsize::adapt`) that
/// mirrors its type: `_` (or `Same`) for a part that measures as itself,
/// `HeapFree` for a part that owns no heap, your own adapter type for a
/// foreign part that does, and std's containers, tuples, `Option`, `Box`,
/// `Rc`, `Arc`, locks and cells around them. The container is measured by
/// memsize's own code, so the figure stays exact; a map whose hasher has no
/// `SizeOf` is `HashMap<_, _, HeapFree>`. The adapter is a type, bare or in
/// a string, whose names resolve where the field is written. A field
/// whose type mentions a type parameter adds `Adapter: SizeOfAs<FieldType>`
/// to the bounds.
///
/// ```
/// use memsize::adapt::{HeapFree, SizeOfAs};
/// use memsize::{Context, SizeOf};
/// use std::collections::{BTreeSet, HashMap};
///
/// mod foreign {
///     /// Owns no heap (like `tokio::time::Instant`).
///     #[derive(PartialEq, Eq, PartialOrd, Ord)]
///     pub struct Instant(pub u64);
///     /// Owns a buffer, shown by its API.
///     pub struct Sender(pub Vec<u8>);
/// }
///
/// /// How a `Sender` is measured: as the buffer it shows.
/// struct SenderSize;
///
/// impl SizeOfAs<foreign::Sender> for SenderSize {
///     fn add_heap_as<'a>(sender: &'a foreign::Sender, cx: &mut Context<'a>) {
///         cx.add_field("buffer", &sender.0);
///     }
/// }
///
/// #[derive(SizeOf)]
/// struct State {
///     #[memsize(as = "BTreeSet<(HeapFree, _)>")]
///     expirations: BTreeSet<(foreign::Instant, String)>,
///     #[memsize(as = "HashMap<_, SenderSize>")]
///     channels: HashMap<String, foreign::Sender>,
/// }
///
/// let state = State {
///     expirations: [(foreign::Instant(1), "key".to_string())].into(),
///     channels: [("news".to_string(), foreign::Sender(vec![0; 100]))].into(),
/// };
/// assert!(state.heap_size() > 100 + 3 + 4);
/// ```
///
/// ## `#[memsize(skip)]` on a field
///
/// The field's inline bytes still count (they are part of the type's
/// size), but not its heap, and it adds no bound.
///
/// ```
/// # use memsize::SizeOf;
/// #[derive(SizeOf)]
/// struct Cached {
///     data: Vec<u8>,
///     // A cache that can be rebuilt: left out of the figure.
///     #[memsize(skip)]
///     index: std::collections::HashMap<u64, usize>,
/// }
///
/// let c = Cached { data: vec![0; 10], index: (0..100).map(|i| (i, 0)).collect() };
/// assert_eq!(c.heap_size(), 10);
/// ```
///
/// ## `#[memsize(add_heap = path)]` on a field
///
/// `path` names a function `fn add<'a>(field: &'a FieldType, cx: &mut
/// memsize::Context<'a>)` that adds the field's allocations, written like
/// `SizeOf::add_heap` (the same lifetime on both, which `Context::add`,
/// `add_field` and `descend` need): for a field whose type (from another
/// crate, say) does not implement `SizeOf`. Each
/// allocation is reported with its layout, so the figure is exact in bytes
/// *and* allocations, and `memsize::alloc::assert_heap_exact` can hold it
/// against the allocator. The field adds no bound, makes `is_heap_free`
/// false, and has its own path in reports.
///
/// ```
/// # use memsize::SizeOf;
/// use core::alloc::Layout;
/// use memsize::Context;
///
/// mod foreign {
///     pub struct Buffer(pub Vec<u8>);
/// }
///
/// fn add_buffer<'a>(buffer: &'a foreign::Buffer, cx: &mut Context<'a>) {
///     let layout = Layout::array::<u8>(buffer.0.capacity()).unwrap();
///     cx.add_alloc(buffer.0.as_ptr(), layout);
/// }
///
/// #[derive(SizeOf)]
/// struct Frame {
///     #[memsize(add_heap = add_buffer)]
///     buffer: foreign::Buffer,
/// }
///
/// let f = Frame { buffer: foreign::Buffer(Vec::with_capacity(64)) };
/// assert_eq!(memsize::heap_stats(&f).allocations, 1);
/// assert_eq!(f.heap_size(), 64);
/// ```
///
/// A foreign container: its own buffer with `add_alloc`, then its
/// elements inside one `descend` (which keeps the machine stack flat),
/// each with `add_element` (`add_entry` for a map's key and value), so
/// that reports fold them into `[..]`. What the element type itself owns
/// comes from its `SizeOf`.
///
/// ```
/// # use memsize::SizeOf;
/// use core::alloc::Layout;
/// use memsize::Context;
///
/// mod foreign {
///     pub struct Ring<T>(pub Vec<T>);
///     impl<T> Ring<T> {
///         pub fn capacity(&self) -> usize { self.0.capacity() }
///         pub fn iter(&self) -> impl Iterator<Item = &T> { self.0.iter() }
///     }
/// }
///
/// fn add_ring<'a>(ring: &'a foreign::Ring<String>, cx: &mut Context<'a>) {
///     let layout = Layout::array::<String>(ring.capacity()).unwrap();
///     cx.add_alloc(core::ptr::null(), layout);
///     cx.descend(move |cx| {
///         for s in ring.iter() {
///             cx.add_element(s);
///         }
///     });
/// }
///
/// #[derive(SizeOf)]
/// struct Log {
///     #[memsize(add_heap = add_ring)]
///     lines: foreign::Ring<String>,
/// }
///
/// let log = Log { lines: foreign::Ring(vec!["abc".to_string(), "de".to_string()]) };
/// assert_eq!(log.heap_size(), log.lines.capacity() * 24 + 3 + 2);
/// ```
///
/// ## `#[memsize(with = path)]` on a field
///
/// `path` names a `fn(&FieldType) -> usize` that gives the field's heap
/// bytes: for a field whose type does not implement `SizeOf`, when only a
/// byte figure is at hand. The bytes are added as they are, in no
/// allocation, so `assert_heap_exact` can't pass on the type: prefer
/// `add_heap`. The field adds no bound, and makes `is_heap_free` false.
///
/// ```
/// # use memsize::SizeOf;
/// mod foreign {
///     pub struct Buffer(pub Vec<u8>);
/// }
///
/// fn buffer_heap(buffer: &foreign::Buffer) -> usize {
///     buffer.0.capacity()
/// }
///
/// #[derive(SizeOf)]
/// struct Frame {
///     #[memsize(with = buffer_heap)]
///     buffer: foreign::Buffer,
/// }
///
/// let f = Frame { buffer: foreign::Buffer(Vec::with_capacity(64)) };
/// assert_eq!(f.heap_size(), 64);
/// ```
///
/// ## `#[memsize(bound = "...")]` on the struct or enum
///
/// Replaces the inferred bounds with the given where-clause predicates;
/// `bound = ""` for none. The type's own `where` clause is kept.
///
/// By default each measured field whose type mentions a type parameter
/// adds `FieldType: SizeOf` (once per distinct type): `Vec<T>: SizeOf` for
/// a field `Vec<T>`. Skipped fields, `with` and `add_heap` fields and
/// `PhantomData<..>` fields add none; an `as` field adds its adapter's
/// bound. A field whose type names the type
/// itself (`Box<List<T>>`, `Self`; only the bare name counts, so
/// `std::collections::HashMap<K, V>` in a `struct HashMap<K, V>` is another type)
/// adds `T: SizeOf` instead for each type parameter `T` it mentions outside
/// the references to the type itself, so recursive types compile. Types
/// that refer to each other (`A<T>` holds `Vec<B<T>>`, `B<T>` holds
/// `Box<A<T>>`) can't be seen from one derive: give one of them `bound`.
///
/// ```
/// # use memsize::SizeOf;
/// #[derive(SizeOf)]
/// #[memsize(bound = "K: memsize::SizeOf")]
/// struct Keys<K, V> {
///     keys: Vec<K>,
///     // Only ever holds `Rc<V>`s the caller already counts.
///     #[memsize(skip)]
///     values: Vec<std::rc::Rc<V>>,
/// }
/// ```
///
/// ## `#[memsize(crate = "path")]` on the struct or enum
///
/// The path the generated code names the `memsize` crate by, for crates
/// that re-export it; `::memsize` by default.
///
/// ```
/// # mod my_framework {
/// #     pub use memsize;
/// # }
/// use my_framework::memsize::SizeOf;
///
/// #[derive(SizeOf)]
/// #[memsize(crate = "my_framework::memsize")]
/// struct Item {
///     name: String,
/// }
///
/// assert_eq!(Item { name: "abc".to_string() }.heap_size(), 3);
/// ```
///
/// # The generated code
///
/// One `impl SizeOf` and nothing else, with absolute paths only and `__`-prefixed locals, so it compiles next to any field names,
/// under `#![no_implicit_prelude]` and in `#![no_std]` crates. It contains
/// no `unsafe` except for `#[repr(packed)]` structs, where a helper reads each
/// field through a raw pointer; that block belongs to the macro, so crates
/// that `#![forbid(unsafe_code)]` can derive on packed structs too.
#[proc_macro_derive(SizeOf, attributes(memsize))]
pub fn derive_size_of(input: TokenStream) -> TokenStream {
    let input = match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error().into(),
    };
    match expand::derive(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(expand::stub(&input));
            tokens.into()
        }
    }
}
