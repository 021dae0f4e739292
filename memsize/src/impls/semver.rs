//! `Version`, `VersionReq`, `Comparator`, `Prerelease` and `BuildMetadata`
//! of the `semver` crate (1.x).
//!
//! Layout facts of semver 1.0.28 (its `identifier.rs`), held against the
//! allocator in `tests/tests/ext_semver.rs`:
//!
//! 1. A `Prerelease` or `BuildMetadata` is one 8-byte `Identifier`: empty,
//!    or up to 8 bytes of text inline, own no heap.
//! 2. A longer text of `len` bytes is one allocation of 2-byte alignment:
//!    the length as a base-128 varint (`ceil(bits(len) / 7)` bytes), then
//!    the text. A clone allocates the same.
//! 3. A `Version` is three `u64`s and two identifiers; a `VersionReq` is a
//!    public `Vec<Comparator>`, and a `Comparator` is integers and one
//!    `Prerelease`.

use semver::{BuildMetadata, Comparator, Prerelease, Version, VersionReq};

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The allocation behind an identifier of this text (facts 1 and 2).
#[inline]
fn add_identifier(cx: &mut Context<'_>, text: &str) {
    let len = text.len();
    if len > 8 {
        let bits = usize::BITS - len.leading_zeros();
        let varint = (bits as usize).div_ceil(7);
        if let Ok(layout) = Layout::from_size_align(varint + len, 2) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
}

/// Its text's allocation past 8 bytes, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "semver")))]
impl SizeOf for Prerelease {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_identifier(cx, self.as_str());
    }
}

/// Its text's allocation past 8 bytes, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "semver")))]
impl SizeOf for BuildMetadata {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_identifier(cx, self.as_str());
    }
}

/// Its pre-release and build texts, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "semver")))]
impl SizeOf for Version {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("pre", &self.pre);
        cx.add_field("build", &self.build);
    }
}

/// Its pre-release text, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "semver")))]
impl SizeOf for Comparator {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("pre", &self.pre);
    }
}

/// Its comparators' `Vec` and their pre-release texts, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "semver")))]
impl SizeOf for VersionReq {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("comparators", &self.comparators);
    }
}
