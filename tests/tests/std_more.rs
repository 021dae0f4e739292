//! Errors, trait objects, addresses, ranges and the other std types users
//! keep in structs, held against the counting allocator wherever they can
//! own heap.
#![cfg(feature = "std")]

use std::alloc::System;
use std::any::Any;
use std::cell::{Cell, LazyCell};
use std::error::Error;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::num::Saturating;
use std::ops::{Bound, ControlFlow};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Barrier, Condvar, LazyLock, Once};
use std::task::Poll;

use memsize::alloc::{assert_heap_exact, measure, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// An error that owns no heap, 24 bytes of its own.
#[derive(Debug)]
struct Plain {
    _code: [u64; 3],
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("plain")
    }
}

impl Error for Plain {}

fn plain() -> Plain {
    Plain { _code: [1, 2, 3] }
}

#[test]
fn boxed_errors_and_any_count_their_block() {
    let e: Box<dyn Error> = Box::new(plain());
    assert_eq!(e.heap_size(), 24);
    assert_heap_exact(e);
    let e: Box<dyn Error + Send> = Box::new(plain());
    assert_heap_exact(e);
    let e: Box<dyn Error + Send + Sync> = Box::new(plain());
    assert_heap_exact(e);
    let e: Arc<dyn Error + Send + Sync> = Arc::new(plain());
    assert_heap_exact(e);
    let r: Result<u8, Box<dyn Error + Send + Sync>> = Err(Box::new(plain()));
    assert_heap_exact(r);
    let a: Box<dyn Any> = Box::new([0u8; 40]);
    assert_heap_exact(a);
    let a: Box<dyn Any + Send> = Box::new(7u16);
    assert_heap_exact(a);
    let a: Arc<dyn Any + Send + Sync> = Arc::new(7u128);
    assert_heap_exact(a);
    let a: Rc<dyn Any> = Rc::new(());
    assert_heap_exact(a);
}

#[test]
fn what_a_boxed_error_owns_is_a_known_gap() {
    // `From<&str>` boxes a private struct holding a `String`: the block is
    // counted, the string is not.
    let (e, built) = measure(|| -> Box<dyn Error + Send + Sync> { "eleven char".into() });
    assert_eq!(e.heap_size() as i64, built.net_bytes - 11);
    assert_eq!(
        e.heap_stats().allocations as i64,
        built.net_allocations() - 1
    );
}

#[test]
fn io_errors() {
    // No heap: OS codes, bare kinds, static messages.
    assert_heap_exact(io::Error::from_raw_os_error(2));
    assert_heap_exact(io::Error::from(io::ErrorKind::NotFound));
    assert_heap_exact(io::Error::last_os_error());
    // A custom error that owns no heap: the `Custom` box and the error's box,
    // exact.
    let e = io::Error::other(plain());
    assert_eq!(e.heap_stats().allocations, 2);
    assert_heap_exact(e);
    assert_heap_exact(io::Error::new(io::ErrorKind::InvalidData, plain()));
    assert_heap_exact(Err::<u64, io::Error>(io::Error::other(plain())));
    assert_heap_exact(Ok::<String, io::Error>(String::from("fine")));
    // A message: the boxed `String` inside is not seen. The figure stays
    // within what the allocator holds, short by the message.
    let (e, built) = measure(|| io::Error::new(io::ErrorKind::InvalidInput, "a message"));
    assert_eq!(e.heap_size() as i64, built.net_bytes - 9);
    assert!(e.heap_size() > 0);
}

#[test]
fn from_utf8_errors_own_their_bytes() {
    let mut bytes = Vec::with_capacity(100);
    bytes.extend_from_slice(b"abc\xff");
    let e = String::from_utf8(bytes).unwrap_err();
    assert_eq!(e.heap_size(), 100);
    assert_heap_exact(e);
    assert_heap_exact(String::from_utf8(b"\xc3".to_vec()));
    assert_heap_exact(String::from_utf8(vec![b'x'; 33]));
    let mut grown = Vec::new();
    for i in 0..300u32 {
        grown.push(i as u8);
    }
    assert_heap_exact(String::from_utf8(grown).unwrap_err());
    assert_heap_exact(std::str::from_utf8(std::hint::black_box(b"\xff")).unwrap_err());
}

#[test]
fn heap_free_std_types() {
    fn none<T: SizeOf>(v: T) {
        assert!(T::is_heap_free(), "{}", std::any::type_name::<T>());
        assert_eq!(v.heap_size(), 0);
        assert_heap_exact(v);
    }
    none("x".parse::<u8>().unwrap_err());
    none("x".parse::<f64>().unwrap_err());
    none(std::str::from_utf8(std::hint::black_box(b"\xff")).unwrap_err());
    assert!(<std::convert::Infallible as SizeOf>::is_heap_free());
    none(Ipv4Addr::LOCALHOST);
    none(Ipv6Addr::LOCALHOST);
    none(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    none(SocketAddr::from(([127, 0, 0, 1], 80)));
    none(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1));
    none(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 0));
    none(..);
    none(Once::new());
    none(std::thread::current().id());
    none(Saturating(3u8));
    none(Poll::Ready(3u8));
    none(ControlFlow::<u8, ()>::Break(1));
    none(1u8..3);
    none(Bound::Included(3u32));
    none(Cell::new(AtomicCounter::default()));
    let mut target = String::from("pinned");
    none(Pin::new(&mut target));
    fn takes(_: &str) -> bool {
        true
    }
    fn two(_: &[u8], _: u8) -> usize {
        0
    }
    fn three(_: u8, _: &String, _: &str) {}
    none(takes as fn(&str) -> bool);
    none(two as fn(&[u8], u8) -> usize);
    none(three as fn(u8, &String, &str));
    none(main_like as fn() -> u8);
    none(cmp as fn(&u8, &u8) -> bool);
    if cfg!(target_os = "linux") {
        none(Condvar::new());
        none(Barrier::new(3));
    }
}

fn main_like() -> u8 {
    0
}

fn cmp(a: &u8, b: &u8) -> bool {
    a < b
}

/// Not `Copy`, owns no heap.
#[derive(Default)]
struct AtomicCounter(#[allow(dead_code)] std::sync::atomic::AtomicU64);

impl SizeOf for AtomicCounter {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {}
    fn is_heap_free() -> bool {
        true
    }
}

#[test]
fn wrappers_follow_their_contents() {
    let s = |t: &str| String::from(t);
    assert_heap_exact(s("a")..s("bcd"));
    assert_heap_exact(s("a")..=s("bcd"));
    assert_heap_exact(s("from")..);
    assert_heap_exact(..s("to"));
    assert_heap_exact(..=s("to"));
    assert_heap_exact(Bound::Excluded(vec![1u8; 9]));
    assert_heap_exact(Bound::<String>::Unbounded);
    assert_heap_exact(Poll::Ready(s("ready")));
    assert_heap_exact(Poll::<String>::Pending);
    assert_heap_exact(ControlFlow::<String, Vec<u8>>::Continue(vec![0; 5]));
    assert_heap_exact(ControlFlow::<String, Vec<u8>>::Break(s("stop")));
    assert_heap_exact(Saturating(vec![1u16; 4]));
}

#[test]
fn boxed_closures_count_their_captures_block() {
    let (a, b) = (7u64, [1u8; 5]);
    let f: Box<dyn Fn(&str) -> bool> = Box::new(move |s| s.len() as u64 == a);
    assert_heap_exact(f);
    let f: Box<dyn FnMut(u8) + Send> = Box::new(move |x| assert!(x < b[0]));
    assert_heap_exact(f);
    let f: Box<dyn FnOnce() -> u64 + Send + Sync> = Box::new(move || a + b[0] as u64);
    assert_eq!(f.heap_size(), 16);
    assert_heap_exact(f);
    type Three = dyn Fn(&u8, &str, u16) -> usize;
    let f: Box<Three> = Box::new(|_, s, _| s.len());
    assert_heap_exact(f);
    let f: Arc<dyn Fn(u8, u8) -> u8 + Send + Sync> = Arc::new(move |x, y| x + y + b[1]);
    assert_heap_exact(f);
    let v: Vec<Box<dyn Fn() -> u64>> = vec![Box::new(move || a), Box::new(|| 0)];
    assert_heap_exact(v);
    // What a closure's captures own is not seen: the captured `String`.
    let (f, built) = measure(|| {
        let text = String::from("captured");
        Box::new(move || text.len()) as Box<dyn Fn() -> usize>
    });
    assert_eq!(f.heap_size() as i64, built.net_bytes - 8);
}

#[test]
fn cells_of_values_that_own_heap_are_a_known_gap() {
    // Not counted: see `impl SizeOf for Cell<T>`. The figure stays within
    // what the allocator holds.
    let (c, built) = measure(|| Cell::new(vec![0u8; 64]));
    assert_eq!(c.heap_size(), 0);
    assert_eq!(built.net_bytes, 64);
    let lazy = LazyLock::new(|| vec![0u8; 10]);
    assert_eq!(lazy.len(), 10);
    assert_eq!(<LazyLock<Vec<u8>, _> as SizeOf>::heap_size(&lazy), 0);
    let cell: LazyCell<String> = LazyCell::new(String::new);
    assert_eq!(cell.heap_size(), 0);
}
