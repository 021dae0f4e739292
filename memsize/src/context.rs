//! The traversal context that [`SizeOf::add_heap`] fills in.

use crate::lib::{size_of, Box, Layout, Vec};
use crate::report::{Builder, Edge};
use crate::SizeOf;

/// How deep [`Context::add`] recurses on the machine stack before it defers
/// the rest of the value to an explicit work list on the heap. Shallow data
/// (almost all data) never reaches it and pays nothing for stack safety.
const MAX_DEPTH: u32 = 96;

/// A piece of the value whose traversal was deferred to keep the machine
/// stack flat, or a guard to drop once the work above it is done.
type Deferred<'a> = Box<dyn FnOnce(&mut Context<'a>) + 'a>;

#[cold]
#[inline(never)]
fn no_report() -> ! {
    panic!("only reporting contexts have a report")
}

/// The stack frame of [`Context::add_kept`]: if the traversal unwinds, the
/// work that reads through `keep` is dropped before `keep` is.
struct Scope<'c, 'a, K> {
    cx: &'c mut Context<'a>,
    base: usize,
    keep: K,
}

impl<K> Drop for Scope<'_, '_, K> {
    fn drop(&mut self) {
        if self.cx.pending_len() > self.base {
            self.cx.discard_to(self.base);
        }
    }
}

/// What most traversals never need: the shared allocations seen, the
/// deferred work, and what could not be reached. Kept behind one box,
/// allocated the first time any of it is needed, so that the common
/// traversal's context is three words that live in registers.
struct Rare<'a> {
    seen: AddrSet,
    /// Work deferred to keep the machine stack flat, run last in, first
    /// out. A guard kept for deferred contents sits below the work that
    /// reads through it (see [`Context::add_kept`]).
    pending: Vec<Deferred<'a>>,
    skipped: usize,
    #[cfg(feature = "std")]
    waits: crate::impls::LockWaits,
    /// A plain traversal's own allocations (this box, the seen set, the
    /// work list, guards kept on it) are left out of the counting
    /// allocator's measurements, so `heap_size()` runs inside
    /// `assert_no_alloc` and a measurement of code that calls it sees only
    /// that code's bytes. A report's traversal counts: the report is the
    /// caller's, and its building allocates it.
    #[cfg(feature = "std")]
    untracked: Option<crate::alloc::Untracked>,
}

impl Rare<'_> {
    fn new(seen: AddrSet) -> Self {
        Rare {
            seen,
            pending: Vec::new(),
            skipped: 0,
            #[cfg(feature = "std")]
            untracked: None,
            #[cfg(feature = "std")]
            waits: Default::default(),
        }
    }
}

impl Drop for Rare<'_> {
    /// Only reached with work pending when a traversal unwinds: drops it last
    /// in, first out, so that a guard is released only after everything that
    /// reads through it (inner guards included) is gone.
    fn drop(&mut self) {
        while let Some(work) = self.pending.pop() {
            drop(work);
        }
    }
}

impl Drop for Context<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.rare.is_some() {
            self.drop_rare();
        }
    }
}

impl Context<'_> {
    #[cold]
    fn drop_rare(&mut self) {
        #[cfg(feature = "std")]
        let _untracked = self
            .rare
            .as_ref()
            .and_then(|r| r.untracked.as_ref())
            .map(|_| crate::alloc::untracked());
        drop(self.rare.take());
    }
}

/// What one traversal found: bytes and allocations.
///
/// Returned by [`heap_stats`](crate::heap_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct HeapStats {
    /// The sum of the [`Layout::size`] of every allocation the value owns:
    /// the bytes the allocator was asked for.
    pub bytes: usize,
    /// How many allocations those bytes are spread over. A shared
    /// allocation (`Rc`, `Arc`) counts once.
    pub allocations: usize,
    /// How many contents could not be reached, so that their heap is not in
    /// the figures: a lock still held elsewhere after a brief retry, a
    /// `RefCell` mutably borrowed at the time. Zero means the figures are
    /// complete.
    pub skipped: usize,
}

/// A traversal of one value's heap, given to [`SizeOf::add_heap`].
///
/// Implementors report what their value owns with these calls:
///
/// - [`add_alloc`](Self::add_alloc) for each allocation the value owns
///   directly (a `Vec`'s buffer, a `Box`'s pointee), with its [`Layout`] and
///   address;
/// - [`add_shared`](Self::add_shared) for an allocation that other values may
///   own too (`Rc`, `Arc`): it is counted the first time it is reached and
///   tells the caller whether to go on into its contents;
/// - [`add_field`](Self::add_field) for each field stored inline, whose own
///   heap belongs to this value;
/// - [`add`](Self::add) for a value reached through a pointer the value
///   owns (a `Box`'s pointee), and [`descend`](Self::descend) for a
///   container visiting its elements.
///
/// The context keeps the traversal stack-safe: [`add`](Self::add) and
/// [`descend`](Self::descend) recurse up to a fixed depth of pointers and
/// then continue from a work list on the heap, so the depth of the data
/// never becomes the depth of the machine stack.
///
/// ```
/// use memsize::{Context, SizeOf};
///
/// /// A growable buffer of our own, like a tiny `Vec`.
/// struct Buffer<T> {
///     items: Vec<T>,
///     spare: Box<[u8]>,
/// }
///
/// impl<T: SizeOf> SizeOf for Buffer<T> {
///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
///         // Fields stored inline: their own heap is ours.
///         cx.add_field("items", &self.items);
///         cx.add_field("spare", &self.spare);
///     }
/// }
///
/// let b = Buffer { items: vec![String::from("xy")], spare: vec![0u8; 8].into_boxed_slice() };
/// assert_eq!(b.heap_size(), 24 + 2 + 8);
/// ```
///
/// The lifetime `'a` is the borrow of the value being measured: everything
/// handed to [`add`](Self::add) must live as long as that borrow, so that its
/// traversal can be deferred. Values that only live for a moment (the
/// contents behind a guard, a value computed on the fly) go to
/// [`add_borrowed`](Self::add_borrowed) instead.
pub struct Context<'a> {
    bytes: usize,
    allocations: usize,
    depth: u32,
    /// The report being filled in, when the traversal builds one: checked
    /// (one null test) where a report needs to know the path, so plain
    /// traversals stay as they were.
    report: Option<Box<Builder>>,
    rare: Option<Box<Rare<'a>>>,
}

impl<'a> Context<'a> {
    #[inline]
    fn new(depth: u32) -> Self {
        Context {
            bytes: 0,
            allocations: 0,
            depth,
            report: None,
            rare: None,
        }
    }

    /// A context that builds a report as it goes.
    pub(crate) fn reporting(usable_sizes: bool) -> Self {
        let mut cx = Context::new(0);
        cx.report = Some(Box::new(Builder::new(usable_sizes)));
        cx
    }
    pub(crate) fn set_usable_sizes(&mut self, on: bool) {
        self.builder().usable = on;
    }

    /// Keeps the address of each allocation with its node, for the join
    /// with allocation sites. Call it untracked.
    #[cfg(feature = "alloc-sites")]
    pub(crate) fn set_site_addresses(&mut self) {
        self.builder().addresses.get_or_insert_with(Vec::new);
    }

    /// Adds one root of a report, and everything it owns.
    pub(crate) fn report_root<T: SizeOf + ?Sized>(
        &mut self,
        name: crate::report::Name,
        value: &'a T,
    ) {
        self.builder().root(
            name,
            core::any::type_name::<T>(),
            core::mem::size_of_val(value),
        );
        value.add_heap(self);
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
    }

    /// Ends a report's traversal: the tree and how much was skipped.
    pub(crate) fn finish_report(mut self) -> (Builder, usize) {
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
        let skipped = self.rare.as_ref().map_or(0, |r| r.skipped);
        let report = self
            .report
            .take()
            .map_or_else(|| Builder::new(false), |b| *b);
        (report, skipped)
    }

    #[inline]
    fn builder(&mut self) -> &mut Builder {
        match self.report.as_deref_mut() {
            Some(builder) => builder,
            None => no_report(),
        }
    }

    /// Runs `visit` at the report path `name`, reached by `edge`.
    #[cold]
    #[inline(never)]
    fn report_path<T: SizeOf + ?Sized>(
        &mut self,
        name: &'static str,
        edge: Edge,
        value: &T,
        visit: impl FnOnce(&mut Self),
    ) {
        let back = self.builder().enter(
            name,
            core::any::type_name::<T>(),
            edge,
            core::mem::size_of_val(value),
        );
        visit(self);
        self.builder().current = back;
    }

    /// The report node work deferred now belongs to.
    #[cold]
    fn report_node(&mut self) -> u32 {
        self.builder().current
    }

    #[inline]
    fn rare(&mut self) -> &mut Rare<'a> {
        let reporting = self.report.is_some();
        self.rare.get_or_insert_with(|| Self::new_rare(reporting))
    }

    /// The rarely used parts. A plain traversal's are its own, allocated
    /// untracked (the box too, freed so in `Drop`); a report's traversal is
    /// the caller's code, and counts.
    #[cold]
    #[cfg_attr(not(feature = "std"), allow(unused_variables))]
    fn new_rare(reporting: bool) -> Box<Rare<'a>> {
        #[cfg(feature = "std")]
        let _untracked = (!reporting).then(crate::alloc::untracked);
        #[cfg_attr(not(feature = "std"), allow(unused_mut))]
        let mut rare = Box::new(Rare::new(AddrSet::default()));
        #[cfg(feature = "std")]
        {
            rare.untracked = (!reporting).then(crate::alloc::untracked);
        }
        rare
    }

    /// Measures the heap of `value`: every allocation it owns, each shared
    /// allocation once.
    #[inline]
    pub(crate) fn measure<T: SizeOf + ?Sized>(value: &'a T) -> HeapStats {
        let mut cx = Context::new(0);
        value.add_heap(&mut cx);
        cx.finish()
    }

    /// Measures several values in one traversal, each shared allocation
    /// once across all of them.
    pub(crate) fn measure_all(values: &'a [&'a dyn SizeOf]) -> HeapStats {
        let mut cx = Context::new(0);
        for &value in values {
            // `value` is the `dyn SizeOf` itself, not a reference to it
            // (whose `add_heap` adds nothing).
            let value: &'a dyn SizeOf = value;
            value.add_heap(&mut cx);
        }
        cx.finish()
    }

    /// Runs what is left and returns the totals.
    #[inline]
    fn finish(mut self) -> HeapStats {
        let mut skipped = 0;
        if let Some(rare) = &self.rare {
            if !rare.pending.is_empty() {
                self.drain_to(0);
            }
            skipped = self.rare.as_ref().map_or(0, |r| r.skipped);
        }
        let stats = HeapStats {
            bytes: self.bytes,
            allocations: self.allocations,
            skipped,
        };
        if self.rare.is_none() && self.report.is_none() {
            // Nothing to free: skip the drop glue, which the compiler would
            // otherwise call out of line on the fast path.
            core::mem::forget(self);
        }
        stats
    }

    #[inline]
    fn pending_len(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.pending.len())
    }

    /// Runs the deferred work above `base` until none is left there, each
    /// piece from the depth this call is made at.
    #[cold]
    #[inline(never)]
    fn drain_to(&mut self, base: usize) {
        let depth = self.depth;
        while let Some(work) = self.rare.as_mut().and_then(|r| {
            if r.pending.len() > base {
                r.pending.pop()
            } else {
                None
            }
        }) {
            self.depth = depth;
            work(self);
        }
        self.depth = depth;
    }

    /// Drops, without running it, the deferred work above `base`, last in
    /// first out: what a scope leaves behind when the traversal unwinds.
    fn discard_to(&mut self, base: usize) {
        if let Some(rare) = &mut self.rare {
            while rare.pending.len() > base {
                drop(rare.pending.pop());
            }
        }
    }

    /// Adds the heap owned by `value`, reached through a pointer this value
    /// owns (a `Box`'s pointee, say). Its inline bytes are not added: they
    /// are inside an allocation already added.
    ///
    /// This is where the traversal keeps the machine stack flat: past a
    /// fixed depth of pointers, the rest is deferred to a work list. Every
    /// pointer that can make data arbitrarily deep must go through `add` or
    /// [`descend`](Self::descend).
    #[inline]
    pub fn add<T: SizeOf + ?Sized>(&mut self, value: &'a T) {
        if self.report.is_some() {
            self.report_path("*", Edge::Pointee, value, |cx| cx.add_unreported(value));
        } else {
            self.add_unreported(value);
        }
    }

    #[inline]
    fn add_unreported<T: SizeOf + ?Sized>(&mut self, value: &'a T) {
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            value.add_heap(self);
            self.depth -= 1;
        } else {
            self.defer(move |cx: &mut Context<'a>| value.add_heap(cx));
        }
    }

    /// Runs `visit` one pointer deeper, the way [`add`](Self::add) runs one
    /// value's `add_heap`: for containers, which visit all their elements in
    /// one call (`for v in self { v.add_heap(cx) }`) and so check the depth
    /// once per container rather than once per element.
    #[inline]
    pub fn descend<F: FnOnce(&mut Context<'a>) + 'a>(&mut self, visit: F) {
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            visit(self);
            self.depth -= 1;
        } else {
            self.defer(visit);
        }
    }

    #[cold]
    #[inline(never)]
    fn defer<F: FnOnce(&mut Context<'a>) + 'a>(&mut self, visit: F) {
        if self.report.is_some() {
            // Deferred work lands under the path it was deferred from.
            let node = self.report_node();
            self.rare()
                .pending
                .push(Box::new(move |cx: &mut Context<'a>| {
                    let back = core::mem::replace(&mut cx.builder().current, node);
                    visit(cx);
                    cx.builder().current = back;
                }));
        } else {
            self.rare().pending.push(Box::new(visit));
        }
    }

    /// Adds the heap owned by `value`, a field stored inline in the value
    /// being visited. The derive calls this for every field; reports by field
    /// use the name.
    ///
    /// Fields nest only as deep as the type does, so this does not count
    /// toward the depth that [`add`](Self::add) limits. For anything reached
    /// through a pointer, use [`add`](Self::add).
    #[inline]
    pub fn add_field<T: SizeOf + ?Sized>(&mut self, name: &'static str, value: &'a T) {
        if self.report.is_some() {
            self.report_path(name, Edge::Field, value, |cx| value.add_heap(cx));
        } else {
            value.add_heap(self);
        }
    }

    /// A field whose type owns no heap: nothing to add; a report records
    /// its inline bytes (the derive calls this, through `__private::field`).
    #[inline(always)]
    pub(crate) fn add_inline_field<T: SizeOf>(&mut self, name: &'static str) {
        if self.report.is_some() {
            self.report_inline_field(name, core::any::type_name::<T>(), size_of::<T>());
        }
    }

    #[cold]
    #[inline(never)]
    fn report_inline_field(&mut self, name: &'static str, type_name: &'static str, size: usize) {
        self.builder().inline_field(name, type_name, size);
    }

    /// Runs a `#[memsize(add_heap = f)]` function at the field's path.
    #[inline]
    pub(crate) fn add_field_with<T: ?Sized>(
        &mut self,
        name: &'static str,
        value: &'a T,
        function: fn(&'a T, &mut Context<'a>),
    ) {
        if self.report.is_some() {
            let back = self.builder().enter(
                name,
                core::any::type_name::<T>(),
                Edge::Field,
                core::mem::size_of_val(value),
            );
            function(value, self);
            self.builder().current = back;
        } else {
            function(value, self);
        }
    }

    /// Adds the heap owned by one element of a container, inside the
    /// container's [`descend`](Self::descend): reports fold all elements
    /// into one path, `[..]`.
    ///
    /// ```
    /// use memsize::{Context, SizeOf};
    ///
    /// struct Bag<T>(Vec<T>);
    ///
    /// impl<T: SizeOf> SizeOf for Bag<T> {
    ///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
    ///         // Our own allocation: the buffer.
    ///         let layout = core::alloc::Layout::array::<T>(self.0.capacity()).unwrap();
    ///         cx.add_alloc(self.0.as_ptr().cast(), layout);
    ///         // The elements' heap, unless they never own any.
    ///         if !T::is_heap_free() {
    ///             cx.descend(move |cx| {
    ///                 for v in &self.0 {
    ///                     cx.add_element(v);
    ///                 }
    ///             });
    ///         }
    ///     }
    /// }
    ///
    /// let bag = Bag(vec![String::from("ab"), String::from("c")]);
    /// assert_eq!(bag.heap_size(), bag.0.capacity() * 24 + 2 + 1);
    /// ```
    #[inline]
    pub fn add_element<T: SizeOf + ?Sized>(&mut self, value: &'a T) {
        if self.report.is_some() {
            self.report_path("[..]", Edge::Elements, value, |cx| value.add_heap(cx));
        } else {
            value.add_heap(self);
        }
    }

    /// Adds the heap owned by one entry of a map, inside the map's
    /// [`descend`](Self::descend): reports fold the keys into `[key]` and
    /// the values into `[value]`.
    #[inline]
    pub fn add_entry<K: SizeOf + ?Sized, V: SizeOf + ?Sized>(&mut self, key: &'a K, value: &'a V) {
        if self.report.is_some() {
            self.report_path("[key]", Edge::Elements, key, |cx| key.add_heap(cx));
            self.report_path("[value]", Edge::Elements, value, |cx| value.add_heap(cx));
        } else {
            key.add_heap(self);
            value.add_heap(self);
        }
    }

    /// Adds the heap owned by a value that lives for less than the traversal
    /// (a value computed on the fly), before this call returns.
    ///
    /// Prefer [`add`](Self::add) wherever the lifetime allows, and
    /// [`add_kept`](Self::add_kept) for contents behind a guard or a
    /// temporary that can be moved: past the depth where the traversal
    /// defers, each `add_borrowed` call in a chain of them still finishes
    /// its own work before returning, so a chain of them nested as deep as
    /// the data grows the machine stack with it.
    pub fn add_borrowed<T: SizeOf + ?Sized + 'a>(&mut self, value: &T) {
        self.scoped(value);
    }

    /// Adds the heap of the contents `keep` dereferences to, keeping `keep`
    /// (a lock guard, a cell borrow, a temporary copy) alive exactly as long
    /// as those contents are traversed, deferred work included, and dropping
    /// it as soon as they are done.
    ///
    /// Shallow contents are traversed before this call returns, with `keep`
    /// on the machine stack. Past the depth where the traversal defers,
    /// `keep` moves to the heap, below the work that reads through it on the
    /// work list, so that arbitrarily deep chains of guards (a million
    /// nested `Mutex`es) stay stack-safe and each guard is still released
    /// right after its own contents.
    ///
    /// ```
    /// use memsize::{Context, SizeOf};
    /// use std::sync::Mutex;
    ///
    /// /// A lock of our own around some shared bytes.
    /// struct Guarded(Mutex<Vec<u8>>);
    ///
    /// impl SizeOf for Guarded {
    ///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
    ///         if let Ok(guard) = self.0.try_lock() {
    ///             cx.add_kept(guard);
    ///         }
    ///     }
    /// }
    ///
    /// let g = Guarded(Mutex::new(Vec::with_capacity(64)));
    /// assert_eq!(g.heap_size(), 64);
    /// // Released as soon as its contents were measured:
    /// assert!(g.0.try_lock().is_ok());
    /// ```
    pub fn add_kept<K>(&mut self, keep: K)
    where
        K: core::ops::Deref + 'a,
        K::Target: SizeOf,
    {
        if self.depth < MAX_DEPTH {
            self.scoped(keep);
        } else {
            self.keep_deferred(keep);
        }
    }

    /// Traverses what `keep` dereferences to before returning, then drops
    /// `keep`.
    fn scoped<K>(&mut self, keep: K)
    where
        K: core::ops::Deref,
        K::Target: SizeOf + 'a,
    {
        let base = self.pending_len();
        let scope = Scope {
            cx: self,
            base,
            keep,
        };
        // SAFETY: the reference is handed only to this traversal, whose only
        // way to keep a reference past this call is the work list (`add`,
        // `descend`), above `base`. That work is run before `scope` is
        // dropped (below) or, if the traversal unwinds, dropped by `scope`'s
        // destructor before `keep`, its field, is: either way nothing reads
        // through the reference once `keep`, which licenses it, is gone.
        let contents: &'a K::Target = unsafe { &*(&*scope.keep as *const K::Target) };
        scope.cx.depth += 1;
        contents.add_heap(scope.cx);
        if scope.cx.pending_len() > base {
            scope.cx.drain_to(base);
        }
        scope.cx.depth -= 1;
    }

    /// [`add_kept`](Self::add_kept) past the depth limit: `keep` goes to the
    /// heap, on the work list, below the work for its contents.
    #[cold]
    #[inline(never)]
    fn keep_deferred<K>(&mut self, keep: K)
    where
        K: core::ops::Deref + 'a,
        K::Target: SizeOf,
    {
        let keep = Box::new(keep);
        // SAFETY: `keep` is boxed, so moving the box below does not move
        // what the reference points into (a guard that dereferences into
        // itself stays put), and `keep` outlives `'a`'s traversal only if it
        // is still on the work list, which the traversal empties before it
        // ends. The box goes on the work list below the work that reads
        // through the reference, and the list runs last in, first out: the
        // box is dropped only after that work has run or, when the traversal
        // unwinds, been dropped (`Rare`'s destructor keeps the order).
        let contents: &'a K::Target = unsafe { &*(&**keep as *const K::Target) };
        self.defer(move |_: &mut Context<'a>| drop(keep));
        self.defer(move |cx: &mut Context<'a>| contents.add_heap(cx));
    }

    /// Reaches contents that only a guard can give (a lock, a cell): calls
    /// `acquire` (which may retry, but must not block indefinitely) and adds what its guard dereferences to with
    /// [`add_kept`](Self::add_kept), holding the guard only while those
    /// contents are traversed. `None` from `acquire` means the contents can't
    /// be reached now: they are left out and counted in
    /// [`HeapStats::skipped`].
    ///
    /// Past the depth where the traversal defers, the acquisition itself is
    /// deferred too, so that no guard is held while other values' work runs.
    #[inline]
    pub fn add_guarded<G, F>(&mut self, acquire: F)
    where
        F: FnOnce(&mut Context<'a>) -> Option<G> + 'a,
        G: core::ops::Deref + 'a,
        G::Target: SizeOf,
    {
        if self.depth < MAX_DEPTH {
            match acquire(self) {
                Some(guard) => self.add_kept(guard),
                None => self.skip(),
            }
        } else {
            self.defer(move |cx: &mut Context<'a>| match acquire(cx) {
                Some(guard) => cx.add_kept(guard),
                None => cx.skip(),
            });
        }
    }

    /// Records contents that could not be reached (see
    /// [`HeapStats::skipped`]).
    #[cold]
    pub fn skip(&mut self) {
        self.rare().skipped += 1;
    }

    /// The traversal's lock-retry budget (see `impls::sync`).
    #[cfg(feature = "std")]
    pub(crate) fn lock_waits(&mut self) -> &mut crate::impls::LockWaits {
        &mut self.rare().waits
    }

    /// Adds one allocation the value owns: its layout and its address, which
    /// is the address the allocator returned for it (the start of the
    /// block), or null where that is not known. Nothing is added for a
    /// zero-sized layout, which allocates nothing.
    #[inline]
    pub fn add_alloc(&mut self, ptr: *const u8, layout: Layout) {
        if self.report.is_some() {
            self.report_own(ptr, layout, 1);
        }
        // The allocations exist, so their sizes sum to less than the address
        // space: a plain add can't overflow (and wrapping can't panic). A
        // zero-sized layout is no allocation: it adds 0 and counts 0, without
        // a branch.
        self.bytes = self.bytes.wrapping_add(layout.size());
        self.allocations = self
            .allocations
            .wrapping_add(usize::from(layout.size() != 0));
    }

    /// Adds `bytes` of heap whose allocations are not known one by one: the
    /// figure a `#[memsize(with = ...)]` function returns for a foreign type.
    /// The bytes count (saturating: the figure is the caller's); the
    /// allocations are not counted.
    #[inline]
    pub fn add_opaque(&mut self, bytes: usize) {
        if self.report.is_some() {
            self.builder().own(bytes, 0, None);
        }
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// Puts allocations on the report's current path.
    #[cold]
    #[inline(never)]
    fn report_own(&mut self, ptr: *const u8, layout: Layout, count: usize) {
        if layout.size() == 0 || count == 0 {
            return;
        }
        let b = self.builder();
        let usable = if b.usable && count == 1 && !ptr.is_null() {
            // SAFETY: `ReportBuilder::usable_sizes`, the only way to turn
            // `usable` on, makes its caller promise that a non-null address
            // given to `add_alloc` is a live block of the global allocator,
            // with this layout.
            unsafe { crate::report::usable_size(ptr, layout) }
        } else {
            None
        };
        b.own(layout.size().saturating_mul(count), count, usable);
        #[cfg(feature = "alloc-sites")]
        if count == 1 && !ptr.is_null() {
            let node = b.current;
            if let Some(addresses) = &mut b.addresses {
                let _untracked = crate::alloc::untracked();
                addresses.push((node, ptr as usize));
            }
        }
    }

    /// Adds `count` allocations of one layout whose addresses are not known
    /// (the nodes of a linked list or a B-tree, say), in one step.
    #[inline]
    pub fn add_allocs(&mut self, layout: Layout, count: usize) {
        if self.report.is_some() {
            self.report_own(core::ptr::null(), layout, count);
        }
        if layout.size() != 0 && count != 0 {
            let bytes = layout.size().saturating_mul(count);
            self.bytes = self.bytes.saturating_add(bytes);
            self.allocations = self.allocations.saturating_add(count);
        }
    }

    /// Adds a shared allocation (the block of an `Rc` or `Arc`) the first
    /// time this traversal reaches it, and returns whether it was the first
    /// time: only then should the caller go on into its contents. `ptr` is
    /// any address inside the allocation that every owner sees the same
    /// (`Rc::as_ptr`, say).
    pub fn add_shared(&mut self, ptr: *const u8, layout: Layout) -> bool {
        if self.rare().seen.insert(ptr as usize) {
            if self.report.is_some() {
                self.builder().mark_shared();
            }
            // `ptr` tells blocks apart; it need not be where the block starts.
            self.add_alloc(core::ptr::null(), layout);
            true
        } else {
            false
        }
    }
}

/// A set of addresses, to remember which shared allocations a traversal
/// has seen: open addressing with linear probing over power-of-two tables,
/// zero marking an empty slot.
///
/// Its own memory is part of what a traversal costs, so it is kept small.
/// The addresses of one program's allocations mostly lie within a few
/// gigabytes of each other: an 8-aligned address within 16 GiB of the first
/// one seen is stored as a 32-bit slot (its distance in words, plus one);
/// any other address in a second table of full words. Tables grow at three
/// quarters full, so even while one grows (old and new table both alive)
/// the set holds at most 16 bytes per address.
#[derive(Default)]
struct AddrSet {
    /// The address 16 GiB below the first one seen; `None` before it.
    base: Option<usize>,
    near: Table<u32>,
    far: Table<usize>,
}

/// Addresses from `base` to this many words above it go in `near`.
const NEAR_WORDS: usize = (u32::MAX - 1) as usize;
/// How far below the first address the window starts, in bytes.
const HALF_WINDOW: usize = (NEAR_WORDS / 2).saturating_mul(8);

impl AddrSet {
    /// Inserts `addr`; returns false if it was there already.
    fn insert(&mut self, addr: usize) -> bool {
        let base = *self
            .base
            .get_or_insert_with(|| addr.saturating_sub(HALF_WINDOW));
        let offset = addr.wrapping_sub(base);
        if offset % 8 == 0 && offset / 8 < NEAR_WORDS {
            self.near.insert((offset / 8) as u32 + 1)
        } else {
            // Zero never collides with a real address: shift it to the top.
            self.far.insert(if addr == 0 { usize::MAX } else { addr })
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.near.len + self.far.len
    }
}

/// One open-addressing table of nonzero keys.
struct Table<K> {
    slots: Vec<K>,
    len: usize,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            len: 0,
        }
    }
}

/// What a [`Table`] stores: a nonzero integer key.
trait Key: Copy + Eq {
    const EMPTY: Self;
    /// The slot to start probing at, for a table of `mask + 1` slots.
    fn start(self, mask: usize) -> usize;
}

impl Key for u32 {
    const EMPTY: Self = 0;
    #[inline]
    fn start(self, mask: usize) -> usize {
        // Fibonacci hashing spreads consecutive words over the table.
        (self.wrapping_mul(0x9E37_79B9) as usize >> 3) & mask
    }
}

impl Key for usize {
    const EMPTY: Self = 0;
    #[inline]
    fn start(self, mask: usize) -> usize {
        (self.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 7) & mask
    }
}

impl<K: Key> Table<K> {
    /// Inserts a nonzero `key`; returns false if it was there already.
    fn insert(&mut self, key: K) -> bool {
        // Grow at three quarters full.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let inserted = Self::place(&mut self.slots, key);
        self.len += usize::from(inserted);
        inserted
    }

    fn place(slots: &mut [K], key: K) -> bool {
        let mask = slots.len() - 1;
        let mut i = key.start(mask);
        loop {
            let k = slots[i];
            if k == K::EMPTY {
                slots[i] = key;
                return true;
            }
            if k == key {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let new_len = (self.slots.len() * 2).max(64);
        let mut slots = crate::lib::vec![K::EMPTY; new_len];
        for &k in self.slots.iter().filter(|&&k| k != K::EMPTY) {
            Self::place(&mut slots, k);
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::AddrSet;

    #[test]
    fn addr_set_remembers() {
        let mut s = AddrSet::default();
        // Near and far addresses, aligned and not, zero included.
        let addrs = || {
            (0..10_000usize)
                .map(|i| (0x5555_1000_0000_u64 as usize).wrapping_add(i * 16))
                .chain((0..1000usize).map(|i| i * 24 + 3))
                .chain([0, 1, usize::MAX - 7])
        };
        for a in addrs() {
            assert!(s.insert(a), "{a:#x}");
        }
        for a in addrs() {
            assert!(!s.insert(a), "{a:#x}");
        }
        assert_eq!(s.len(), 11_003);
    }
}
