//! `Either<L, R>` owns what the side it holds owns.
#![cfg(feature = "either")]

use std::alloc::System;
use std::rc::Rc;

use either::Either;
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn either_follows_its_side() {
    assert!(Either::<u32, f64>::is_heap_free());
    assert!(!Either::<u32, String>::is_heap_free());
    assert!(!Either::<Vec<u8>, u8>::is_heap_free());
    let left: Either<String, Vec<u64>> = Either::Left("hello".repeat(7));
    let right: Either<String, Vec<u64>> = Either::Right(Vec::with_capacity(40));
    assert_eq!(left.heap_size(), 35);
    assert_eq!(right.heap_size(), 320);
    assert_heap_exact(left);
    assert_heap_exact(right);
}

#[test]
fn containers_of_eithers() {
    let shared = Rc::new(String::from("shared"));
    let v: Vec<Either<Rc<String>, Box<[u16]>>> = (0..100)
        .map(|i| {
            if i % 3 == 0 {
                Either::Left(Rc::clone(&shared))
            } else {
                Either::Right(vec![0u16; i].into_boxed_slice())
            }
        })
        .collect();
    drop(shared);
    assert_heap_exact(v);
    let flat: Vec<Either<u8, (u16, u32)>> = (0..1000).map(|i| Either::Left(i as u8)).collect();
    assert_heap_exact(flat);
}
