//! `#[derive(SizeOf)]` on every shape, checked byte for byte against the
//! counting allocator: each value's `heap_size()` must be exactly what
//! dropping it frees, in as many deallocations as it reports allocations.
#![cfg(all(feature = "derive", feature = "std"))]

use std::alloc::System;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

use memsize::alloc::{assert_heap_exact, measure, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Builds a value under measurement and checks that what it reports is
/// what was allocated for it, then that dropping it frees exactly that.
fn check<T: SizeOf>(build: impl FnOnce() -> T) -> usize {
    let (value, built) = measure(build);
    let heap = value.heap_size();
    assert_eq!(
        heap as i64,
        built.net_bytes,
        "heap_size() of `{}` differs from the bytes its construction left allocated",
        core::any::type_name::<T>()
    );
    assert_eq!(value.shallow_size(), core::mem::size_of::<T>());
    assert_eq!(value.deep_size(), value.shallow_size() + heap);
    assert_heap_exact(value);
    heap
}

#[derive(SizeOf)]
struct Named {
    id: u64,
    name: String,
    tags: Vec<String>,
    boxed: Box<u32>,
    maybe: Option<Box<[u8]>>,
}

#[test]
fn named_struct() {
    let heap = check(|| Named {
        id: 7,
        name: "ada".to_string(),
        tags: vec!["x".to_string(), "yz".to_string()],
        boxed: Box::new(1),
        maybe: Some(vec![0u8; 10].into_boxed_slice()),
    });
    assert_eq!(
        heap,
        3 + 2 * core::mem::size_of::<String>() + 1 + 2 + 4 + 10
    );
}

#[derive(SizeOf)]
struct Tuple(String, u8, Vec<u16>);

#[test]
fn tuple_struct() {
    let heap = check(|| Tuple("hello".to_string(), 1, Vec::with_capacity(5)));
    assert_eq!(heap, 5 + 10);
}

#[derive(SizeOf)]
struct Unit;

#[derive(SizeOf)]
struct EmptyBraces {}

#[derive(SizeOf)]
struct EmptyParens();

#[test]
fn unit_and_empty_structs() {
    assert_eq!(check(|| Unit), 0);
    assert_eq!(check(|| EmptyBraces {}), 0);
    assert_eq!(check(EmptyParens), 0);
    assert!(Unit::is_heap_free());
    assert!(EmptyBraces::is_heap_free());
}

#[derive(SizeOf)]
enum Shape {
    Empty,
    Named(String),
    Pair(Vec<u64>, Box<u8>),
    Labelled {
        label: String,
        points: Vec<(i32, i32)>,
    },
    Braced {},
    Parens(),
}

#[test]
fn enum_counts_only_the_live_variant() {
    assert_eq!(check(|| Shape::Empty), 0);
    assert_eq!(check(|| Shape::Named("abcd".to_string())), 4);
    assert_eq!(check(|| Shape::Pair(vec![1, 2, 3], Box::new(1))), 24 + 1);
    assert_eq!(
        check(|| Shape::Labelled {
            label: "l".to_string(),
            points: Vec::with_capacity(4),
        }),
        1 + 32
    );
    assert_eq!(check(|| Shape::Braced {}), 0);
    assert_eq!(check(Shape::Parens), 0);
    assert!(!Shape::is_heap_free());
}

#[test]
fn vec_of_enum_visits_each_live_variant() {
    check(|| {
        vec![
            Shape::Empty,
            Shape::Named("a".repeat(100)),
            Shape::Pair(Vec::new(), Box::new(0)),
            Shape::Labelled {
                label: String::new(),
                points: vec![(1, 2)],
            },
        ]
    });
}

#[derive(SizeOf)]
enum Never {}

#[test]
fn empty_enum() {
    assert!(Never::is_heap_free());
    let v: Vec<Never> = Vec::new();
    assert_eq!(v.heap_size(), 0);
}

#[derive(SizeOf)]
struct Generic<'a, T, const N: usize>
where
    T: Clone,
{
    borrowed: &'a str,
    items: [T; N],
    more: Vec<T>,
}

#[test]
fn generics_with_lifetimes_types_and_consts() {
    let outside = "not owned".to_string();
    let heap = check(|| Generic::<'_, String, 2> {
        borrowed: &outside,
        items: ["ab".to_string(), "c".to_string()],
        more: vec!["def".to_string()],
    });
    assert_eq!(heap, 2 + 1 + core::mem::size_of::<String>() + 3);
    assert!(!Generic::<'static, u8, 3>::is_heap_free());
}

#[derive(SizeOf)]
struct Inline<T, const N: usize>([T; N]);

#[test]
fn heap_free_is_inferred_from_fields() {
    assert!(Inline::<u64, 4>::is_heap_free());
    assert!(!Inline::<String, 4>::is_heap_free());
    assert!(Tuple2::is_heap_free());
    // Containers of heap-free derived types are measured without visiting.
    assert_eq!(
        check(|| (0..10).map(|_| Inline([1u8; 3])).collect::<Vec<_>>()),
        30
    );
}

#[derive(SizeOf)]
struct Tuple2(u8, (u16, u32), [char; 2]);

#[derive(SizeOf)]
enum List {
    Cons(u64, Box<List>),
    Nil,
}

#[derive(SizeOf)]
struct Node {
    value: String,
    children: Vec<Node>,
}

#[derive(SizeOf)]
enum GenericList<T> {
    Cons(T, Box<GenericList<T>>),
    Nil,
}

#[derive(SizeOf)]
struct Tree<K, V> {
    entries: Vec<(K, V)>,
    children: Vec<Tree<K, V>>,
    parent_cache: Option<Rc<Tree<K, V>>>,
}

#[test]
fn recursive_types() {
    let heap = check(|| List::Cons(1, Box::new(List::Cons(2, Box::new(List::Nil)))));
    assert_eq!(heap, 2 * core::mem::size_of::<List>());
    assert!(!List::is_heap_free());

    check(|| Node {
        value: "root".to_string(),
        children: vec![
            Node {
                value: "a".to_string(),
                children: Vec::new(),
            },
            Node {
                value: "b".to_string(),
                children: vec![Node {
                    value: "c".repeat(30),
                    children: Vec::with_capacity(3),
                }],
            },
        ],
    });

    check(|| {
        GenericList::Cons(
            "x".to_string(),
            Box::new(GenericList::Cons(
                "yy".to_string(),
                Box::new(GenericList::Nil),
            )),
        )
    });

    check(|| Tree {
        entries: vec![(1u32, "one".to_string())],
        children: vec![Tree {
            entries: Vec::new(),
            children: Vec::new(),
            parent_cache: None,
        }],
        parent_cache: Some(Rc::new(Tree {
            entries: vec![(2, "two".to_string())],
            children: Vec::new(),
            parent_cache: None,
        })),
    });
}

#[test]
fn long_recursive_list() {
    check(|| {
        let mut list = List::Nil;
        for i in 0..10_000 {
            list = List::Cons(i, Box::new(list));
        }
        list
    });
}

#[test]
fn types_inside_functions() {
    #[derive(SizeOf)]
    struct Local {
        text: String,
    }
    #[derive(SizeOf)]
    enum LocalEnum<T> {
        A(T),
        B,
    }
    assert_eq!(
        check(|| Local {
            text: "local".to_string()
        }),
        5
    );
    assert_eq!(check(|| LocalEnum::A(Local { text: "ab".into() })), 2);
    assert_eq!(check(|| LocalEnum::<Local>::B), 0);
}

#[derive(SizeOf)]
struct WithSkip {
    kept: String,
    #[memsize(skip)]
    #[allow(dead_code)]
    skipped: u64,
    #[memsize(skip)]
    not_measured: NotSizeOf,
}

/// A type that does not implement `SizeOf`.
struct NotSizeOf(#[allow(dead_code)] u64);

#[test]
fn skip_keeps_inline_bytes_only() {
    let build = || WithSkip {
        kept: "k".to_string(),
        skipped: 1,
        not_measured: NotSizeOf(2),
    };
    assert_eq!(build().not_measured.0, 2);
    assert_eq!(build().shallow_size(), core::mem::size_of::<WithSkip>());
    assert_eq!(check(build), 1);
    // Skipped fields count as heap-free.
    assert!(!WithSkip::is_heap_free());
    assert!(SkipHeapFree::is_heap_free());
}

#[derive(SizeOf)]
enum SkipInVariants {
    Tuple(#[memsize(skip)] String, String),
    Named {
        #[memsize(skip)]
        skipped: Vec<u8>,
        kept: Vec<u8>,
    },
}

#[test]
fn skip_in_enum_variants() {
    let t = SkipInVariants::Tuple("skipped".to_string(), "kept".to_string());
    assert_eq!(t.heap_size(), 4);
    let n = SkipInVariants::Named {
        skipped: vec![0; 100],
        kept: vec![0; 3],
    };
    assert_eq!(n.heap_size(), 3);
    if let SkipInVariants::Named { skipped, .. } = &n {
        assert_eq!(skipped.len(), 100);
    }
    if let SkipInVariants::Tuple(skipped, _) = &t {
        assert_eq!(skipped.len(), 7);
    }
}

#[derive(SizeOf)]
struct SkipHeapFree {
    a: u32,
    #[memsize(skip)]
    #[allow(dead_code)]
    b: String,
}

#[test]
fn skipped_heap_is_not_counted() {
    let v = SkipHeapFree {
        a: 1,
        b: "owned but skipped".to_string(),
    };
    assert_eq!(v.a, 1);
    assert_eq!(v.heap_size(), 0);
}

/// A type from "another crate" that lacks `SizeOf`.
mod foreign {
    pub struct Buffer {
        pub bytes: Vec<u8>,
    }
    pub struct Names(pub HashMap<u32, String>);
    use std::collections::HashMap;
}

fn buffer_heap(buffer: &foreign::Buffer) -> usize {
    buffer.bytes.capacity()
}

mod measure_fns {
    pub fn names_heap(names: &super::foreign::Names) -> usize {
        memsize::SizeOf::heap_size(&names.0)
    }
}

#[derive(SizeOf)]
struct WithFn {
    #[memsize(with = buffer_heap)]
    buffer: foreign::Buffer,
    #[memsize(with = measure_fns::names_heap)]
    names: foreign::Names,
    plain: String,
}

#[derive(SizeOf)]
enum WithFnEnum {
    Buffer(#[memsize(with = buffer_heap)] foreign::Buffer),
    Named {
        #[memsize(with = "buffer_heap")]
        buffer: foreign::Buffer,
    },
    Nothing,
}

#[test]
fn with_adds_the_functions_bytes() {
    // `with` bytes are opaque: the allocations behind them are not known, so
    // the check is on bytes (what the drop frees) only.
    let build = || WithFn {
        buffer: foreign::Buffer {
            bytes: Vec::with_capacity(33),
        },
        names: foreign::Names(HashMap::from([(1, "one".to_string())])),
        plain: "p".to_string(),
    };
    let (value, built) = measure(build);
    let names_heap = value.names.0.heap_size();
    assert_eq!(value.heap_size(), 33 + names_heap + 1);
    assert_eq!(value.heap_size() as i64, built.net_bytes);
    let ((), dropped) = measure(move || drop(value));
    assert_eq!(dropped.bytes_freed, (33 + names_heap + 1) as u64);
    assert!(!WithFn::is_heap_free());

    let (value, built) = measure(|| {
        WithFnEnum::Buffer(foreign::Buffer {
            bytes: vec![1, 2, 3],
        })
    });
    assert_eq!(value.heap_size() as i64, built.net_bytes);
    assert_eq!(value.heap_size(), 3);
    let (value, built) = measure(|| WithFnEnum::Named {
        buffer: foreign::Buffer {
            bytes: Vec::with_capacity(8),
        },
    });
    assert_eq!(value.heap_size() as i64, built.net_bytes);
    assert_eq!(WithFnEnum::Nothing.heap_size(), 0);
    assert!(!WithFnEnum::is_heap_free());
}

#[derive(SizeOf)]
struct Phantom<T> {
    data: Vec<u8>,
    marker: PhantomData<T>,
}

#[test]
fn phantom_data_needs_no_bound() {
    // `NotSizeOf` lacks `SizeOf`, yet `Phantom<NotSizeOf>` has it.
    assert_eq!(
        check(|| Phantom::<NotSizeOf> {
            data: vec![1; 9],
            marker: PhantomData,
        }),
        9
    );
}

#[derive(SizeOf)]
#[memsize(bound = "")]
struct Unbounded<T> {
    #[memsize(skip)]
    _value: Option<Rc<T>>,
    text: String,
}

#[derive(SizeOf)]
#[memsize(bound = "T: memsize::SizeOf")]
struct Bounded<T> {
    items: Vec<T>,
}

#[test]
fn bound_replaces_the_inferred_bounds() {
    let v = Unbounded::<NotSizeOf> {
        _value: Some(Rc::new(NotSizeOf(1))),
        text: "ab".to_string(),
    };
    assert_eq!(v.heap_size(), 2);
    assert_eq!(
        check(|| Bounded {
            items: vec!["s".to_string()]
        }),
        24 + 1
    );
}

mod reexport {
    //! A crate that re-exports memsize, as a framework might.
    pub use memsize as size;
}

#[derive(reexport::size::SizeOf)]
#[memsize(crate = "reexport::size")]
struct ThroughReexport {
    text: String,
}

#[test]
fn crate_path() {
    assert_eq!(check(|| ThroughReexport { text: "abc".into() }), 3);
}

#[derive(SizeOf)]
#[repr(C, packed)]
struct Packed {
    tag: u8,
    text: String,
    number: u64,
    list: Vec<u16>,
    #[memsize(with = buffer_heap)]
    buffer: foreign::Buffer,
    #[memsize(skip)]
    _skipped: u32,
}

#[derive(SizeOf)]
#[repr(packed(2))]
#[allow(clippy::repr_packed_without_abi)]
struct Packed2(u8, Box<u64>, Rc<String>);

#[test]
fn packed_structs() {
    let (value, built) = measure(|| Packed {
        tag: 1,
        text: "packed".to_string(),
        number: 2,
        list: vec![1, 2, 3],
        buffer: foreign::Buffer {
            bytes: Vec::with_capacity(5),
        },
        _skipped: 3,
    });
    assert_eq!(value.heap_size(), 6 + 6 + 5);
    assert_eq!(value.heap_size() as i64, built.net_bytes);
    let ((), dropped) = measure(move || drop(value));
    assert_eq!(dropped.bytes_freed, 6 + 6 + 5);

    let heap = check(|| Packed2(1, Box::new(2), Rc::new("rc".to_string())));
    assert_eq!(
        heap,
        8 + core::mem::size_of::<String>() + 2 * core::mem::size_of::<usize>() + 2
    );
}

/// Packed with an odd size: in a `Vec`, the `String` of some elements is
/// aligned (measured through a reference) and of others not (measured
/// through a copy).
#[derive(SizeOf)]
#[repr(C, packed)]
struct OddPacked {
    text: String,
    tag: u8,
    #[memsize(with = buffer_heap)]
    buffer: foreign::Buffer,
}

#[test]
fn packed_fields_aligned_or_not() {
    assert_eq!(core::mem::size_of::<OddPacked>() % 2, 1);
    let build = || {
        (0..17)
            .map(|i| OddPacked {
                text: "t".repeat(i),
                tag: i as u8,
                buffer: foreign::Buffer {
                    bytes: Vec::with_capacity(i),
                },
            })
            .collect::<Vec<_>>()
    };
    let (value, built) = measure(build);
    assert_eq!(value.heap_size() as i64, built.net_bytes);
    let expected = 17 * core::mem::size_of::<OddPacked>() + 2 * (0..17).sum::<usize>();
    assert_eq!(value.heap_size(), expected);
    let ((), dropped) = measure(move || drop(value));
    assert_eq!(dropped.bytes_freed, expected as u64);
}

#[test]
fn shared_rc_counted_once() {
    #[derive(SizeOf)]
    struct Twice {
        a: Rc<String>,
        b: Rc<String>,
    }
    check(|| {
        let shared = Rc::new("shared".to_string());
        Twice {
            a: shared.clone(),
            b: shared,
        }
    });
}

#[derive(SizeOf)]
struct Unsized<T: ?Sized> {
    len: usize,
    tail: T,
}

#[derive(SizeOf)]
struct UnsizedSlice {
    head: u8,
    tail: [String],
}

#[test]
fn unsized_last_field() {
    let boxed: Box<Unsized<[String]>> = Box::new(Unsized {
        len: 2,
        tail: ["a".to_string(), "bc".to_string()],
    });
    assert_eq!(boxed.len, 2);
    let (_,) = (&boxed.tail,);
    assert_eq!((*boxed).heap_size(), 3);
    assert!(!Unsized::<u8>::is_heap_free());
    let _ = |s: &UnsizedSlice| (s.head, s.heap_size());
}

#[derive(SizeOf)]
#[allow(non_camel_case_types)]
struct r#Raw {
    r#type: String,
    r#match: u8,
}

#[test]
fn raw_identifiers() {
    assert_eq!(
        check(|| Raw {
            r#type: "t".to_string(),
            r#match: 1
        }),
        1
    );
}

/// A type named like the type it wraps keeps its inferred bounds: only
/// `Self` or the bare name is the type itself.
mod same_names {
    use memsize::alloc::assert_heap_exact;
    use memsize::SizeOf;

    #[derive(SizeOf)]
    pub struct HashMap<K, V>(std::collections::HashMap<K, V>);

    mod inner {
        #[derive(memsize::SizeOf)]
        pub struct Config<T> {
            pub values: Vec<T>,
        }
    }

    #[derive(SizeOf)]
    pub struct Config<T> {
        inner: inner::Config<T>,
        next: Option<Box<Config<T>>>,
    }

    #[test]
    fn derive_and_measure() {
        let m = HashMap((0..100u32).map(|i| (i, i.to_string())).collect());
        assert!(m.heap_size() > 100);
        assert_heap_exact(m);
        let c = Config {
            inner: inner::Config {
                values: vec![String::from("a"); 3],
            },
            next: Some(Box::new(Config {
                inner: inner::Config { values: vec![] },
                next: None,
            })),
        };
        assert_heap_exact(c);
    }
}

/// `#[memsize(add_heap = f)]`: a foreign type measured allocation by
/// allocation, so the figure passes `assert_heap_exact`.
mod add_heap_attribute {
    use core::alloc::Layout;
    use memsize::alloc::{assert_heap_exact, check_heap};
    use memsize::{Context, Report, SizeOf};

    /// A type of another crate, without `SizeOf`: a buffer and a name.
    pub struct Foreign {
        buf: Vec<u64>,
        name: Box<str>,
    }

    impl Foreign {
        pub fn new(n: usize) -> Self {
            Foreign {
                buf: Vec::with_capacity(n),
                name: "x".repeat(n).into_boxed_str(),
            }
        }
    }

    fn add_foreign(f: &Foreign, cx: &mut Context<'_>) {
        cx.add_alloc(
            f.buf.as_ptr().cast(),
            Layout::array::<u64>(f.buf.capacity()).unwrap(),
        );
        cx.add_alloc(f.name.as_ptr(), Layout::for_value(&*f.name));
    }

    fn bytes_of(f: &Foreign) -> usize {
        f.buf.capacity() * 8 + f.name.len()
    }

    #[derive(SizeOf)]
    struct Exact {
        label: String,
        #[memsize(add_heap = add_foreign)]
        foreign: Foreign,
    }

    #[derive(SizeOf)]
    enum Either {
        Left(#[memsize(add_heap = add_foreign)] Foreign),
        Right(String),
    }

    #[derive(SizeOf)]
    #[repr(C, packed)]
    struct Packed {
        tag: u8,
        #[memsize(add_heap = add_foreign)]
        foreign: Foreign,
    }

    #[derive(SizeOf)]
    struct Estimated {
        #[memsize(with = bytes_of)]
        foreign: Foreign,
    }

    #[test]
    fn reports_allocations_exactly() {
        assert_heap_exact(Exact {
            label: "l".into(),
            foreign: Foreign::new(10),
        });
        assert_heap_exact(Either::Left(Foreign::new(3)));
        assert_heap_exact(Either::Right("r".into()));
        assert_heap_exact(Packed {
            tag: 1,
            foreign: Foreign::new(5),
        });
        // `with` gives the bytes but not the allocations.
        let check = check_heap(Estimated {
            foreign: Foreign::new(4),
        });
        assert_eq!(check.heap_bytes as u64, check.freed_bytes);
        assert!(!check.is_exact());
        // Its own path in a report.
        let e = Exact {
            label: "l".into(),
            foreign: Foreign::new(10),
        };
        let report = Report::new(&e);
        let node = report.root().child("foreign").unwrap();
        assert_eq!((node.heap_bytes(), node.allocations()), (80 + 10, 2));
    }
}

/// `is_heap_free` asks one probe per 16 fields: a struct of more fields is
/// heap-free only when every chunk is, whichever chunk the heap is in.
mod many_fields {
    use memsize::SizeOf;

    #[derive(SizeOf)]
    struct Twenty(
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8, //
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
    );

    #[derive(SizeOf)]
    struct HeapInSecondChunk<T>(
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8, //
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        T,
    );

    #[derive(SizeOf)]
    struct Sixteen(
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8, //
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        u8,
        Box<u8>,
    );

    #[test]
    fn every_chunk_counts() {
        assert!(Twenty::is_heap_free());
        assert!(HeapInSecondChunk::<u32>::is_heap_free());
        assert!(!HeapInSecondChunk::<Box<u32>>::is_heap_free());
        assert!(!Sixteen::is_heap_free());
    }
}

/// A field spelled as std's `String`, `Vec`, `Box` or an `Option` of one
/// makes `is_heap_free` the
/// trait's default, false, with no probe: the same answer as std's types
/// give. A type of one's own by that name makes it false too.
mod spelled_as_std {
    use memsize::SizeOf;

    #[derive(SizeOf)]
    struct Std {
        a: u8,
        b: std::string::String,
        c: alloc::vec::Vec<u8>,
        d: Option<Box<u8>>,
        e: core::option::Option<std::boxed::Box<u8>>,
    }

    #[derive(SizeOf)]
    struct OptionOfHeapFree {
        a: Option<u8>,
        b: Option<(u8, u16)>,
    }

    extern crate alloc;

    mod own {
        /// Owns no heap, whatever its name.
        #[derive(memsize::SizeOf)]
        pub struct String(pub u8);
    }

    #[derive(SizeOf)]
    struct Shadowed {
        a: own::String,
    }

    #[derive(SizeOf)]
    struct ShadowedBare {
        a: String,
    }

    use own::String;

    #[test]
    fn false_as_for_std_types() {
        assert!(!Std::is_heap_free());
        assert!(OptionOfHeapFree::is_heap_free());
        // Through a path: asked, and heap-free.
        assert!(Shadowed::is_heap_free());
        assert!(own::String::is_heap_free());
        // Bare: not asked; false, which is never a wrong figure.
        assert!(!ShadowedBare::is_heap_free());
        let v: Vec<ShadowedBare> = (0..4).map(|i| ShadowedBare { a: String(i) }).collect();
        assert_eq!(
            v.heap_size(),
            v.capacity() * core::mem::size_of::<ShadowedBare>()
        );
    }
}
