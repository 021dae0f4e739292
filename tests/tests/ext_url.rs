//! `Url`: the figure is the serialization's length, a lower bound of its
//! buffer, held to the bound its docs give against the allocator.
#![cfg(feature = "url")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use url::Url;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// Inputs already in normal form: the buffer is exactly the input.
const NORMAL: &[&str] = &[
    "https://example.com/",
    "http://user:pass@host.example:8080/a/b/c?x=1&y=2#frag",
    "mailto:someone@example.org",
    "data:text/plain,hello",
    "https://[::1]:8443/path",
    "http://127.0.0.1/",
];

/// Inputs that parsing trims, encodes, resolves or grows (a `file:` URL's
/// buffer grows even from normal form).
const OTHER: &[&str] = &[
    "file:///etc/passwd",
    "file://host/share/file.txt",
    "  https://example.com/  ",
    "HTTPS://EXAMPLE.COM",
    "http://a",
    "https://example.com/a b/ü?q=ä ö#f g",
    "http://example.com/a/b/../../../c/./d",
    "https://xn--nxasmq6b.com/",
    "https://bücher.example/über",
    "http://0x7f.1/",
    "https://[::1]:443/path",
];

#[test]
fn parsed_in_normal_form_is_exact() {
    for input in NORMAL {
        let url = Url::parse(input).unwrap();
        assert_eq!(url.as_str(), *input);
        assert_eq!(url.heap_size(), input.len());
        assert_heap_exact(url);
    }
}

#[test]
fn clones_are_exact() {
    for input in NORMAL.iter().chain(OTHER) {
        let url = Url::parse(input).unwrap();
        assert_heap_exact(url.clone());
    }
}

#[test]
fn other_histories_stay_within_the_bound() {
    for input in OTHER {
        let url = Url::parse(input).unwrap();
        let len = url.as_str().len();
        let check = check_heap(url);
        // One allocation, at least the figure, at most the documented bound
        // (here `n` is the final length: no input ends shorter than it was).
        assert_eq!(check.allocation_difference(), 0, "{input}: {check}");
        assert!(check.byte_difference() >= 0, "{input}: {check}");
        let bound = input.len().max(2 * len).max(8) - len;
        assert!(check.byte_difference() <= bound as i128, "{input}: {check}");
    }
    // Setters leave spare capacity behind: still a lower bound.
    let mut url = Url::parse("https://example.com/a/very/long/path/indeed?query=string").unwrap();
    url.set_path("/");
    url.set_query(None);
    let check = check_heap(url);
    assert!(check.byte_difference() >= 0, "{check}");
}

#[test]
fn urls_in_containers() {
    let urls: Vec<Url> = (0..200)
        .map(|i| Url::parse(&format!("https://example.com/item/{i}")).unwrap())
        .collect();
    assert_heap_exact(urls);
}
