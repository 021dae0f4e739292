//! The traversal's one seam: what it tells a listener as it goes.
//!
//! A plain traversal (`heap_size()`) has no listener and pays one null test
//! at the calls that would tell one. A report being built is a listener:
//! it follows the path (`enter`, `leave`), and puts each allocation on the
//! path it was found at. Anything else that wants to see a traversal (an
//! exporter, a join with allocation sites) is a listener too, and the
//! traversal knows nothing of what it does.

use std_alloc::borrow::Cow;

use crate::lib::Layout;

/// A root's name.
pub(crate) type Name = Cow<'static, str>;

/// Where a listener is in the value, to come back to after a path element
/// (see [`Hook::enter`]), or to resume deferred work at.
pub(crate) type Position = u32;

/// Set in the position [`Hook::enter`] returns where the hook follows the
/// path no deeper: what lies below is traversed without the hook and given
/// to it whole, by [`Hook::below`].
pub(crate) const STOP: Position = 1 << 31;

/// How a node is reached from its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Edge {
    /// One of several values measured together.
    Root,
    /// A field stored inline in its parent: its inline bytes are part of the
    /// parent's.
    Field,
    /// A value behind a pointer the parent owns (`*`): its inline bytes are
    /// inside one of the parent's allocations.
    Pointee,
    /// A container's elements, folded into one node (`[..]`), or a map's
    /// keys (`[key]`) or values (`[value]`): their inline bytes are inside
    /// the container's own allocations.
    Elements,
}

impl Edge {
    /// Whether the node's inline bytes count toward its parent's total
    /// (fields and roots) or are already inside a parent's allocation.
    pub fn is_inline(self) -> bool {
        matches!(self, Edge::Root | Edge::Field)
    }
}

/// What a traversal left out of its figures, at the current path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Contents that could not be reached: a lock held elsewhere, a cell
    /// borrowed mutably. Counted in `HeapStats::skipped`.
    Unreachable,
    /// A field left out with `#[memsize(skip)]`, with its type and inline
    /// bytes (which count, as part of its parent).
    Field {
        name: &'static str,
        type_name: &'static str,
        inline: usize,
    },
    /// The figure of the current value is a lower bound: what it says is
    /// not counted. Counted in `HeapStats::bounds`.
    Bound(&'static str),
}

/// A listener to a traversal. Every call names the path it is made at: a
/// position that [`root`](Self::root) or [`enter`](Self::enter) returned.
pub(crate) trait Hook {
    /// A new root, named by the caller or, without a name, after its type;
    /// returns its position.
    fn root(&mut self, name: Option<Name>, type_name: &'static str, inline: usize) -> Position;

    /// Enters the path element `name` (a value of `type_name` with `inline`
    /// bytes of its own, reached by `edge`) below the path at `at`; returns
    /// the position of the path entered, with [`STOP`] set where the hook
    /// follows no deeper. Leaving it is the traversal's business: it goes
    /// on at `at`.
    fn enter(
        &mut self,
        at: Position,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
    ) -> Position;

    /// A field whose type owns no heap: its inline bytes only.
    fn inline_field(
        &mut self,
        at: Position,
        name: &'static str,
        type_name: &'static str,
        size: usize,
    );

    /// `count` allocations of `layout`, at `ptr` where that is known (one
    /// allocation, at the address the allocator returned for it) or null.
    /// Never called for no allocation.
    fn alloc(&mut self, at: Position, ptr: *const u8, layout: Layout, count: usize);

    /// Heap bytes whose allocations are not known one by one.
    fn opaque(&mut self, at: Position, bytes: usize);

    /// What the value at `at` owns below it, traversed without the hook
    /// (see [`STOP`]): `bytes` in `allocations`.
    fn below(&mut self, at: Position, bytes: usize, allocations: usize);

    /// The allocation just added at `at` is a shared one (an `Rc`'s
    /// block), seen for the first time.
    fn shared(&mut self, at: Position);

    /// Something was left out of the figures at `at`.
    fn skipped(&mut self, at: Position, why: Skip);

    /// The listener itself, to take back what it built.
    fn into_any(self: crate::lib::Box<Self>) -> crate::lib::Box<dyn core::any::Any>;

    /// The listener itself, to set it up between roots.
    fn as_any_mut(&mut self) -> &mut dyn core::any::Any;
}
