//! prost-types' well-known messages against the allocator, built by hand
//! and decoded from bytes; and messages shaped exactly like prost-build's
//! output, deriving `SizeOf` the way
//! `type_attribute(".", "#[derive(memsize::SizeOf)]")` adds it.
#![cfg(feature = "prost-types")]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use prost::Message;
use prost_types::{value::Kind, Any, Duration, FieldMask, ListValue, Struct, Timestamp, Value};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

fn string(s: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(s.into())),
    }
}

fn document(depth: usize) -> Struct {
    let mut fields = BTreeMap::new();
    fields.insert("name".to_string(), string("a document"));
    fields.insert(
        "n".into(),
        Value {
            kind: Some(Kind::NumberValue(1.5)),
        },
    );
    fields.insert(
        "list".into(),
        Value {
            kind: Some(Kind::ListValue(ListValue {
                values: (0..depth * 3).map(|i| string(&"v".repeat(i))).collect(),
            })),
        },
    );
    if depth > 0 {
        fields.insert(
            format!("nested{depth}"),
            Value {
                kind: Some(Kind::StructValue(document(depth - 1))),
            },
        );
    }
    Struct { fields }
}

#[test]
fn scalar_messages_own_nothing() {
    assert!(Timestamp::is_heap_free());
    assert!(Duration::is_heap_free());
    assert_heap_exact(Timestamp {
        seconds: 1,
        nanos: 2,
    });
    assert_heap_exact(vec![Duration::default(); 10]);
}

#[test]
fn built_by_hand() {
    assert_heap_exact(Any {
        type_url: "type.googleapis.com/google.protobuf.Duration".into(),
        value: vec![8, 1, 16, 2],
    });
    assert_heap_exact(FieldMask {
        paths: vec!["a.b".into(), "c".repeat(40)],
    });
    assert_heap_exact(string("text"));
    assert_heap_exact(Value::default());
    for depth in [0, 1, 4] {
        assert_heap_exact(document(depth));
    }
}

#[test]
fn decoded_from_bytes() {
    for depth in [0, 2, 5] {
        let bytes = document(depth).encode_to_vec();
        assert_heap_exact(Struct::decode(bytes.as_slice()).unwrap());
    }
    let any = Any {
        type_url: "type.googleapis.com/google.protobuf.Struct".into(),
        value: document(3).encode_to_vec(),
    };
    let bytes = any.encode_to_vec();
    assert_heap_exact(Any::decode(bytes.as_slice()).unwrap());
    let mask = FieldMask {
        paths: (0..50).map(|i| format!("field_{i}")).collect(),
    };
    assert_heap_exact(FieldMask::decode(mask.encode_to_vec().as_slice()).unwrap());
}

// What prost-build generates for
//
//     syntax = "proto3";
//     message User {
//       string name = 1;
//       uint64 id = 2;
//       repeated string emails = 3;
//       google.protobuf.Timestamp created = 4;
//       Team team = 5;
//       map<string, bytes> attributes = 6;
//       Role role = 7;
//       oneof contact { string phone = 8; Address address = 9; }
//       google.protobuf.Struct settings = 10;
//       repeated sint64 samples = 11;
//     }
//     message Team { string name = 1; optional Team parent = 2; repeated User members = 3; }
//     message Address { repeated string lines = 1; string country = 2; }
//     enum Role { ROLE_UNKNOWN = 0; ROLE_ADMIN = 1; }
//
// with `Config::type_attribute(".", "#[derive(memsize::SizeOf)]")` and
// `Config::boxed(".Team.parent")`: the attribute goes on every message,
// oneof and enumeration.
//
// Where a crate writes `include!(concat!(env!("OUT_DIR"), "/items.rs"))`.
mod items {
    #[derive(memsize::SizeOf, Clone, PartialEq, ::prost::Message)]
    pub struct User {
        #[prost(string, tag = "1")]
        pub name: ::prost::alloc::string::String,
        #[prost(uint64, tag = "2")]
        pub id: u64,
        #[prost(string, repeated, tag = "3")]
        pub emails: ::prost::alloc::vec::Vec<::prost::alloc::string::String>,
        #[prost(message, optional, tag = "4")]
        pub created: ::core::option::Option<::prost_types::Timestamp>,
        #[prost(message, optional, tag = "5")]
        pub team: ::core::option::Option<Team>,
        #[prost(map = "string, bytes", tag = "6")]
        pub attributes: ::std::collections::HashMap<
            ::prost::alloc::string::String,
            ::prost::alloc::vec::Vec<u8>,
        >,
        #[prost(enumeration = "Role", tag = "7")]
        pub role: i32,
        #[prost(message, optional, tag = "10")]
        pub settings: ::core::option::Option<::prost_types::Struct>,
        #[prost(sint64, repeated, tag = "11")]
        pub samples: ::prost::alloc::vec::Vec<i64>,
        #[prost(oneof = "user::Contact", tags = "8, 9")]
        pub contact: ::core::option::Option<user::Contact>,
    }
    /// Nested message and enum types in `User`.
    pub mod user {
        #[derive(memsize::SizeOf, Clone, PartialEq, ::prost::Oneof)]
        pub enum Contact {
            #[prost(string, tag = "8")]
            Phone(::prost::alloc::string::String),
            #[prost(message, tag = "9")]
            Address(super::Address),
        }
    }
    #[derive(memsize::SizeOf, Clone, PartialEq, ::prost::Message)]
    pub struct Team {
        #[prost(string, tag = "1")]
        pub name: ::prost::alloc::string::String,
        #[prost(message, optional, boxed, tag = "2")]
        pub parent: ::core::option::Option<::prost::alloc::boxed::Box<Team>>,
        #[prost(message, repeated, tag = "3")]
        pub members: ::prost::alloc::vec::Vec<User>,
    }
    #[derive(memsize::SizeOf, Clone, PartialEq, ::prost::Message)]
    pub struct Address {
        #[prost(string, repeated, tag = "1")]
        pub lines: ::prost::alloc::vec::Vec<::prost::alloc::string::String>,
        #[prost(string, tag = "2")]
        pub country: ::prost::alloc::string::String,
    }
    #[derive(
        memsize::SizeOf,
        Clone,
        Copy,
        Debug,
        PartialEq,
        Eq,
        Hash,
        PartialOrd,
        Ord,
        ::prost::Enumeration,
    )]
    #[repr(i32)]
    pub enum Role {
        Unknown = 0,
        Admin = 1,
    }
}

use items::{user, Address, Role, Team, User};

fn user(i: u64, depth: usize) -> User {
    let mut attributes = HashMap::new();
    for a in 0..i % 5 {
        attributes.insert(format!("attr{a}"), vec![a as u8; a as usize * 7]);
    }
    User {
        name: format!("user number {i}"),
        id: i,
        emails: (0..i % 3)
            .map(|e| format!("u{i}.{e}@example.com"))
            .collect(),
        created: i.is_multiple_of(2).then_some(Timestamp {
            seconds: i as i64,
            nanos: 0,
        }),
        team: (depth > 0).then(|| Team {
            name: "team".repeat(i as usize % 4 + 1),
            parent: i.is_multiple_of(3).then(|| {
                Box::new(Team {
                    name: "parent".into(),
                    parent: None,
                    members: vec![],
                })
            }),
            members: (0..3).map(|m| user(i * 10 + m, depth - 1)).collect(),
        }),
        attributes,
        role: Role::Admin as i32,
        settings: (i % 4 == 1).then(|| document(1)),
        samples: (0..i as i64 % 20).map(|s| s - 10).collect(),
        contact: match i % 3 {
            0 => None,
            1 => Some(user::Contact::Phone("+1 555 0100".into())),
            _ => Some(user::Contact::Address(Address {
                lines: vec!["1 Main St".into(), "Springfield".into()],
                country: "US".into(),
            })),
        },
    }
}

#[test]
fn generated_messages_built_by_hand() {
    assert!(Role::is_heap_free());
    assert_heap_exact(User::default());
    for i in 0..12 {
        assert_heap_exact(user(i, 2));
    }
}

#[test]
fn generated_messages_decoded_from_bytes() {
    for i in 0..12 {
        let bytes = user(i, 2).encode_to_vec();
        let decoded = User::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded, user(i, 2));
        assert_heap_exact(decoded);
    }
    // Many messages of one stream, decoded length-delimited into a Vec.
    let mut stream = Vec::new();
    for i in 0..200 {
        user(i, 1).encode_length_delimited(&mut stream).unwrap();
    }
    let mut buf = stream.as_slice();
    let mut users = Vec::new();
    while !buf.is_empty() {
        users.push(User::decode_length_delimited(&mut buf).unwrap());
    }
    assert_heap_exact(users);
    // Merging into an existing message keeps what it had allocated.
    let mut merged = user(5, 1);
    merged.merge(user(7, 2).encode_to_vec().as_slice()).unwrap();
    assert_heap_exact(merged);
}
