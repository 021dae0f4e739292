//! Every std implementation, held against the counting allocator: the bytes
//! `heap_size()` reports are the bytes freed when the value is dropped, and
//! its allocation count is the number of frees.
#![cfg(feature = "std")]

use std::alloc::System;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, LinkedList, VecDeque};
use std::ffi::{CStr, CString, OsString};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::num::{NonZeroU64, Wrapping};
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use memsize::alloc::{assert_heap_exact, measure, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn s(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 3);
    s.push_str(text);
    s
}

#[test]
fn heap_free_types_own_nothing() {
    fn none<T: SizeOf>(v: T) {
        assert_eq!(v.heap_size(), 0);
        assert_eq!(v.deep_size(), std::mem::size_of::<T>());
        assert_eq!(v.shallow_size(), std::mem::size_of::<T>());
        assert!(T::is_heap_free(), "{}", std::any::type_name::<T>());
        assert_heap_exact(v);
    }
    none(1u8);
    none(1u128);
    none(-1isize);
    none(1.5f64);
    none('x');
    none(true);
    none(());
    none(NonZeroU64::new(3).unwrap());
    none(AtomicU64::new(3));
    none(Duration::from_secs(1));
    none(Instant::now());
    none(SystemTime::now());
    none(std::cmp::Ordering::Less);
    none(std::sync::atomic::Ordering::SeqCst);
    none(PhantomData::<String>);
    none(Some(3u32));
    none(Ok::<u8, u16>(3));
    none([7u64; 64]);
    none((
        1u8, 2u16, 3u32, 4u64, 5i8, 6i16, 7i32, 8i64, 9u8, 10u8, 11u8, 12u8, 13u8, 14u8, 15u8, 16u8,
    ));
    none(Reverse(3u8));
    none(Wrapping(3u8));
    none(Cell::new(5u64));
    none(std::ptr::null::<String>());
    none(main_like as fn() -> u8);
}

fn main_like() -> u8 {
    0
}

#[test]
fn pointers_and_weak_own_nothing() {
    let owned = vec![s("a"); 10];
    let rc = Rc::new(s("x"));
    let weak = Rc::downgrade(&rc);
    assert_eq!(weak.heap_size(), 0);
    let arc = Arc::new(s("x"));
    let aweak = Arc::downgrade(&arc);
    assert_eq!(aweak.heap_size(), 0);
    let raw: *const Vec<String> = &owned;
    assert_eq!(raw.heap_size(), 0);
}

#[test]
fn vec_counts_capacity_not_length() {
    let mut v: Vec<u64> = Vec::with_capacity(100);
    v.extend(0..10);
    assert_eq!(v.heap_size(), 800);
    assert_heap_exact(v);
    assert_heap_exact(Vec::<u64>::new());
    assert_heap_exact(vec![(); 1000]);
    assert_heap_exact(vec![s("one"), s("two"), String::new()]);
    assert_heap_exact(vec![vec![1u16; 3], Vec::with_capacity(9), vec![]]);
    let mut grown = Vec::new();
    for i in 0..1000u32 {
        grown.push(i);
    }
    assert_heap_exact(grown);
}

#[test]
fn strings_and_os_strings() {
    assert_heap_exact(String::new());
    assert_heap_exact(s("hello"));
    assert_heap_exact(String::from("hello").into_boxed_str());
    assert_heap_exact(CString::new("hello").unwrap());
    assert_heap_exact(CString::new("hello").unwrap().into_boxed_c_str());
    let boxed: Box<CStr> = CString::new("abc").unwrap().into_boxed_c_str();
    assert_eq!(boxed.heap_size(), 4);
    assert_heap_exact(boxed);
    let mut os = OsString::with_capacity(40);
    os.push("abc");
    assert_heap_exact(os);
    let mut p = PathBuf::from("/usr");
    p.push("share/doc");
    assert_heap_exact(p);
}

#[test]
fn boxes_of_every_shape() {
    assert_heap_exact(Box::new(5u64));
    assert_heap_exact(Box::new(()));
    assert_heap_exact(Box::new(s("inside")));
    assert_heap_exact(Box::new(Box::new(Box::new(1u8))));
    assert_heap_exact(vec![1.0f32; 33].into_boxed_slice());
    assert_heap_exact(vec![s("a"), s("bc")].into_boxed_slice());
    assert_heap_exact(Vec::<u32>::new().into_boxed_slice());
    let d: Box<dyn SizeOf> = Box::new(vec![s("dyn"); 3]);
    assert_heap_exact(d);
    assert_heap_exact(Box::pin(s("pinned")));
    // ManuallyDrop never frees: compare with the construction instead.
    let (v, stats) = measure(|| ManuallyDrop::new(vec![9u8; 77]));
    assert_eq!(v.heap_size() as i64, stats.net_bytes);
    drop(ManuallyDrop::into_inner(v));
}

trait Shape: SizeOf {
    fn area(&self) -> f64;
}

struct Poly {
    points: Vec<(f64, f64)>,
}

impl SizeOf for Poly {
    fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
        cx.add(&self.points);
    }
}

impl Shape for Poly {
    fn area(&self) -> f64 {
        self.points.len() as f64
    }
}

#[test]
fn dyn_compatible() {
    let shapes: Vec<Box<dyn Shape>> = vec![
        Box::new(Poly {
            points: vec![(0.0, 0.0); 5],
        }),
        Box::new(Poly {
            points: Vec::with_capacity(2),
        }),
    ];
    assert_eq!(shapes[0].area(), 5.0);
    let one: &dyn Shape = &*shapes[0];
    assert_eq!(one.shallow_size(), std::mem::size_of::<Poly>());
    assert_eq!(one.heap_size(), 5 * 16);
    assert_heap_exact(shapes);
    let any: Vec<Box<dyn SizeOf>> = vec![Box::new(1u8), Box::new(s("x")), Box::new([0u16; 9])];
    assert_heap_exact(any);
}

#[test]
fn rc_and_arc_count_header_and_value_once() {
    assert_heap_exact(Rc::new(5u8));
    assert_heap_exact(Rc::new(()));
    assert_heap_exact(Arc::new([0u64; 3]));
    assert_heap_exact(Rc::new(s("shared")));
    let rc_str: Rc<str> = Rc::from("a string slice");
    assert_heap_exact(rc_str);
    let arc_slice: Arc<[u16]> = Arc::from(vec![1u16, 2, 3]);
    assert_heap_exact(arc_slice);
    let arc_dyn: Arc<dyn SizeOf + Send + Sync> = Arc::new(vec![s("x")]);
    assert_heap_exact(arc_dyn);
    let rc_dyn: Rc<dyn SizeOf> = Rc::new(12u128);
    assert_heap_exact(rc_dyn);
    // Shared: counted once however many owners the value holds.
    let one = Rc::new(s("one"));
    let many = vec![one.clone(), one.clone(), one];
    assert_heap_exact(many);
    let a = Arc::new(vec![1u32; 100]);
    assert_heap_exact((a.clone(), a.clone(), Some(a)));
    assert_heap_exact(Pin::new(Rc::new(4u32)));
    assert_heap_exact(Arc::pin(s("pinned arc")));
}

#[test]
fn shared_once_per_call_not_across_calls() {
    let a = Rc::new(vec![0u8; 1000]);
    let pair = (a.clone(), a);
    let first = pair.heap_size();
    assert_eq!(first, pair.heap_size());
    assert_eq!(pair.0.heap_size(), first);
}

#[test]
fn deques_heaps_and_lists() {
    let mut d = VecDeque::with_capacity(10);
    d.push_back((1u32, 2u16));
    d.push_front((0, 0));
    assert_heap_exact(d);
    let mut d: VecDeque<String> = VecDeque::new();
    for i in 0..40 {
        d.push_front(i.to_string());
        d.push_back(s("x"));
    }
    assert_heap_exact(d);
    assert_heap_exact(BinaryHeap::from(vec![3u8, 1, 2]));
    assert_heap_exact(BinaryHeap::from(vec![s("b"), s("a")]));
    assert_heap_exact((0..100u64).collect::<LinkedList<_>>());
    assert_heap_exact((0..100u8).collect::<LinkedList<_>>());
    assert_heap_exact((0..10).map(|i| i.to_string()).collect::<LinkedList<_>>());
    assert_heap_exact(LinkedList::<()>::from_iter([(), ()]));
}

#[test]
fn options_results_tuples_arrays_cows() {
    assert_heap_exact(Some(s("x")));
    assert_heap_exact(None::<String>);
    assert_heap_exact(Ok::<String, Vec<u8>>(s("ok")));
    assert_heap_exact(Err::<String, Vec<u8>>(vec![1, 2, 3]));
    assert_heap_exact((s("a"), 1u8, vec![2u64], Box::new(3u8)));
    assert_heap_exact([s("a"), s("b"), s("c")]);
    assert_heap_exact([[Some(Box::new(1u8)), None], [None, None]]);
    assert_heap_exact(Cow::<str>::Owned(s("owned")));
    assert_heap_exact(Cow::<str>::Borrowed("borrowed"));
    assert_heap_exact(Cow::<[u8]>::Owned(vec![1, 2]));
    assert_heap_exact(Reverse(s("r")));
    assert_heap_exact(Wrapping(vec![1u8]));
}

#[test]
fn cells_and_locks() {
    assert_heap_exact(RefCell::new(s("cell")));
    assert_heap_exact(Mutex::new(vec![s("m"); 4]));
    assert_heap_exact(RwLock::new(Box::new(7u64)));
    let once = OnceCell::new();
    once.set(s("once")).unwrap();
    assert_heap_exact(once);
    assert_heap_exact(OnceCell::<String>::new());
    let lock = OnceLock::new();
    lock.set(vec![1u32; 30]).unwrap();
    assert_heap_exact(lock);
    assert_heap_exact(Arc::new(Mutex::new(s("arc mutex"))));
}

#[test]
fn locked_and_borrowed_contents_never_block_or_panic() {
    let m = Mutex::new(vec![0u8; 100]);
    {
        let _held = m.lock().unwrap();
        // Locked by this very thread: `lock` would deadlock; we don't.
        assert_eq!(m.heap_size(), 0);
    }
    assert_eq!(m.heap_size(), 100);

    let rw = RwLock::new(vec![0u8; 100]);
    {
        let _w = rw.write().unwrap();
        assert_eq!(rw.heap_size(), 0);
    }
    {
        let _r = rw.read().unwrap();
        assert_eq!(rw.heap_size(), 100);
    }

    let c = RefCell::new(vec![0u8; 100]);
    {
        let _b = c.borrow_mut();
        assert_eq!(c.heap_size(), 0);
    }
    {
        let _b = c.borrow();
        assert_eq!(c.heap_size(), 100);
    }
}

#[test]
fn poisoned_locks_are_still_measured() {
    // What the allocator holds for each lock is read off its construction,
    // then the lock is poisoned and measured again.
    let (m, m_built) = measure(|| Arc::new(Mutex::new(vec![0u8; 64])));
    let (rw, rw_built) = measure(|| Arc::new(RwLock::new(vec![0u8; 32])));
    let (m2, rw2) = (m.clone(), rw.clone());
    let _ = std::thread::spawn(move || {
        let _g = m2.lock().unwrap();
        let _w = rw2.write().unwrap();
        panic!("poison both");
    })
    .join();
    assert!(m.is_poisoned() && rw.is_poisoned());
    assert_eq!(m.heap_size() as i64, m_built.net_bytes);
    assert_eq!(rw.heap_size() as i64, rw_built.net_bytes);
    assert_heap_exact(Arc::try_unwrap(m).unwrap());
    assert_heap_exact(Arc::try_unwrap(rw).unwrap());
}

#[test]
fn zero_sized_values_allocate_nothing() {
    assert_heap_exact(Box::new(PhantomData::<u64>));
    assert_heap_exact(vec![(); 10]);
    assert_heap_exact(Vec::<[u8; 0]>::with_capacity(100));
    assert_eq!(vec![(); 5].heap_size(), 0);
}

/// Heap-free by its own account, and fails loudly if visited anyway: a
/// container of these measured in constant time never touches one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Untouchable(u32);

impl SizeOf for Untouchable {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {
        panic!("a heap-free element was visited");
    }
    fn is_heap_free() -> bool {
        true
    }
}

#[test]
fn heap_free_elements_are_never_visited() {
    use std::collections::{HashMap, HashSet};
    // Each measurement would panic if it visited an element; each figure is
    // held against what dropping the container frees.
    assert_heap_exact(vec![Untouchable(1); 10_000_000]);
    assert_heap_exact(vec![Untouchable(0); 9].into_boxed_slice());
    assert_heap_exact([Untouchable(0); 4096]);
    let mut d: VecDeque<(Untouchable, u16)> = VecDeque::with_capacity(100);
    d.push_back((Untouchable(1), 2));
    assert_heap_exact(d);
    assert_heap_exact((0..10).map(Untouchable).collect::<LinkedList<_>>());
    assert_heap_exact((0..10).map(Untouchable).collect::<BinaryHeap<_>>());
    assert_heap_exact(
        (0..1000)
            .map(|i| (Untouchable(i), [Untouchable(i); 2]))
            .collect::<HashMap<_, _>>(),
    );
    assert_heap_exact((0..1000).map(Untouchable).collect::<HashSet<_>>());
    type Pairs = Box<[(Untouchable, Option<Untouchable>)]>;
    let o: Option<Pairs> = Some(vec![(Untouchable(0), None); 3].into_boxed_slice());
    assert_heap_exact(o);
}

#[test]
fn methods_called_on_references_measure_the_referent() {
    let (names, built) = measure(|| vec![s("ada"), "x".repeat(100), s("grace")]);
    // `s` is a `&&String`: method resolution picks the reference's impl,
    // which measures the string.
    let long: Vec<&String> = names.iter().filter(|s| s.heap_size() > 50).collect();
    assert_eq!(long, [&names[1]]);
    let longest = names.iter().max_by_key(|s| s.heap_size()).unwrap();
    assert_eq!(longest.len(), 100);
    assert_eq!(names.iter().map(|s| s.deep_size()).max(), Some(24 + 100));
    // Through one or two references, the figures are the referent's.
    let r = &names;
    let rr = &r;
    assert_eq!(r.heap_size() as i64, built.net_bytes);
    assert_eq!(rr.heap_size() as i64, built.net_bytes);
    assert_eq!(<&Vec<String>>::heap_size(&r) as i64, built.net_bytes);
    assert_eq!(rr.shallow_size(), std::mem::size_of::<Vec<String>>());
    assert_eq!(rr.deep_size(), rr.shallow_size() + rr.heap_size());
    assert_eq!(memsize::heap_stats(rr), names.heap_stats());
    assert_eq!(memsize::heap_stats(rr).allocations, 4);
    let mut owned = s("mutable");
    let m = &mut owned;
    assert_eq!(m.heap_size(), 10);
    assert_eq!(<&mut String as SizeOf>::heap_stats(&m).bytes, 10);
    let slice: &[String] = &names;
    assert_eq!(slice.shallow_size(), 3 * std::mem::size_of::<String>());
    // The strings' bytes: what the allocator holds beyond the Vec's buffer.
    let buffer = (names.capacity() * std::mem::size_of::<String>()) as i64;
    assert_eq!(slice.heap_size() as i64, built.net_bytes - buffer);
}

#[test]
fn references_stored_in_values_own_nothing() {
    let names = vec![s("ada"), "x".repeat(100)];
    // The buffer of references, and nothing of the strings.
    let refs: Vec<&String> = names.iter().collect();
    assert!(<&String as SizeOf>::is_heap_free());
    assert_heap_exact(refs);
    let mut strs: Vec<&str> = Vec::with_capacity(7);
    strs.push(&names[0]);
    assert_eq!(strs.heap_size(), 7 * 16);
    assert_heap_exact(strs);
    let mut boxed = s("boxed");
    assert_heap_exact(Box::new(&mut boxed));
    assert_heap_exact((Some(&names), &names[0]));

    struct Named<'a> {
        name: &'a str,
        tags: Vec<u8>,
    }
    impl SizeOf for Named<'_> {
        fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
            cx.add_field("name", &self.name);
            cx.add_field("tags", &self.tags);
        }
    }
    let n = Named {
        name: &names[1],
        tags: vec![1, 2, 3],
    };
    assert_eq!(n.heap_size(), 3);
    assert_eq!(n.name.heap_size(), 0, "a `str` owns nothing");
    assert_heap_exact(n);
}
