//! The hashers of the `twox-hash` crate (2.x).
//!
//! Layout facts of twox-hash 2.1.5, held against the allocator in
//! `tests/tests/ext_twox_hash.rs`:
//!
//! 1. `XxHash32` and `XxHash64` are their lanes, an inline buffer and
//!    counters; their `State`s are a seed, and with `std` (twox-hash's
//!    `random`) their `RandomState`s wrap a `State`. None owns heap.
//! 2. The streaming `XxHash3_64` and `XxHash3_128` exist only with
//!    twox-hash's `alloc` feature (which its `std` turns on), and then own
//!    their secret as a `Box<[u8]>`: `new`, `default` and `with_seed`
//!    allocate `DEFAULT_SECRET_LENGTH` (192) bytes, a clone a copy of the
//!    same length. Without `alloc` they are zero-sized and own nothing.

use crate::lib::Layout;
use crate::{Context, SizeOf};

heap_free_ext! { "twox-hash":
    [] twox_hash::XxHash32,
    [] twox_hash::XxHash64,
    [] twox_hash::xxhash32::State,
    [] twox_hash::xxhash64::State,
}

#[cfg(feature = "std")]
heap_free_ext! { "twox-hash":
    [] twox_hash::xxhash32::RandomState,
    [] twox_hash::xxhash64::RandomState,
}

/// The boxed secret of an XXH3 hasher (fact 2), if it has one.
#[inline]
fn add_secret<H>(cx: &mut Context<'_>) {
    if size_of::<H>() != 0 {
        cx.add_alloc(
            core::ptr::null(),
            Layout::new::<[u8; twox_hash::xxhash3_64::DEFAULT_SECRET_LENGTH]>(),
        );
    }
}

use crate::lib::size_of;

/// Its secret: exact for hashers made by `new`, `default` and `with_seed`
/// (and their clones).
///
/// Bound: one made by `with_seed_and_secret` owns the secret it was given,
/// whose length twox-hash does not show; it counts as 192 bytes, above a
/// shorter secret (at least 136 bytes) and below a longer one.
#[cfg_attr(docsrs, doc(cfg(feature = "twox-hash")))]
impl SizeOf for twox_hash::XxHash3_64 {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_secret::<Self>(cx);
    }
}

/// As [`XxHash3_64`](twox_hash::XxHash3_64)'s.
#[cfg_attr(docsrs, doc(cfg(feature = "twox-hash")))]
impl SizeOf for twox_hash::XxHash3_128 {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        add_secret::<Self>(cx);
    }
}
