//! Deep data, cycles and sharing: `deep_size` must not overflow a small
//! stack, must end on cycles and must count each shared allocation once.
#![cfg(feature = "std")]

use std::alloc::System;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use memsize::alloc::{measure, CountingAlloc};
use memsize::{Context, SizeOf};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

const DEPTH: usize = 1_000_000;

/// Runs `f` on a thread with a 2 MiB stack, like a program's worker threads.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    on_stack(2 << 20, f)
}

fn on_stack<R: Send + 'static>(bytes: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

struct List {
    value: u64,
    next: Option<Box<List>>,
}

impl SizeOf for List {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add(&self.value);
        cx.add(&self.next);
    }
}

#[test]
fn million_node_box_list() {
    on_small_stack(|| {
        let (list, stats) = measure(|| {
            let mut head = List {
                value: 0,
                next: None,
            };
            for i in 1..DEPTH as u64 {
                head = List {
                    value: i,
                    next: Some(Box::new(head)),
                };
            }
            head
        });
        assert_eq!(list.heap_size() as i64, stats.net_bytes);
        // Unlink iteratively: the default drop would recurse a million deep.
        let mut next = list.next;
        while let Some(mut node) = next {
            next = node.next.take();
        }
    });
}

struct Tree {
    children: Vec<Tree>,
}

impl SizeOf for Tree {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add(&self.children);
    }
}

fn unlink(tree: Tree) {
    let mut stack = vec![tree];
    while let Some(mut t) = stack.pop() {
        stack.append(&mut t.children);
    }
}

#[test]
fn million_deep_tree() {
    on_small_stack(|| {
        let (tree, stats) = measure(|| {
            let mut t = Tree {
                children: Vec::new(),
            };
            for i in 0..DEPTH {
                let mut children = vec![t];
                if i % 3 == 0 {
                    children.push(Tree {
                        children: Vec::with_capacity(2),
                    });
                }
                t = Tree { children };
            }
            t
        });
        assert_eq!(tree.heap_size() as i64, stats.net_bytes);
        unlink(tree);
    });
}

struct Shared {
    payload: Vec<u8>,
    next: Option<Rc<RefCell<Shared>>>,
}

impl SizeOf for Shared {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add(&self.payload);
        cx.add(&self.next);
    }
}

#[test]
fn million_node_rc_refcell_chain() {
    on_small_stack(|| {
        let (head, stats) = measure(|| {
            let mut head: Option<Rc<RefCell<Shared>>> = None;
            for _ in 0..DEPTH {
                head = Some(Rc::new(RefCell::new(Shared {
                    payload: Vec::new(),
                    next: head,
                })));
            }
            head
        });
        assert_eq!(head.heap_size() as i64, stats.net_bytes);
        let mut next = head;
        while let Some(node) = next {
            next = node.borrow_mut().next.take();
        }
    });
}

struct Locked {
    next: Option<Arc<Mutex<Locked>>>,
}

impl SizeOf for Locked {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add(&self.next);
    }
}

#[test]
fn deep_chain_of_mutexes() {
    on_small_stack(|| {
        let (head, stats) = measure(|| {
            let mut head = None;
            for _ in 0..DEPTH {
                head = Some(Arc::new(Mutex::new(Locked { next: head })));
            }
            head
        });
        assert_eq!(head.heap_size() as i64, stats.net_bytes);
        let mut next = head;
        while let Some(node) = next {
            next = node.lock().unwrap().next.take();
        }
    });
}

#[test]
fn rc_cycles_end_and_count_once() {
    // A ring of three nodes, and a node that points to itself.
    let (ring, stats) = measure(|| {
        let a = Rc::new(RefCell::new(Shared {
            payload: vec![1; 10],
            next: None,
        }));
        let b = Rc::new(RefCell::new(Shared {
            payload: vec![2; 20],
            next: Some(a.clone()),
        }));
        let c = Rc::new(RefCell::new(Shared {
            payload: vec![3; 30],
            next: Some(b.clone()),
        }));
        a.borrow_mut().next = Some(c.clone());
        let me = Rc::new(RefCell::new(Shared {
            payload: vec![4; 40],
            next: None,
        }));
        me.borrow_mut().next = Some(me.clone());
        (a, b, c, me)
    });
    assert_eq!(ring.heap_size() as i64, stats.net_bytes);
    assert_eq!(ring.0.heap_size(), ring.2.heap_size());
    // Break the cycles so the test leaks nothing.
    ring.0.borrow_mut().next = None;
    ring.3.borrow_mut().next = None;
}

#[test]
fn wide_data_stays_on_the_fast_path() {
    // Shallow data never reaches the deferral depth: a plain measurement.
    let v: Vec<Vec<String>> = (0..100).map(|i| vec![i.to_string(); 10]).collect();
    let (_, stats) = measure(|| v.heap_size());
    assert_eq!(
        stats.allocations, 0,
        "measuring shallow data allocates nothing"
    );
}

#[cfg(feature = "derive")]
mod derived {
    use super::{measure, on_small_stack, DEPTH};
    use memsize::SizeOf;

    #[derive(SizeOf)]
    enum Chain {
        Link(u64, Box<Chain>),
        End,
    }

    #[derive(SizeOf)]
    struct Node {
        label: String,
        children: Vec<Node>,
    }

    #[test]
    fn million_deep_derived_types() {
        on_small_stack(|| {
            let (chain, stats) = measure(|| {
                let mut c = Chain::End;
                for i in 0..DEPTH as u64 {
                    c = Chain::Link(i, Box::new(c));
                }
                c
            });
            assert_eq!(chain.heap_size() as i64, stats.net_bytes);
            let mut next = chain;
            while let Chain::Link(_, rest) = next {
                next = *rest;
            }

            let (node, stats) = measure(|| {
                let mut n = Node {
                    label: String::new(),
                    children: Vec::new(),
                };
                for i in 0..DEPTH {
                    n = Node {
                        label: i.to_string(),
                        children: vec![n],
                    };
                }
                n
            });
            assert_eq!(node.heap_size() as i64, stats.net_bytes);
            let mut stack = vec![node];
            while let Some(mut n) = stack.pop() {
                stack.append(&mut n.children);
            }
        });
    }

    #[derive(SizeOf)]
    #[repr(C, packed)]
    struct Packed {
        tag: u8,
        next: Option<Box<Packed>>,
    }

    #[test]
    fn million_node_packed_list_on_a_256_kib_stack() {
        super::on_stack(256 << 10, || {
            let (list, stats) = measure(|| {
                let mut next = None;
                for i in 0..DEPTH {
                    next = Some(Box::new(Packed { tag: i as u8, next }));
                }
                next
            });
            assert_eq!(list.heap_size() as i64, stats.net_bytes);
            let mut next = list;
            while let Some(node) = next {
                let Packed { next: rest, .. } = *node;
                next = rest;
            }
        });
    }
}
