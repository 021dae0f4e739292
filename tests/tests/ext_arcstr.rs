//! arcstr's `ArcStr` and `Substr` against the allocator: one block shared
//! by clones and substrings, nothing for literals.
#![cfg(feature = "arcstr")]

use std::alloc::System;

use arcstr::{literal, ArcStr, Substr};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn owned_strings() {
    for n in [1, 7, 8, 9, 100, 5000] {
        assert_heap_exact(ArcStr::from("s".repeat(n)));
    }
    assert_heap_exact(ArcStr::from(String::from("from a String")));
    assert_heap_exact(arcstr::format!("{} and {}", 12, "x".repeat(30)));
}

#[test]
fn literals_and_empty_own_nothing() {
    let l: ArcStr = literal!("a literal");
    assert_eq!(l.heap_size(), 0);
    assert_heap_exact(l.clone());
    assert_heap_exact(ArcStr::new());
    assert_heap_exact(ArcStr::from(""));
    // Leaked: static from then on, freed by nothing.
    let leaked = ArcStr::from("leaked".repeat(3));
    let _: &'static str = ArcStr::leak(&leaked);
    assert_eq!(leaked.heap_size(), 0);
    assert_heap_exact(leaked);
}

#[test]
fn clones_and_substrings_share_the_block() {
    let s = ArcStr::from("shared between handles".repeat(4));
    assert_heap_exact(vec![s.clone(), s.clone(), s]);
    let s = ArcStr::from("shared between handles".repeat(4));
    let subs: Vec<Substr> = vec![s.substr(0..5), s.substr(10..), s.substr(..)];
    assert_heap_exact((s, subs));
    // A substring alone owns its whole parent.
    let sub = {
        let parent = ArcStr::from("x".repeat(50));
        parent.substr(3..4)
    };
    assert_heap_exact(sub);
    assert_heap_exact(Substr::from("a substr of its own"));
    assert_heap_exact(literal!("static parent").substr(2..5));
}
