//! `#[derive(SizeOf)]` in a `#![no_std]` crate that has `alloc` but no
//! `std`: the generated code names only `core` and `memsize`. Building this
//! crate is the test.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use memsize::SizeOf;

/// A struct with named fields.
#[derive(SizeOf)]
pub struct Record {
    /// A heap-owning field.
    pub name: String,
    /// Another.
    pub values: Vec<u32>,
    /// Not measured.
    #[memsize(skip)]
    pub scratch: Vec<u8>,
}

/// A recursive enum.
#[derive(SizeOf)]
pub enum List<T> {
    /// An element and the rest.
    Cons(T, Box<List<T>>),
    /// The end.
    Nil,
}

/// A generic tuple struct with a const parameter.
#[derive(SizeOf)]
pub struct Buffer<T, const N: usize>(pub [T; N], pub PhantomData<T>);

/// A packed struct.
#[derive(SizeOf)]
#[repr(C, packed)]
pub struct Packed {
    /// A byte.
    pub tag: u8,
    /// An unaligned heap-owning field.
    pub text: String,
}

/// A unit struct.
#[derive(SizeOf)]
pub struct Unit;

/// The heap a record owns, through the derived impl.
pub fn record_heap(record: &Record) -> usize {
    record.heap_size()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn derived_impls_measure() {
        let record = Record {
            name: "abc".to_string(),
            values: Vec::with_capacity(2),
            scratch: vec![0; 100],
        };
        assert_eq!(record_heap(&record), 3 + 8);
        let list = List::Cons(1u8, Box::new(List::Nil));
        assert_eq!(list.heap_size(), core::mem::size_of::<List<u8>>());
        assert!(Buffer::<u8, 4>::is_heap_free());
        assert!(Unit::is_heap_free());
        let packed = Packed {
            tag: 1,
            text: "xy".to_string(),
        };
        assert_eq!(packed.heap_size(), 2);
    }
}
