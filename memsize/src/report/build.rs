//! The report's state during a traversal: a tree of paths, entered and left
//! by the [`Context`](crate::Context) hooks, off the fast path.

use std_alloc::borrow::Cow;

use crate::lib::Vec;

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
    /// The tree: children that are really below this node.
    pub children: Vec<u32>,
    /// Where each (name, type) entered from here leads: a child, or an
    /// ancestor for a recursive type (`List -> next -> * -> next` folds
    /// back into the first `next`), so deep data gives a shallow report.
    links: Vec<Link>,
    /// The link matched last, tried first next time (elements visit their
    /// fields in the same order every time).
    hint: usize,
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
    pub current: u32,
    pub usable: bool,
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
            current: TOP,
            usable,
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
            children: Vec::new(),
            links: Vec::new(),
            hint: 0,
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
        self.current = node;
        node
    }

    /// Enters the path `name` below the current node; returns the node to
    /// go back to.
    /// A field whose type owns no heap. Its inline bytes are its parent's
    /// (for the padding); it gets a node of its own only where inline bytes
    /// count in the total (the fields of a root), since elsewhere it would
    /// add nothing to any figure.
    pub fn inline_field(&mut self, name: &'static str, type_name: &'static str, size: usize) {
        let cur = self.current as usize;
        if self.nodes[cur].counted {
            let back = self.enter(name, type_name, Edge::Field, size);
            self.current = back;
        } else {
            let parent = &mut self.nodes[cur];
            parent.field_inline += size as u64;
            parent.has_fields = true;
        }
    }

    #[inline(always)]
    pub fn enter(
        &mut self,
        name: &'static str,
        type_name: &'static str,
        edge: Edge,
        inline: usize,
    ) -> u32 {
        let back = self.current;
        if edge == Edge::Field {
            let parent = &mut self.nodes[back as usize];
            parent.field_inline += inline as u64;
            parent.has_fields = true;
        }
        let node = self.find_or_add(name, type_name, edge);
        let n = &mut self.nodes[node as usize];
        n.count += 1;
        n.inline += inline as u64;
        self.current = node;
        back
    }

    #[inline]
    fn find_or_add(&mut self, name: &'static str, type_name: &'static str, edge: Edge) -> u32 {
        // The common case: the link the hint points at, the same strings
        // (elements visit their fields in the same order every time, from
        // the same code).
        let node = &mut self.nodes[self.current as usize];
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
        self.find_or_add_slow(name, type_name, edge)
    }

    #[cold]
    #[inline(never)]
    fn find_or_add_slow(&mut self, name: &'static str, type_name: &'static str, edge: Edge) -> u32 {
        let cur = self.current as usize;
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
                self.nodes[child as usize].counted = counted;
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
    pub fn own(&mut self, bytes: usize, allocations: usize, usable: Option<usize>) {
        let n = &mut self.nodes[self.current as usize];
        n.own_bytes += bytes as u64;
        n.own_allocations += allocations as u64;
        match usable {
            Some(u) => n.own_usable += u as u64,
            None => n.usable_unknown |= bytes != 0,
        }
    }

    pub fn mark_shared(&mut self) {
        self.nodes[self.current as usize].shared = true;
    }
}
