//! The traversal context that [`SizeOf::add_heap`] fills in.

mod hook;
mod seen;

pub use hook::Edge;
pub(crate) use hook::{Hook, Name, Position, Skip, STOP};

use crate::lib::{size_of, Box, Layout, Vec};
use crate::SizeOf;
use seen::AddrSet;

/// How much of the machine stack a traversal may use, measured from where
/// it started, before it defers the rest of the value to an explicit work
/// list on the heap. Shallow data (almost all data) never reaches it and pays
/// nothing for stack safety; a frame of a recursive `add_heap` is a few
/// dozen bytes in release builds and a few hundred in debug builds, so this
/// is hundreds of levels of nesting in either.
const STACK_BUDGET: usize = 64 * 1024;

/// Where the machine stack is now: the stack pointer (on x86-64 and
/// AArch64), or the address of a local. The stack grows down on every
/// target Rust supports, so the traversal may recurse while this is above
/// its limit. The check is one comparison before the recursion's call,
/// never work after it returns, so a recursion through pointers (a `Box`
/// list) compiles to a loop.
#[inline(always)]
fn stack_here() -> usize {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        let sp: usize;
        // SAFETY: reads the stack pointer into a register and does nothing
        // else: no memory, no stack, no flags touched.
        unsafe {
            core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
        };
        sp
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    {
        let sp: usize;
        // SAFETY: reads the stack pointer into a register and does nothing
        // else: no memory, no stack, no flags touched.
        unsafe {
            core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
        };
        sp
    }
    #[cfg(any(miri, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
    {
        // Elsewhere, the address of a local: the same measure, at the cost
        // of a stack slot.
        let marker = 0u8;
        core::ptr::addr_of!(marker) as usize
    }
}

/// A piece of the value whose traversal was deferred to keep the machine
/// stack flat, or a guard to drop once the work above it is done.
type Deferred<'a> = Box<dyn FnOnce(&mut Context<'a>) + 'a>;

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
    bounds: usize,
    /// What the values at one position traversed without the hook added,
    /// not yet told to the hook (see [`Context::unhooked`]): the values at
    /// one depth of a report follow each other, and their sums are told
    /// once, with the next position's or at the end.
    below: Option<(Position, usize, usize)>,
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
            bounds: 0,
            below: None,
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

#[cold]
#[inline(never)]
fn unreachable_hook() -> ! {
    panic!("only hooked traversals have a hook")
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
    /// `RefCell` mutably borrowed at the time. Zero means no contents were
    /// left out this way.
    ///
    /// A [`Report`](crate::Report) of the same value shows where: a line
    /// `(skipped: ...)` at the node of each lock or cell left out, beside
    /// the fields left out with `#[memsize(skip)]` (which are the user's
    /// choice and do not count here) and the figures that are bounds.
    pub skipped: usize,
    /// How many of the figures added are documented lower bounds rather
    /// than exact ([`Context::add_bound`]): what a foreign type owns that
    /// can't be reached, such as the heap of messages queued in a channel.
    /// Zero means every figure is exact. A report shows each at its node.
    pub bounds: usize,
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
/// [`descend`](Self::descend) recurse on the machine stack up to a fixed budget (64 KiB) and
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
    /// How far down the machine stack the traversal may recurse: where it
    /// started, less [`STACK_BUDGET`].
    stack_limit: usize,
    /// What listens to the traversal (a report being built), when
    /// anything does: checked (one null test) where a listener needs to
    /// know the path, so plain traversals stay as they were.
    hook: Option<Box<dyn Hook>>,
    /// Where the hook is in the value: the path the last `enter` not yet
    /// left leads to. Kept here, so that leaving a path is a store.
    at: Position,
    rare: Option<Box<Rare<'a>>>,
}

impl<'a> Context<'a> {
    #[inline]
    fn new() -> Self {
        Context {
            bytes: 0,
            allocations: 0,
            stack_limit: stack_here().saturating_sub(STACK_BUDGET),
            hook: None,
            at: 0,
            rare: None,
        }
    }

    /// A context that tells `hook` what it finds as it goes.
    pub(crate) fn with_hook(hook: Box<dyn Hook>) -> Self {
        let mut cx = Context::new();
        cx.hook = Some(hook);
        cx
    }

    /// The hook, to set it up between roots.
    pub(crate) fn hook_mut(&mut self) -> Option<&mut (dyn Hook + 'static)> {
        self.hook.as_deref_mut()
    }

    /// Adds one root of a measurement and everything it owns: of a report,
    /// named `name` or, without one, after its type (the hook names it). A
    /// reference reaches here as its referent (see [`SizeOf::__add_root`]).
    pub(crate) fn add_root<T: SizeOf + ?Sized>(&mut self, value: &'a T, name: Option<Name>) {
        if let Some(hook) = self.hook.as_deref_mut() {
            self.at = hook.root(name, value.__type_name(), core::mem::size_of_val(value));
        }
        value.add_heap(self);
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
    }

    /// Adds one root of a report whose type is erased (the registry's):
    /// `type_name` names the value's real type (a `&dyn SizeOf` would name
    /// `dyn SizeOf`).
    #[cfg(feature = "std")]
    pub(crate) fn add_root_dyn(
        &mut self,
        name: Name,
        type_name: &'static str,
        value: &'a dyn SizeOf,
    ) {
        if let Some(hook) = self.hook.as_deref_mut() {
            self.at = hook.root(Some(name), type_name, core::mem::size_of_val(value));
        }
        value.add_heap(self);
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
    }

    /// Adds one root measured by a function: no inline bytes, whatever
    /// `measure` adds, and `(fn)` for a type.
    pub(crate) fn add_root_with(&mut self, name: Name, measure: impl FnOnce(&mut Context<'a>)) {
        if let Some(hook) = self.hook.as_deref_mut() {
            self.at = hook.root(Some(name), "(fn)", 0);
        }
        measure(self);
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
    }

    /// Ends a hooked traversal: the hook, and how much was skipped.
    pub(crate) fn finish_hooked(mut self) -> (Option<Box<dyn Hook>>, usize) {
        if self.pending_len() > 0 {
            self.drain_to(0);
        }
        if let Some(below) = self.rare.as_mut().and_then(|r| r.below.take()) {
            self.tell_below(below);
        }
        let skipped = self.rare.as_ref().map_or(0, |r| r.skipped);
        (self.hook.take(), skipped)
    }

    /// The hook of a traversal that has one; only called behind a
    /// `self.hook.is_some()` test.
    #[inline]
    fn hook(&mut self) -> &mut (dyn Hook + 'static) {
        match self.hook.as_deref_mut() {
            Some(hook) => hook,
            None => unreachable_hook(),
        }
    }

    /// Runs `visit` at the path `name`, reached by `edge`.
    #[cold]
    #[inline(never)]
    fn hooked_path<T: SizeOf + ?Sized>(
        &mut self,
        name: &'static str,
        edge: Edge,
        value: &T,
        visit: impl FnOnce(&mut Self),
    ) {
        let type_name = value.__type_name();
        self.enter_and_visit(name, type_name, edge, core::mem::size_of_val(value), visit);
    }

    /// Enters the path `name` and runs `visit` there; where the hook stops
    /// following paths ([`hook::STOP`]), runs it as a plain traversal and
    /// tells the hook what it added.
    #[inline(always)]
    fn enter_and_visit(
        &mut self,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
        visit: impl FnOnce(&mut Self),
    ) {
        let back = self.at;
        let at = self.hook().enter(back, name, type_name, edge, inline);
        if at & hook::STOP == 0 {
            self.at = at;
            visit(self);
        } else {
            self.at = at & !hook::STOP;
            self.unhooked(visit);
        }
        self.at = back;
    }

    /// Runs `visit` as a plain traversal (no hook, nothing deferred left
    /// behind), then tells the hook, at the current path, the bytes and
    /// allocations it added.
    // Inlined into the (out of line) path's code: a report to a depth runs
    // it for every value at that depth.
    #[inline(always)]
    fn unhooked(&mut self, visit: impl FnOnce(&mut Self)) {
        // The rarely used parts exist before the hook is taken: a hooked
        // traversal's are the caller's, and counted so.
        let base = self.rare().pending.len();
        let hook = self.hook.take();
        let (bytes, allocations) = (self.bytes, self.allocations);
        visit(self);
        if self.pending_len() > base {
            self.drain_to(base);
        }
        self.hook = hook;
        let (bytes, allocations) = (
            self.bytes.wrapping_sub(bytes),
            self.allocations.wrapping_sub(allocations),
        );
        let at = self.at;
        let below = &mut self.rare().below;
        match below {
            Some((p, b, a)) if *p == at => {
                *b = b.wrapping_add(bytes);
                *a = a.wrapping_add(allocations);
            }
            _ => {
                if let Some(earlier) = below.replace((at, bytes, allocations)) {
                    self.tell_below(earlier);
                }
            }
        }
    }

    /// Tells the hook what values at one position added below it.
    #[cold]
    fn tell_below(&mut self, (at, bytes, allocations): (Position, usize, usize)) {
        if let Some(hook) = self.hook.as_deref_mut() {
            hook.below(at, bytes, allocations);
        }
    }

    #[inline]
    fn rare(&mut self) -> &mut Rare<'a> {
        let hooked = self.hook.is_some();
        self.rare.get_or_insert_with(|| Self::new_rare(hooked))
    }

    /// The rarely used parts. A plain traversal's are its own, allocated
    /// untracked (the box too, freed so in `Drop`); a hooked traversal (a
    /// report's) is the caller's code, and counts.
    #[cold]
    #[cfg_attr(not(feature = "std"), allow(unused_variables))]
    fn new_rare(hooked: bool) -> Box<Rare<'a>> {
        #[cfg(feature = "std")]
        let _untracked = (!hooked).then(crate::alloc::untracked);
        #[cfg_attr(not(feature = "std"), allow(unused_mut))]
        let mut rare = Box::new(Rare::new(AddrSet::default()));
        #[cfg(feature = "std")]
        {
            rare.untracked = (!hooked).then(crate::alloc::untracked);
        }
        rare
    }

    /// Measures the heap of `value`: every allocation it owns, each shared
    /// allocation once.
    #[inline]
    pub(crate) fn measure<T: SizeOf + ?Sized>(value: &'a T) -> HeapStats {
        let mut cx = Context::new();
        value.add_heap(&mut cx);
        cx.finish()
    }

    /// Measures several values in one traversal, each shared allocation
    /// once across all of them.
    pub(crate) fn measure_all(values: &'a [&'a dyn SizeOf]) -> HeapStats {
        let mut cx = Context::new();
        for &value in values {
            // `value` is the `dyn SizeOf` itself, not a reference to it
            // (whose `add_heap` adds nothing); if it is a reference itself
            // (`&[&c]` with `c: &Cache`), its referent is measured.
            let value: &'a dyn SizeOf = value;
            value.__add_root(&mut cx, None);
        }
        cx.finish()
    }

    /// Runs what is left and returns the totals.
    #[inline]
    fn finish(mut self) -> HeapStats {
        let (mut skipped, mut bounds) = (0, 0);
        if let Some(rare) = &self.rare {
            if !rare.pending.is_empty() {
                self.drain_to(0);
            }
            (skipped, bounds) = self.rare.as_ref().map_or((0, 0), |r| (r.skipped, r.bounds));
        }
        let stats = HeapStats {
            bytes: self.bytes,
            allocations: self.allocations,
            skipped,
            bounds,
        };
        if self.rare.is_none() && self.hook.is_none() {
            // Nothing to free: skip the drop glue, which the compiler would
            // otherwise call out of line on the fast path.
            core::mem::forget(self);
        }
        stats
    }

    /// Whether the traversal may recurse on the machine stack here, or
    /// must defer (see [`STACK_BUDGET`]).
    #[inline(always)]
    fn has_stack(&self) -> bool {
        stack_here() > self.stack_limit
    }

    #[inline]
    fn pending_len(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.pending.len())
    }

    /// Runs the deferred work above `base` until none is left there, each
    /// piece from the stack depth this call is made at.
    #[cold]
    #[inline(never)]
    fn drain_to(&mut self, base: usize) {
        while let Some(work) = self.rare.as_mut().and_then(|r| {
            if r.pending.len() > base {
                r.pending.pop()
            } else {
                None
            }
        }) {
            work(self);
        }
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
    /// fixed budget of machine stack, the rest is deferred to a work list. Every
    /// pointer that can make data arbitrarily deep must go through `add` or
    /// [`descend`](Self::descend).
    #[inline]
    pub fn add<T: SizeOf + ?Sized>(&mut self, value: &'a T) {
        if self.hook.is_some() {
            self.hooked_path("*", Edge::Pointee, value, |cx| cx.add_unhooked(value));
        } else {
            self.add_unhooked(value);
        }
    }

    #[inline]
    fn add_unhooked<T: SizeOf + ?Sized>(&mut self, value: &'a T) {
        if self.has_stack() {
            value.add_heap(self);
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
        if self.has_stack() {
            visit(self);
        } else {
            self.defer(visit);
        }
    }

    #[cold]
    #[inline(never)]
    fn defer<F: FnOnce(&mut Context<'a>) + 'a>(&mut self, visit: F) {
        if self.hook.is_some() {
            // Deferred work lands under the path it was deferred from.
            let at = self.at;
            self.rare()
                .pending
                .push(Box::new(move |cx: &mut Context<'a>| {
                    let back = core::mem::replace(&mut cx.at, at);
                    visit(cx);
                    cx.at = back;
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
    /// toward the stack that [`add`](Self::add) limits. For anything reached
    /// through a pointer, use [`add`](Self::add).
    #[inline]
    pub fn add_field<T: SizeOf + ?Sized>(&mut self, name: &'static str, value: &'a T) {
        if self.hook.is_some() {
            self.hooked_path(name, Edge::Field, value, |cx| value.add_heap(cx));
        } else {
            value.add_heap(self);
        }
    }

    /// A field whose type owns no heap: nothing to add; a report records
    /// its inline bytes (the derive calls this, through `__private::field`).
    #[inline(always)]
    pub(crate) fn add_inline_field<T: SizeOf>(&mut self, name: &'static str, value: &T) {
        if self.hook.is_some() {
            self.hooked_inline_field(name, value.__type_name(), size_of::<T>());
        }
    }

    #[cold]
    #[inline(never)]
    fn hooked_inline_field(&mut self, name: &'static str, type_name: &'static str, size: usize) {
        let at = self.at;
        self.hook().inline_field(at, name, type_name, size);
    }

    /// Runs a `#[memsize(add_heap = f)]` function at the field's path.
    #[inline]
    pub(crate) fn add_field_with<T: ?Sized>(
        &mut self,
        name: &'static str,
        value: &'a T,
        function: fn(&'a T, &mut Context<'a>),
    ) {
        if self.hook.is_some() {
            self.enter_and_visit(
                name,
                core::any::type_name::<T>(),
                Edge::Field,
                core::mem::size_of_val(value),
                |cx| function(value, cx),
            );
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
        if self.hook.is_some() {
            self.hooked_path("[..]", Edge::Elements, value, |cx| value.add_heap(cx));
        } else {
            value.add_heap(self);
        }
    }

    /// Adds the heap owned by one entry of a map, inside the map's
    /// [`descend`](Self::descend): reports fold the keys into `[key]` and
    /// the values into `[value]`.
    #[inline]
    pub fn add_entry<K: SizeOf + ?Sized, V: SizeOf + ?Sized>(&mut self, key: &'a K, value: &'a V) {
        if self.hook.is_some() {
            self.hooked_path("[key]", Edge::Elements, key, |cx| key.add_heap(cx));
            self.hooked_path("[value]", Edge::Elements, value, |cx| value.add_heap(cx));
        } else {
            key.add_heap(self);
            value.add_heap(self);
        }
    }

    /// [`add_entry`](Self::add_entry) for sized keys and values: a part
    /// that owns no heap is not visited, in reports too (as the elements of
    /// a container that own none are not).
    #[inline]
    pub(crate) fn add_sized_entry<K: SizeOf, V: SizeOf>(&mut self, key: &'a K, value: &'a V) {
        if self.hook.is_some() {
            if !K::is_heap_free() {
                self.hooked_path("[key]", Edge::Elements, key, |cx| key.add_heap(cx));
            }
            if !V::is_heap_free() {
                self.hooked_path("[value]", Edge::Elements, value, |cx| value.add_heap(cx));
            }
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
    /// temporary that can be moved: past the stack depth where the traversal
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
    /// on the machine stack. Past the stack depth where the traversal defers,
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
        if self.has_stack() {
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
        contents.add_heap(scope.cx);
        if scope.cx.pending_len() > base {
            scope.cx.drain_to(base);
        }
    }

    /// [`add_kept`](Self::add_kept) past the stack budget: `keep` goes to the
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
    /// Past the stack depth where the traversal defers, the acquisition itself is
    /// deferred too, so that no guard is held while other values' work runs.
    #[inline]
    pub fn add_guarded<G, F>(&mut self, acquire: F)
    where
        F: FnOnce(&mut Context<'a>) -> Option<G> + 'a,
        G: core::ops::Deref + 'a,
        G::Target: SizeOf,
    {
        if self.has_stack() {
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
        self.skipped(Skip::Unreachable);
    }

    /// Records something left out of the figures, and tells the hook why.
    #[cold]
    pub(crate) fn skipped(&mut self, why: Skip) {
        match why {
            Skip::Unreachable => self.rare().skipped += 1,
            Skip::Bound(_) => self.rare().bounds += 1,
            Skip::Field { .. } => {}
        }
        let at = self.at;
        if let Some(hook) = self.hook.as_deref_mut() {
            hook.skipped(at, why);
        }
    }

    /// Says that what was just added for the current value is a lower
    /// bound, not an exact figure: `what` (the heap of messages queued in a
    /// channel, say) is owned but can't be reached. Counted in
    /// [`HeapStats::bounds`], and shown at the value's node in a report.
    /// Impls whose figure is a documented bound call this each time.
    ///
    /// ```
    /// use memsize::{Context, SizeOf};
    ///
    /// /// Holds a handle to a buffer it can't see into.
    /// struct Opaque(Vec<u8>);
    ///
    /// impl SizeOf for Opaque {
    ///     fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
    ///         cx.add_field("known", &self.0);
    ///         cx.add_bound("the foreign buffer");
    ///     }
    /// }
    ///
    /// let stats = Opaque(vec![0; 10]).heap_stats();
    /// assert_eq!((stats.bytes, stats.bounds), (10, 1));
    /// ```
    #[cold]
    pub fn add_bound(&mut self, what: &'static str) {
        self.skipped(Skip::Bound(what));
    }

    /// A field left out with `#[memsize(skip)]`: nothing to add; a report
    /// shows it, marked skipped (the derive calls this, through
    /// `__private::skipped_field`).
    #[inline(always)]
    pub(crate) fn skipped_field(
        &mut self,
        name: &'static str,
        type_name: &'static str,
        size: usize,
    ) {
        if self.hook.is_some() {
            self.skipped(Skip::Field {
                name,
                type_name,
                inline: size,
            });
        }
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
        if self.hook.is_some() {
            self.hooked_alloc(ptr, layout, 1);
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
        if self.hook.is_some() {
            let at = self.at;
            self.hook().opaque(at, bytes);
        }
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// Tells the hook of allocations at the current path.
    #[cold]
    #[inline(never)]
    fn hooked_alloc(&mut self, ptr: *const u8, layout: Layout, count: usize) {
        if layout.size() != 0 && count != 0 {
            let at = self.at;
            self.hook().alloc(at, ptr, layout, count);
        }
    }

    /// Adds `count` allocations of one layout whose addresses are not known
    /// (the nodes of a linked list or a B-tree, say), in one step.
    #[inline]
    pub fn add_allocs(&mut self, layout: Layout, count: usize) {
        if self.hook.is_some() {
            self.hooked_alloc(core::ptr::null(), layout, count);
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
            if self.hook.is_some() {
                let at = self.at;
                self.hook().shared(at);
            }
            // `ptr` tells blocks apart; it need not be where the block starts.
            self.add_alloc(core::ptr::null(), layout);
            true
        } else {
            false
        }
    }
}
