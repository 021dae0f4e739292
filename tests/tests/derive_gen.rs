//! A compile-only matrix of generic shapes: each must derive without a
//! warning, and the derived impls must hold for the argument types below
//! (and only need the bounds they should).
#![cfg(feature = "derive")]
#![deny(warnings)]
#![allow(dead_code, missing_docs)]
#![allow(clippy::repr_packed_without_abi)]

use std::collections::HashMap;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::rc::Rc;

use memsize::SizeOf;

/// Compiles only if `T: SizeOf`.
fn size_of<T: SizeOf>() {}
/// Compiles only if `T: SizeOf` (for unsized `T`).
fn size_of_unsized<T: SizeOf + ?Sized>() {}

/// A type without `SizeOf`.
struct Foreign;

#[derive(SizeOf)]
pub struct Plain<T>(T);

#[derive(SizeOf)]
pub struct Lifetimes<'a, 'b: 'a, T: 'a> {
    a: &'a T,
    b: &'b str,
    c: Option<&'a mut [u8]>,
}

#[derive(SizeOf)]
pub struct Consts<const N: usize, const M: u8 = 3> {
    a: [u8; N],
    b: [String; 2],
}

#[derive(SizeOf)]
pub struct Defaults<T = String, U: Clone = u8> {
    t: Vec<T>,
    u: U,
}

#[derive(SizeOf)]
pub struct WhereClause<T, U>
where
    T: Debug,
    U: Iterator,
    U::Item: Clone,
{
    t: T,
    #[memsize(skip)]
    u: U,
    item: Option<U::Item>,
}

#[derive(SizeOf)]
pub struct Qualified<I: Iterator> {
    item: <I as Iterator>::Item,
    #[memsize(skip)]
    iter: I,
}

/// A private field type in a public type: the inferred bound must not make
/// a private type part of a public interface.
struct Private<T>(T);

#[derive(SizeOf)]
struct PrivateDerived<T>(Vec<T>);

impl<T: SizeOf> SizeOf for Private<T> {
    fn add_heap<'a>(&'a self, cx: &mut memsize::Context<'a>) {
        cx.add(&self.0);
    }
}

#[derive(SizeOf)]
pub struct HoldsPrivate<T> {
    inner: Private<T>,
    more: PrivateDerived<T>,
}

#[derive(SizeOf)]
pub struct Phantoms<T, U, F> {
    a: PhantomData<T>,
    b: PhantomData<fn(U) -> F>,
    c: std::marker::PhantomData<*const T>,
    d: core::marker::PhantomData<(T, U)>,
}

#[derive(SizeOf)]
pub struct Maps<K, V, S> {
    map: HashMap<K, Vec<V>, S>,
}

#[derive(SizeOf)]
pub struct DuplicateFieldTypes<T> {
    a: Vec<T>,
    b: Vec<T>,
    c: Option<T>,
    d: Option<T>,
}

#[derive(SizeOf)]
pub struct Dyn {
    a: Box<dyn SizeOf>,
    b: Rc<dyn SizeOf>,
    f: fn(u8) -> u8,
}

#[derive(SizeOf)]
pub struct MaybeUnsized<T: ?Sized> {
    len: usize,
    tail: T,
}

#[derive(SizeOf)]
pub struct MaybeUnsizedWhere<T>
where
    T: ?Sized,
{
    tail: Box<T>,
}

#[derive(SizeOf)]
pub struct StrTail {
    len: u8,
    tail: str,
}

macro_rules! vec_of {
    ($t:ty) => { Vec<$t> };
}

#[derive(SizeOf)]
pub struct MacroType<T> {
    items: vec_of!(T),
}

// Recursive shapes.

#[derive(SizeOf)]
pub enum List<T> {
    Cons(T, Box<List<T>>),
    Nil,
}

#[derive(SizeOf)]
pub struct Node<T> {
    value: T,
    children: Vec<Node<T>>,
    parent: Option<Rc<Self>>,
}

#[derive(SizeOf)]
pub struct OnlyRecursive<T> {
    next: Option<Box<OnlyRecursive<T>>>,
    #[memsize(skip)]
    _marker: PhantomData<T>,
}

#[derive(SizeOf)]
pub enum Expr<'a, T> {
    Lit(T),
    Name(&'a str),
    Neg(Box<Expr<'a, T>>),
    Add(Box<Self>, Box<Self>),
    Call { f: String, args: Vec<Expr<'a, T>> },
}

/// Mutually recursive generic types: the inferred bounds would refer to each
/// other (`Vec<MutualB<T>>: SizeOf` needs `Mutual<T>: SizeOf`), which rustc
/// can't prove; `bound` on one of them breaks the cycle.
#[derive(SizeOf)]
#[memsize(bound = "T: SizeOf")]
pub struct Mutual<T> {
    other: Vec<MutualB<T>>,
}

#[derive(SizeOf)]
pub struct MutualB<T> {
    value: T,
    back: Option<Box<Mutual<T>>>,
}

/// A recursive type whose recursive field is its only use of `K`.
#[derive(SizeOf)]
pub struct KeyedTree<K, V> {
    value: V,
    children: HashMap<u32, KeyedTree<K, V>>,
    keys: Vec<(K, Box<KeyedTree<K, V>>)>,
}

#[derive(SizeOf)]
#[memsize(bound = "T: SizeOf + Clone")]
pub struct ExplicitBound<T> {
    items: Vec<T>,
}

#[derive(SizeOf)]
#[memsize(bound = "")]
pub struct NoBound<T> {
    #[memsize(skip)]
    items: Vec<T>,
}

fn heap_of_foreign(_: &Foreign) -> usize {
    0
}

#[derive(SizeOf)]
pub struct WithFn<T> {
    #[memsize(with = heap_of_foreign)]
    foreign: Foreign,
    #[memsize(skip)]
    _t: PhantomData<T>,
}

#[derive(SizeOf)]
#[repr(packed)]
pub struct PackedGeneric<T: Copy, const N: usize> {
    a: u8,
    b: [T; N],
    c: Vec<T>,
}

#[test]
fn impls_hold() {
    size_of::<Plain<String>>();
    // `&T` is `SizeOf` when `T` is: methods called on it measure `T`.
    size_of::<Lifetimes<'static, 'static, String>>();
    size_of::<Consts<4>>();
    size_of::<Defaults>();
    size_of::<WhereClause<u8, std::vec::IntoIter<String>>>();
    size_of::<Qualified<std::vec::IntoIter<String>>>();
    size_of::<HoldsPrivate<u8>>();
    size_of::<Phantoms<Foreign, Foreign, Foreign>>();
    size_of::<Maps<String, u8, std::hash::RandomState>>();
    size_of::<DuplicateFieldTypes<String>>();
    size_of::<Dyn>();
    size_of::<MaybeUnsized<String>>();
    size_of_unsized::<MaybeUnsized<[String]>>();
    size_of::<MaybeUnsizedWhere<str>>();
    size_of_unsized::<StrTail>();
    size_of::<MacroType<String>>();
    size_of::<List<String>>();
    size_of::<List<List<u8>>>();
    size_of::<Node<String>>();
    size_of::<OnlyRecursive<Foreign>>();
    size_of::<Expr<'static, String>>();
    size_of::<Mutual<u8>>();
    size_of::<KeyedTree<String, u8>>();
    size_of::<ExplicitBound<u8>>();
    size_of::<NoBound<Foreign>>();
    size_of::<WithFn<Foreign>>();
    size_of::<PackedGeneric<u16, 3>>();
}
