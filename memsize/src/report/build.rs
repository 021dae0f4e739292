//! The report's state during a traversal: a tree of paths, entered and left
//! as the traversal tells it (the report is the traversal's [`Hook`]), off
//! the fast path.

use std_alloc::borrow::Cow;

use crate::context::{Edge, Hook, Position, Skip, STOP};
use crate::lib::{Box, Layout, Vec};

/// One path during the traversal.
pub(crate) struct RawNode {
    pub name: Cow<'static, str>,
    pub type_name: &'static str,
    pub edge: Edge,
    pub parent: u32,
    pub count: u64,
    pub inline: u64,
    /// The inline bytes of the fields of the values at this path (which
    /// may lie on another node, for a recursive type).
    pub field_inline: u64,
    pub has_fields: bool,
    pub own_bytes: u64,
    pub own_allocations: u64,
    pub own_usable: u64,
    pub usable_unknown: bool,
    pub shared: bool,
    /// The values' inline bytes count in the root's total: a root, or a
    /// field of one, through fields only.
    pub counted: bool,
    /// A field left out with `#[memsize(skip)]`.
    pub skipped_field: bool,
    /// Contents that could not be reached here.
    pub unreachable: u64,
    /// What the figures here leave out, where they are bounds.
    pub bounds: Vec<&'static str>,
    /// The tree: children that are really below this node.
    pub children: Vec<u32>,
    /// Where each (name, type) entered from here leads: a child, or an
    /// ancestor for a recursive type (`List -> next -> * -> next` folds
    /// back into the first `next`), so deep data gives a shallow report.
    links: Vec<Link>,
    /// The link matched last, tried first next time (elements visit their
    /// fields in the same order every time).
    hint: usize,
    /// How many path elements below its root (a root is 0).
    depth: u32,
}

struct Link {
    name: &'static str,
    type_name: &'static str,
    edge: Edge,
    target: u32,
}

/// The tree being built.
pub(crate) struct Builder {
    pub nodes: Vec<RawNode>,
    pub usable: bool,
    /// The deepest path followed (see `ReportBuilder::max_depth`).
    pub max_depth: u32,
    /// The addresses of the allocations each node owns, by node, when a
    /// report is built with allocation sites (made untracked: memsize's).
    #[cfg(feature = "alloc-sites")]
    pub addresses: Option<Vec<(u32, usize)>>,
}

/// The node every root hangs from.
pub(crate) const TOP: u32 = 0;

impl Builder {
    pub fn new(usable: bool) -> Self {
        let mut b = Builder {
            nodes: Vec::new(),
            usable,
            max_depth: u32::MAX,
            #[cfg(feature = "alloc-sites")]
            addresses: None,
        };
        b.push(Cow::Borrowed(""), "", Edge::Root, TOP);
        b
    }

    fn push(
        &mut self,
        name: Cow<'static, str>,
        type_name: &'static str,
        edge: Edge,
        parent: u32,
    ) -> u32 {
        let index = self.nodes.len() as u32;
        self.nodes.push(RawNode {
            name,
            type_name,
            edge,
            parent,
            count: 0,
            inline: 0,
            field_inline: 0,
            has_fields: false,
            own_bytes: 0,
            own_allocations: 0,
            own_usable: 0,
            usable_unknown: false,
            shared: false,
            counted: true,
            skipped_field: false,
            unreachable: 0,
            bounds: Vec::new(),
            children: Vec::new(),
            links: Vec::new(),
            hint: 0,
            depth: 0,
        });
        index
    }

    /// Starts a root of its own, named by the caller.
    pub fn root(&mut self, name: Cow<'static, str>, type_name: &'static str, inline: usize) -> u32 {
        let node = self.push(name, type_name, Edge::Root, TOP);
        self.nodes[TOP as usize].children.push(node);
        let n = &mut self.nodes[node as usize];
        n.count = 1;
        n.inline = inline as u64;
        node
    }

    /// A field whose type owns no heap. Its inline bytes are its parent's
    /// (for the padding); it gets a node of its own only where inline bytes
    /// count in the total (the fields of a root), since elsewhere it would
    /// add nothing to any figure.
    pub fn inline_field(
        &mut self,
        at: u32,
        name: &'static str,
        type_name: &'static str,
        size: usize,
    ) {
        let parent = &mut self.nodes[at as usize];
        if parent.counted {
            self.enter(at, name, type_name, Edge::Field, size);
        } else {
            parent.field_inline += size as u64;
            parent.has_fields = true;
        }
    }

    /// Enters the path `name` below the node `at`; returns the node
    /// entered.
    #[inline(always)]
    pub fn enter(
        &mut self,
        at: u32,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
    ) -> u32 {
        let node = self.find_or_add(at, name, type_name, edge, inline);
        let n = &mut self.nodes[node as usize];
        n.count += 1;
        n.inline += inline as u64;
        if n.depth >= self.max_depth {
            node | STOP
        } else {
            node
        }
    }

    /// The node `name` below `at` leads to; for a field, adds its inline
    /// bytes to its parent's fields'.
    #[inline]
    fn find_or_add(
        &mut self,
        at: u32,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
    ) -> u32 {
        // The common case: the link the hint points at, the same strings
        // (elements visit their fields in the same order every time, from
        // the same code).
        let node = &mut self.nodes[at as usize];
        if edge == Edge::Field {
            node.field_inline += inline as u64;
            node.has_fields = true;
        }
        if let Some(l) = node.links.get(node.hint) {
            if core::ptr::eq(l.name, name)
                && core::ptr::eq(l.type_name, type_name)
                && l.edge == edge
            {
                let target = l.target;
                node.hint = if node.hint + 1 == node.links.len() {
                    0
                } else {
                    node.hint + 1
                };
                return target;
            }
        }
        self.find_or_add_slow(at, name, type_name, edge)
    }

    #[cold]
    #[inline(never)]
    fn find_or_add_slow(
        &mut self,
        at: u32,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
    ) -> u32 {
        let cur = at as usize;
        let same = |l: &Link| {
            l.edge == edge
                && l.name == name
                && (core::ptr::eq(l.type_name, type_name) || l.type_name == type_name)
        };
        let node = &mut self.nodes[cur];
        let len = node.links.len();
        if len != 0 {
            for i in (node.hint..len).chain(0..node.hint) {
                if same(&node.links[i]) {
                    node.hint = if i + 1 == len { 0 } else { i + 1 };
                    return node.links[i].target;
                }
            }
        }
        // New here: an ancestor with the same path element and type means a
        // recursive type; fold into it. Only into an ancestor whose values
        // are counted the same way: the values reached here through a
        // pointer must not land on a node whose inline bytes count in the
        // total (a root's field), or its figures would count bytes that lie
        // inside an allocation already counted. A recursive type then folds
        // from its second level on, into the first level behind a pointer.
        let counted = self.nodes[cur].counted && edge.is_inline();
        let mut up = self.nodes[cur].parent;
        let mut at = cur as u32;
        let mut target = None;
        while at != TOP {
            let a = &self.nodes[at as usize];
            if a.edge == edge && a.name == name && a.type_name == type_name && a.counted == counted
            {
                target = Some(at);
                break;
            }
            at = up;
            up = self.nodes[at as usize].parent;
        }
        let target = match target {
            Some(t) => t,
            None => {
                let child = self.push(Cow::Borrowed(name), type_name, edge, cur as u32);
                let depth = self.nodes[cur].depth.saturating_add(1);
                self.nodes[child as usize].counted = counted;
                self.nodes[child as usize].depth = depth;
                self.nodes[cur].children.push(child);
                child
            }
        };
        self.nodes[cur].links.push(Link {
            name,
            type_name,
            edge,
            target,
        });
        target
    }

    #[inline]
    pub fn own(&mut self, at: u32, bytes: usize, allocations: usize, usable: Option<usize>) {
        let n = &mut self.nodes[at as usize];
        n.own_bytes += bytes as u64;
        n.own_allocations += allocations as u64;
        match usable {
            Some(u) => n.own_usable += u as u64,
            None => n.usable_unknown |= bytes != 0,
        }
    }

    pub fn mark_shared(&mut self, at: u32) {
        self.nodes[at as usize].shared = true;
    }
}

impl Hook for Builder {
    fn root(
        &mut self,
        name: Option<Cow<'static, str>>,
        type_name: &'static str,
        inline: usize,
    ) -> Position {
        let name = name.unwrap_or_else(|| Cow::Owned(super::short_type_name(type_name)));
        Builder::root(self, name, type_name, inline)
    }

    #[inline]
    fn enter(
        &mut self,
        at: Position,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
    ) -> Position {
        Builder::enter(self, at, name, type_name, edge, inline)
    }

    fn inline_field(
        &mut self,
        at: Position,
        name: &'static str,
        type_name: &'static str,
        size: usize,
    ) {
        Builder::inline_field(self, at, name, type_name, size);
    }

    fn alloc(&mut self, at: Position, ptr: *const u8, layout: Layout, count: usize) {
        #[cfg(feature = "alloc-sites")]
        if count == 1 && !ptr.is_null() {
            if let Some(addresses) = &mut self.addresses {
                let _untracked = crate::alloc::untracked();
                addresses.push((at, ptr as usize));
            }
        }
        if !self.usable {
            let n = &mut self.nodes[at as usize];
            n.own_bytes += (layout.size() as u64).saturating_mul(count as u64);
            n.own_allocations += count as u64;
            n.usable_unknown = true;
            return;
        }
        let usable = if count == 1 && !ptr.is_null() {
            // SAFETY: `ReportBuilder::usable_sizes`, the only way to turn
            // `usable` on, makes its caller promise that a non-null address
            // given to `add_alloc` is a live block of the global allocator,
            // with this layout.
            unsafe { super::usable_size(ptr, layout) }
        } else {
            None
        };
        self.own(at, layout.size().saturating_mul(count), count, usable);
    }

    fn opaque(&mut self, at: Position, bytes: usize) {
        self.own(at, bytes, 0, None);
    }

    fn below(&mut self, at: Position, bytes: usize, allocations: usize) {
        self.own(at, bytes, allocations, None);
    }

    fn shared(&mut self, at: Position) {
        self.mark_shared(at);
    }

    fn skipped(&mut self, at: Position, why: Skip) {
        match why {
            Skip::Field {
                name,
                type_name,
                inline,
            } => {
                let node = self.enter(at, name, type_name, Edge::Field, inline);
                self.nodes[node as usize].skipped_field = true;
            }
            Skip::Unreachable => self.nodes[at as usize].unreachable += 1,
            Skip::Bound(what) => {
                let bounds = &mut self.nodes[at as usize].bounds;
                if !bounds.contains(&what) {
                    bounds.push(what);
                }
            }
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn core::any::Any> {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn core::any::Any {
        self
    }
}
