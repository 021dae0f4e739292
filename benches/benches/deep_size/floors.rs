//! The floors: each computes the heap figure of its case by hand, the way
//! no general library can beat, except where said.

use std::collections::{BTreeMap, HashMap};
use std::mem::size_of;
use std::rc::Rc;

use memsize::SizeOf;
use memsize_benches::data::{Graph, List, Node, Record};

pub fn vec_u64(v: &Vec<u64>) -> usize {
    v.capacity() * size_of::<u64>()
}

pub fn vec_string(v: &Vec<String>) -> usize {
    v.capacity() * size_of::<String>() + v.iter().map(String::capacity).sum::<usize>()
}

/// The bytes of a std hash table's allocation for one capacity, read from
/// the allocator once, outside the timing: the bench keeps no copy of the
/// table's layout (group width, control bytes), which depends on the
/// target.
#[derive(Clone, Copy)]
pub struct HashTable {
    capacity: usize,
    bytes: usize,
}

impl HashTable {
    /// The table of `map`, from an empty map of the same capacity.
    pub fn of<K: SizeOf, V: SizeOf>(map: &HashMap<K, V>) -> HashTable {
        HashTable {
            capacity: map.capacity(),
            bytes: Self::measure::<K, V>(map.capacity()),
        }
    }

    /// What `HashMap::with_capacity(capacity)` allocates: the same bucket
    /// count as a map of that capacity that has seen no removal (as in
    /// these cases). Under `System` nothing counts allocations: then it is
    /// memsize's figure for that empty map, which the run under the
    /// counting allocator checks (the floor equals memsize there, and
    /// memsize the allocator).
    fn measure<K: SizeOf, V: SizeOf>(capacity: usize) -> usize {
        if !crate::COUNTING {
            let empty = HashMap::<K, V>::with_capacity(capacity);
            assert_eq!(empty.capacity(), capacity, "a different bucket count");
            return empty.heap_size();
        }
        let (empty, stats) = memsize::alloc::measure(|| HashMap::<K, V>::with_capacity(capacity));
        assert_eq!(empty.capacity(), capacity, "a different bucket count");
        stats.net_bytes as usize
    }

    /// The table's bytes: a load and a compare, the floor of any O(1)
    /// answer.
    pub fn bytes<K: SizeOf, V: SizeOf>(&self, map: &HashMap<K, V>) -> usize {
        if map.capacity() == self.capacity {
            self.bytes
        } else {
            Self::measure::<K, V>(map.capacity())
        }
    }
}

pub fn hash_string_vec(t: HashTable) -> impl Fn(&HashMap<String, Vec<u32>>) -> usize {
    move |m| {
        t.bytes(m)
            + m.iter()
                .map(|(k, v)| k.capacity() + v.capacity() * size_of::<u32>())
                .sum::<usize>()
    }
}

pub fn hash_u64_string(t: HashTable) -> impl Fn(&HashMap<u64, String>) -> usize {
    move |m| t.bytes(m) + m.values().map(String::capacity).sum::<usize>()
}

/// Not the heap figure: a bare walk over the keys' addresses, the work any
/// exact count of the nodes has to do.
pub fn btree_walk(m: &BTreeMap<u64, u64>) -> usize {
    m.keys()
        .fold(0usize, |a, k| a.wrapping_add(k as *const u64 as usize))
}

fn record_heap(r: &Record) -> usize {
    r.name.capacity()
        + r.tags.capacity() * size_of::<String>()
        + r.tags.iter().map(String::capacity).sum::<usize>()
        + r.scores.capacity() * size_of::<f32>()
        + r.parent
            .as_deref()
            .map_or(0, |p| size_of::<Record>() + record_heap(p))
}

pub fn records(v: &Vec<Record>) -> usize {
    v.capacity() * size_of::<Record>() + v.iter().map(record_heap).sum::<usize>()
}

pub fn vec_vec_u8(v: &Vec<Vec<u8>>) -> usize {
    v.capacity() * size_of::<Vec<u8>>() + v.iter().map(Vec::capacity).sum::<usize>()
}

/// One box of `size_of::<List>()` per node, in a loop.
pub fn list(l: &List) -> usize {
    let mut bytes = 0;
    let mut at = l;
    while let List::Cons(_, next) = at {
        bytes += size_of::<List>();
        at = next;
    }
    bytes
}

/// The allocation of an `Rc<Node>`: std 1.95's `RcInner` is the strong and
/// weak counts (two `usize`) followed by the value, and `Node`'s alignment
/// is that of `usize`, so there is no padding.
const RC_NODE: usize = 2 * size_of::<usize>() + size_of::<Node>();

/// A walk over the graph that counts each node once: an open-addressing set
/// of addresses (linear probing, multiplicative hash) and an explicit
/// stack, both sized once.
pub fn graph(g: &Graph) -> usize {
    let slots = (g.nodes.len() * 2).next_power_of_two().max(16);
    let shift = usize::BITS - slots.trailing_zeros();
    let mut seen = vec![0usize; slots];
    let mut stack: Vec<&Rc<Node>> = Vec::new();
    let mut bytes = g.nodes.capacity() * size_of::<Rc<Node>>();
    let mut insert = |p: usize| {
        let mut i = p.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift;
        loop {
            match seen[i] {
                0 => {
                    seen[i] = p;
                    return true;
                }
                q if q == p => return false,
                _ => i = (i + 1) & (slots - 1),
            }
        }
    };
    for root in &g.nodes {
        stack.push(root);
        while let Some(rc) = stack.pop() {
            if insert(Rc::as_ptr(rc) as usize) {
                bytes += RC_NODE + rc.children.capacity() * size_of::<Rc<Node>>();
                stack.extend(&rc.children);
            }
        }
    }
    bytes
}
