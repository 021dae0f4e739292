//! bytes' `Bytes` and `BytesMut` against the allocator: static buffers,
//! unique buffers, buffers shared by clones, slices and splits.
#![cfg(feature = "bytes")]

use std::alloc::System;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn static_bytes_own_nothing() {
    let b = Bytes::from_static(b"a static buffer of some length");
    assert_eq!(b.heap_size(), 0);
    assert_heap_exact(b.clone());
    assert_heap_exact(b.slice(3..9));
    assert_heap_exact(Bytes::new());
    assert_heap_exact(vec![b.clone(), b]);
}

#[test]
fn unique_buffers() {
    for len in [1, 7, 8, 100, 4096] {
        assert_heap_exact(Bytes::from(vec![1u8; len]));
        assert_heap_exact(Bytes::copy_from_slice(&vec![2u8; len]));
        assert_heap_exact(Bytes::from(vec![3u8; len].into_boxed_slice()));
        let mut v = Vec::with_capacity(len * 2);
        v.extend_from_slice(&vec![4u8; len]);
        assert_heap_exact(Bytes::from(v));
    }
    assert_heap_exact(Bytes::from(String::from("a string")));
    assert_heap_exact(Bytes::from(Vec::<u8>::new()));
}

#[test]
fn views_that_moved() {
    check_history(
        || Bytes::from(vec![5u8; 300]),
        &[
            &|b: &mut Bytes| b.advance(10),
            &|b| b.truncate(200),
            &|b| *b = b.slice(50..60),
            &|b| b.advance(3),
        ],
    );
}

#[test]
fn clones_and_slices_count_the_buffer_once() {
    let b = Bytes::from(vec![6u8; 1000]);
    let parts = vec![b.slice(..10), b.slice(500..), b.clone(), b];
    assert_heap_exact(parts);
    let mut v = Vec::with_capacity(64);
    v.extend_from_slice(b"spare capacity");
    let b = Bytes::from(v);
    assert_heap_exact(vec![b.slice(2..4), b]);
    let b = Bytes::from(vec![7u8; 50]);
    let mut rest = b.clone();
    let head = rest.split_to(20);
    drop(b);
    assert_heap_exact((head, rest));
}

#[test]
fn bytes_mut_unshared() {
    for cap in [0, 1, 64, 1000] {
        assert_heap_exact(BytesMut::with_capacity(cap));
    }
    check_history(
        || BytesMut::with_capacity(16),
        &[
            &|b: &mut BytesMut| b.put_slice(&[1; 10]),
            &|b| b.put_slice(&[2; 100]),
            &|b| b.advance(30),
            &|b| b.reserve(500),
            &|b| b.truncate(3),
            &|b| b.clear(),
        ],
    );
    assert_heap_exact(BytesMut::from(&b"copied"[..]));
}

#[test]
fn bytes_mut_split_parts_add_up() {
    let mut a = BytesMut::with_capacity(256);
    a.put_slice(&[1; 200]);
    let b = a.split_to(50);
    let c = a.split_off(100);
    assert_heap_exact((a, b, c));
    let mut a = BytesMut::with_capacity(128);
    a.put_slice(&[9; 128]);
    let b = a.split();
    assert_heap_exact(vec![a, b]);
}

#[test]
fn frozen_bytes_mut() {
    let mut a = BytesMut::with_capacity(100);
    a.put_slice(&[1; 40]);
    assert_heap_exact(a.clone().freeze());
    a.advance(5);
    assert_heap_exact(a.freeze());
}

#[test]
fn split_parts_that_advanced_or_froze() {
    let mut a = BytesMut::with_capacity(256);
    a.put_slice(&[1; 200]);
    let mut b = a.split_off(100);
    b.advance(30);
    assert_heap_exact((a, b));
    let mut a = BytesMut::with_capacity(64);
    a.put_slice(&[2; 64]);
    let b = a.split_to(10).freeze();
    let c = b.slice(2..5);
    assert_heap_exact((a, b.clone(), b, c));
    // One part alone still owns the whole buffer once the others are gone.
    let mut a = BytesMut::with_capacity(256);
    a.put_slice(&[1; 200]);
    let b = a.split_to(50);
    drop(a);
    assert_heap_exact(b);
}

/// Where a figure is a bound, it stays at or below what the value owns.
#[test]
fn owner_bytes_are_a_lower_bound() {
    let owner = Bytes::from_owner(vec![3u8; 70]);
    assert_eq!(owner.heap_size(), 70);
    let check = check_heap(vec![owner.slice(1..5), owner]);
    assert!(check.byte_difference() >= 0, "{check}");
    let check = check_heap(Bytes::from_owner(String::from("owned text")));
    assert!(check.byte_difference() >= 0, "{check}");
}
