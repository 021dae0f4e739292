//! The generated code must compile whatever the user's code around it looks
//! like: fields named like the macro's locals, no prelude, names that shadow
//! the prelude's, generic parameters named like the macro's locals, and
//! `#![forbid(unsafe_code)]`.
#![cfg(feature = "derive")]
#![forbid(unsafe_code)]
#![allow(dead_code, missing_docs, non_camel_case_types, non_upper_case_globals)]
#![allow(clippy::repr_packed_without_abi)]

mod no_prelude {
    #![no_implicit_prelude]

    #[derive(::memsize::SizeOf)]
    pub struct Locals {
        pub ctx: ::std::string::String,
        pub cx: u8,
        pub __cx: u16,
        pub self_: u32,
        pub size: ::std::vec::Vec<u8>,
        pub memsize: u64,
        pub __a: u8,
        pub __f0: u8,
        pub core: u8,
        pub value: u8,
        pub heap: u8,
    }

    #[derive(::memsize::SizeOf)]
    pub enum Bindings {
        A {
            __cx: u8,
            __f0: ::std::string::String,
            cx: u8,
        },
        B(::std::boxed::Box<u8>, u8),
        C,
    }

    #[derive(::memsize::SizeOf)]
    pub struct Generic<'__a, __cx, const __f0: usize>
    where
        __cx: ::core::clone::Clone,
    {
        pub r: &'__a str,
        pub items: [__cx; __f0],
    }

    #[derive(::memsize::SizeOf)]
    #[repr(packed)]
    pub struct Packed {
        pub cx: u8,
        pub __cx: ::std::string::String,
        pub __f0: u64,
    }
}

/// Shadows of the prelude and of primitive types: the generated code names
/// nothing through the prelude.
mod shadows {
    #![allow(unused)]
    pub struct Option;
    pub struct Some;
    pub struct Sized;
    pub struct bool;
    pub struct usize;
    pub trait SizeOf {}
    pub struct Context;
    pub mod core {}
    pub mod memsize {}

    #[derive(::memsize::SizeOf)]
    pub struct Shadowed {
        pub a: ::std::string::String,
        pub b: ::core::primitive::u8,
    }

    #[derive(::memsize::SizeOf)]
    pub enum ShadowedEnum {
        A(::std::vec::Vec<::core::primitive::u8>),
        B,
    }
}

/// A constant named like a local of the generated code, next to it.
mod consts {
    pub const ctx: u8 = 0;
    pub const size: u8 = 0;
    pub const memsize: u8 = 0;

    #[derive(memsize::SizeOf)]
    pub struct Near {
        pub ctx: String,
        pub size: u8,
    }
}

/// Types written by a `macro_rules!` macro, with field types from its
/// caller and from its own body: `self` and the locals must resolve alike.
macro_rules! define {
    ($name:ident, $enum:ident, $field:ident: $ty:ty) => {
        #[derive(memsize::SizeOf)]
        pub struct $name {
            pub $field: $ty,
            pub own: Vec<u8>,
            pub cx: u8,
        }

        #[derive(memsize::SizeOf)]
        pub enum $enum {
            A($ty, String),
            B { $field: $ty },
        }
    };
}

define!(FromMacro, FromMacroEnum, text: String);

#[cfg(feature = "std")]
#[test]
fn locals_do_not_clash() {
    use memsize::SizeOf;
    let v = no_prelude::Locals {
        ctx: "abc".to_string(),
        cx: 0,
        __cx: 0,
        self_: 0,
        size: Vec::with_capacity(4),
        memsize: 0,
        __a: 0,
        __f0: 0,
        core: 0,
        value: 0,
        heap: 0,
    };
    assert_eq!(v.heap_size(), 3 + 4);
    let e = no_prelude::Bindings::A {
        __cx: 1,
        __f0: "xy".to_string(),
        cx: 2,
    };
    assert_eq!(e.heap_size(), 2);
    assert_eq!(no_prelude::Bindings::B(Box::new(1), 2).heap_size(), 1);
    assert_eq!(no_prelude::Bindings::C.heap_size(), 0);
    let g = no_prelude::Generic::<'_, u8, 3> {
        r: "x",
        items: [1; 3],
    };
    assert_eq!(g.heap_size(), 0);
    assert!(no_prelude::Generic::<'static, u8, 3>::is_heap_free());
    let p = no_prelude::Packed {
        cx: 1,
        __cx: "pack".to_string(),
        __f0: 3,
    };
    assert_eq!(p.heap_size(), 4);
    let s = shadows::Shadowed {
        a: "s".to_string(),
        b: 1,
    };
    assert_eq!(s.heap_size(), 1);
    assert_eq!(shadows::ShadowedEnum::A(vec![1, 2]).heap_size(), 2);
    let n = consts::Near {
        ctx: "n".to_string(),
        size: consts::size,
    };
    assert_eq!(n.heap_size(), 1);
    let m = FromMacro {
        text: "ab".to_string(),
        own: vec![1],
        cx: 0,
    };
    assert_eq!(m.heap_size(), 3);
    assert_eq!(FromMacroEnum::A("a".into(), "b".into()).heap_size(), 2);
    assert_eq!(FromMacroEnum::B { text: "abc".into() }.heap_size(), 3);
}
