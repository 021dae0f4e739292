//! semver's versions and requirements against the allocator: identifiers
//! inline up to 8 bytes, longer ones behind a length-prefixed allocation.
#![cfg(feature = "semver")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;
use semver::{BuildMetadata, Prerelease, Version, VersionReq};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn identifiers_inline_and_on_the_heap() {
    assert_heap_exact(Prerelease::EMPTY);
    assert_heap_exact(BuildMetadata::EMPTY);
    // Every length around the inline limit and the varint's steps.
    for len in [1, 7, 8, 9, 16, 127, 128, 129, 300, 16_383, 16_384, 20_000] {
        let text: String = (0..len)
            .map(|i| if i % 2 == 0 { 'a' } else { '1' })
            .collect();
        let pre = Prerelease::new(&text).unwrap();
        assert_eq!(pre.heap_size() == 0, len <= 8, "{len}");
        assert_heap_exact(pre.clone());
        assert_heap_exact(pre);
        let build = BuildMetadata::new(&text).unwrap();
        assert_heap_exact(build.clone());
        assert_heap_exact(build);
    }
}

#[test]
fn versions() {
    for text in [
        "1.2.3",
        "1.2.3-alpha.1",
        "1.2.3-alpha.beta.gamma.delta+build.2026.12.04",
        "0.0.1+sha.0123456789abcdef",
        "10.20.30-rc.1+x",
    ] {
        let v = Version::parse(text).unwrap();
        assert_heap_exact(v.clone());
        assert_heap_exact(v);
    }
    assert_heap_exact(vec![
        Version::parse("1.0.0-beta.2222222+meta.data.here")
            .unwrap();
        10
    ]);
}

#[test]
fn requirements() {
    for text in [
        "*",
        "^1.2",
        ">=1.2.3-prerelease.long, <2",
        ">=1.0.0-alpha.1, <1.0.0-alpha.9999999, =1.0.0-alpha.2",
        "~0.3, ^0.3.1-beta.long.identifier, >0.3.2, <0.9",
    ] {
        let req = VersionReq::parse(text).unwrap();
        assert_heap_exact(req.clone());
        assert_heap_exact(req);
    }
    check_history::<VersionReq>(
        || VersionReq::parse(">=1.2.3-longer.pre, <2").unwrap(),
        &[
            &|r| {
                r.comparators.extend(
                    VersionReq::parse("^1.5.0-rc.123456789")
                        .unwrap()
                        .comparators,
                )
            },
            &|r| r.comparators.truncate(1),
            &|r| r.comparators.shrink_to_fit(),
            &|r| r.comparators.clear(),
        ],
    );
}
