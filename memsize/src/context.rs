//! The traversal context that [`SizeOf::add_heap`] fills in.

use crate::lib::{Box, Layout, Vec};
use crate::SizeOf;

/// How deep [`Context::add`] recurses on the machine stack before it defers
/// the rest of the value to an explicit work list on the heap. Shallow data
/// (almost all data) never reaches it and pays nothing for stack safety.
const MAX_DEPTH: u32 = 96;

/// A piece of the value whose traversal was deferred to keep the machine
/// stack flat.
type Deferred<'a> = Box<dyn FnOnce(&mut Context<'a>) + 'a>;

/// A lock guard or cell borrow held until the traversal ends, so that the
/// contents it guards can be borrowed for the traversal's whole lifetime.
trait Held {}
impl<T: ?Sized> Held for T {}

/// What most traversals never need: the shared allocations seen, the
/// deferred work and the held guards. Kept behind one box, allocated the
/// first time any of it is needed, so that the common traversal's context is
/// three words that live in registers.
struct Rare<'a> {
    seen: AddrSet,
    pending: Vec<Deferred<'a>>,
    held: Vec<Box<dyn Held + 'a>>,
}

impl Rare<'_> {
    fn new(seen: AddrSet) -> Self {
        Rare {
            seen,
            pending: Vec::new(),
            held: Vec::new(),
        }
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
    rare: Option<Box<Rare<'a>>>,
}

impl<'a> Context<'a> {
    #[inline]
    fn new(depth: u32) -> Self {
        Context {
            bytes: 0,
            allocations: 0,
            depth,
            rare: None,
        }
    }

    #[inline]
    fn rare(&mut self) -> &mut Rare<'a> {
        self.rare.get_or_insert_with(Self::new_rare)
    }

    #[cold]
    fn new_rare() -> Box<Rare<'a>> {
        Box::new(Rare::new(AddrSet::default()))
    }

    /// Measures the heap of `value`: every allocation it owns, each shared
    /// allocation once.
    #[inline]
    pub(crate) fn measure<T: SizeOf + ?Sized>(value: &'a T) -> HeapStats {
        let mut cx = Context::new(0);
        value.add_heap(&mut cx);
        if cx.rare.is_some() {
            cx.drain();
        }
        HeapStats {
            bytes: cx.bytes,
            allocations: cx.allocations,
        }
    }

    /// Runs the deferred work until none is left.
    #[cold]
    #[inline(never)]
    fn drain(&mut self) {
        let base = self.depth;
        while let Some(work) = self.rare.as_mut().and_then(|r| r.pending.pop()) {
            self.depth = base;
            work(self);
        }
        self.depth = base;
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
        self.rare().pending.push(Box::new(visit));
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
        let _ = name;
        value.add_heap(self);
    }

    /// Adds the heap owned by a value that lives for less than the traversal:
    /// the contents behind a guard the caller holds, or a value computed on
    /// the fly. The value's heap is traversed before this call returns.
    ///
    /// Prefer [`add`](Self::add) wherever the lifetime allows: a chain of
    /// `add_borrowed` calls grows the machine stack with the chain.
    pub fn add_borrowed<T: SizeOf + ?Sized>(&mut self, value: &T) {
        // The borrowed value's own deferred work and guards end with it; the
        // totals and the shared allocations seen carry on.
        let mut sub = Context::new(self.depth);
        sub.bytes = self.bytes;
        sub.allocations = self.allocations;
        if let Some(rare) = &mut self.rare {
            let seen = core::mem::take(&mut rare.seen);
            sub.rare = Some(Box::new(Rare::new(seen)));
        }
        sub.add(value);
        sub.drain();
        self.bytes = sub.bytes;
        self.allocations = sub.allocations;
        if let Some(sub_rare) = &mut sub.rare {
            let seen = core::mem::take(&mut sub_rare.seen);
            self.rare().seen = seen;
        }
    }

    /// Keeps `guard` alive until the traversal ends and returns the contents
    /// it guards, borrowed for the whole traversal, so they can be handed to
    /// [`add`](Self::add) and traversed without growing the machine stack.
    pub(crate) fn hold<G, T>(&mut self, guard: G) -> &'a T
    where
        G: core::ops::Deref<Target = T> + 'a,
        T: ?Sized + 'a,
    {
        let boxed = Box::new(guard);
        let contents: *const T = &**boxed;
        self.rare().held.push(boxed);
        // SAFETY: `contents` points into the value the guard dereferences to,
        // which lives at least as long as `'a` (the guard borrows it for
        // `'a`), and the guard itself is kept alive in `self.rare` until this
        // context is dropped, at the end of the traversal. So for as long as
        // the traversal can use the reference, the guard that licenses shared
        // access to the contents is alive. Moving the guard into a `Box`
        // before taking the pointer means the guard does not move afterwards
        // (guards that deref into themselves stay valid).
        unsafe { &*contents }
    }

    /// Adds one allocation the value owns: its layout and its address (null
    /// where the address is not known). Nothing is added for a zero-sized
    /// layout, which allocates nothing.
    #[inline]
    pub fn add_alloc(&mut self, ptr: *const u8, layout: Layout) {
        let _ = ptr;
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
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// Adds `count` allocations of one layout whose addresses are not known
    /// (the nodes of a linked list or a B-tree, say), in one step.
    #[inline]
    pub fn add_allocs(&mut self, layout: Layout, count: usize) {
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
            self.add_alloc(ptr, layout);
            true
        } else {
            false
        }
    }
}

/// A set of addresses: open addressing over a power-of-two table, zero
/// marking an empty slot. Smaller and several times faster than a std set
/// for the one job it has (remembering which shared allocations were seen).
#[derive(Default)]
struct AddrSet {
    slots: Vec<usize>,
    len: usize,
}

impl AddrSet {
    /// Inserts `addr`; returns false if it was there already.
    fn insert(&mut self, addr: usize) -> bool {
        // Zero never collides with a real address: shift it to the top key.
        let key = if addr == 0 { usize::MAX } else { addr };
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let inserted = Self::place(&mut self.slots, key);
        self.len += usize::from(inserted);
        inserted
    }

    fn place(slots: &mut [usize], key: usize) -> bool {
        let mask = slots.len() - 1;
        // Fibonacci hashing spreads aligned addresses over the table.
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 7) & mask;
        loop {
            match slots[i] {
                0 => {
                    slots[i] = key;
                    return true;
                }
                k if k == key => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let new_len = (self.slots.len() * 2).max(16);
        let mut slots = crate::lib::vec![0usize; new_len];
        for &k in self.slots.iter().filter(|&&k| k != 0) {
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
        for a in (0..10_000usize).map(|i| i * 16) {
            assert!(s.insert(a));
        }
        for a in (0..10_000usize).map(|i| i * 16) {
            assert!(!s.insert(a));
        }
        assert_eq!(s.len, 10_000);
    }
}
