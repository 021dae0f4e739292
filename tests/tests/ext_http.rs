//! http's types against the allocator: header values and names, URIs whose
//! parts share one buffer, methods, and header maps (a bound).
#![cfg(feature = "http")]

use std::alloc::System;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, StatusCode, Uri, Version};
use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn header_values() {
    assert_heap_exact(HeaderValue::from_static("static text"));
    assert_heap_exact(HeaderValue::from_str("text/html; charset=utf-8").unwrap());
    assert_heap_exact(HeaderValue::from_bytes(&[b'a'; 300]).unwrap());
    assert_heap_exact(HeaderValue::from(123_456u64));
    let shared = Bytes::from(vec![b'v'; 64]);
    let a = HeaderValue::from_maybe_shared(shared.slice(..10)).unwrap();
    let b = HeaderValue::from_maybe_shared(shared.slice(10..)).unwrap();
    drop(shared);
    assert_heap_exact((a.clone(), a, b));
    let mut sensitive = HeaderValue::from_str("Bearer secret-token").unwrap();
    sensitive.set_sensitive(true);
    assert_heap_exact(sensitive);
}

#[test]
fn header_names() {
    assert_heap_exact(header::CONTENT_TYPE);
    assert_heap_exact(HeaderName::from_static("x-static-custom"));
    assert_heap_exact(HeaderName::from_bytes(b"Content-Length").unwrap());
    assert_eq!(HeaderName::from_bytes(b"accept").unwrap().heap_size(), 0);
    assert_heap_exact(HeaderName::from_bytes(b"X-Request-Id").unwrap());
    assert_heap_exact(HeaderName::from_lowercase(&[b'x'; 200]).unwrap());
}

#[test]
fn uris_share_one_buffer() {
    for text in [
        "/",
        "/path?query=1",
        "https://example.com/a/b?c=d",
        "http://user@host:8080/",
        "HTTP://Example.COM",
        "example.com:443",
        "*",
        "custom-scheme://authority.example/path/to/resource?x=1&y=2",
        "ftp://files.example.org/pub",
    ] {
        let uri: Uri = text.parse().unwrap();
        assert_heap_exact((uri.clone(), uri));
        assert_heap_exact(text.parse::<Uri>().unwrap());
    }
    assert_heap_exact(Uri::from_static("https://static.example/path"));
    let parts = Uri::from_static("/p").into_parts();
    assert_heap_exact(parts.path_and_query.unwrap());
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some("my-scheme".parse().unwrap());
    parts.authority = Some(Authority::from_static("host"));
    parts.path_and_query = Some(PathAndQuery::from_static("/"));
    assert_heap_exact(Uri::from_parts(parts).unwrap());
}

#[test]
fn uri_parts_alone() {
    assert_heap_exact(Scheme::HTTPS);
    assert_heap_exact("svn+ssh".parse::<Scheme>().unwrap());
    assert_heap_exact("HTTP".parse::<Scheme>().unwrap());
    assert_heap_exact("example.net:8443".parse::<Authority>().unwrap());
    assert_heap_exact(Authority::from_static("static.host"));
    assert_heap_exact("/a/b/c?d=e&f=g".parse::<PathAndQuery>().unwrap());
    assert_heap_exact(
        PathAndQuery::from_maybe_shared(Bytes::from("/shared?q".to_string())).unwrap(),
    );
}

#[test]
fn methods_status_versions() {
    assert_heap_exact(Method::GET);
    assert_heap_exact(Method::from_bytes(b"PURGE").unwrap());
    assert_heap_exact(Method::from_bytes(b"FIFTEEN-BYTES-X").unwrap());
    assert_heap_exact(Method::from_bytes(b"A-VERY-LONG-EXTENSION-METHOD").unwrap());
    assert!(<StatusCode as SizeOf>::is_heap_free());
    assert_heap_exact(StatusCode::NOT_FOUND);
    assert_heap_exact(Version::HTTP_2);
}

fn request_headers(n: usize) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(header::HOST, HeaderValue::from_static("example.com"));
    map.insert(header::USER_AGENT, "memsize-test/1.0".parse().unwrap());
    for i in 0..n {
        let name = HeaderName::from_bytes(format!("x-custom-{i}").as_bytes()).unwrap();
        map.insert(name, HeaderValue::from_str(&"v".repeat(i % 40)).unwrap());
    }
    map
}

#[test]
fn header_maps_with_one_value_per_name_are_exact() {
    assert_heap_exact(HeaderMap::<HeaderValue>::new());
    assert_heap_exact(HeaderMap::<HeaderValue>::with_capacity(100));
    for n in [0, 4, 5, 20, 100, 1000] {
        assert_heap_exact(request_headers(n));
        let mut map = request_headers(n);
        map.reserve(300);
        assert_heap_exact(map);
        let mut map = request_headers(n);
        for i in (0..n).step_by(2) {
            map.remove(format!("x-custom-{i}"));
        }
        assert_heap_exact(map);
    }
}

#[test]
fn header_map_bounds() {
    // A clone's entries are as long as its contents: over by the spare.
    let map = request_headers(11);
    let spare = map.capacity() - map.keys_len();
    assert!(spare > 0);
    let copy = map.clone();
    drop(map);
    let check = check_heap(copy);
    let over = -check.byte_difference();
    assert_eq!(over % spare as i128, 0, "{check}");
    let bucket = over / spare as i128;
    assert!(
        bucket >= (size_of::<HeaderName>() + size_of::<HeaderValue>()) as i128,
        "{check}"
    );
    assert_eq!(check.allocation_difference(), 0);
    // Extra values appended, as a parser does: exact.
    for extra in [1, 3, 4, 5, 16, 17, 100] {
        let mut map = request_headers(3);
        for i in 0..extra {
            map.append(
                header::ACCEPT,
                HeaderValue::from_str(&format!("type/{i}")).unwrap(),
            );
        }
        assert_heap_exact(map);
    }
    // Removing extra values leaves their capacity: under by it.
    let mut map = request_headers(3);
    (0..20).for_each(|i| {
        map.append(header::ACCEPT, HeaderValue::from(i));
    });
    map.remove(header::ACCEPT);
    map.append(header::ACCEPT, HeaderValue::from(1));
    map.append(header::ACCEPT, HeaderValue::from(2));
    let check = check_heap(map);
    let per_value = size_of::<HeaderValue>() + 4 * size_of::<usize>();
    assert_eq!(
        check.byte_difference(),
        ((32 - 4) * per_value) as i128,
        "{check}"
    );
    assert_eq!(check.allocation_difference(), 0);
    // A clone's extra values are as many as the values: over by the
    // difference to the next power of two.
    let mut map = request_headers(0);
    (0..10).for_each(|i| {
        map.append(header::ACCEPT, HeaderValue::from(i));
    });
    let copy = map.clone();
    drop(map);
    let spare_entries = copy.capacity() - copy.keys_len();
    let check = check_heap(copy);
    let over = -check.byte_difference();
    assert!(over >= ((16 - 9) * per_value) as i128, "{check}");
    assert!(
        spare_entries > 0 || over == ((16 - 9) * per_value) as i128,
        "{check}"
    );
}
