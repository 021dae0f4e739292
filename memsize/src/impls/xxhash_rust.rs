//! The hashers of the `xxhash-rust` crate (0.8), with its `xxh32`, `xxh64`
//! and `xxh3` modules.
//!
//! Layout facts of xxhash-rust 0.8.21: `Xxh32` and `Xxh64` are a few
//! integers of state and an inline 16- or 32-byte buffer; `Xxh3` and
//! `Xxh3Default` hold their accumulators, a 256-byte buffer and (`Xxh3`)
//! a 192-byte secret inline, in aligned arrays; `Xxh64Builder` is a seed,
//! `Xxh3Builder` an optional seed and an optional inline secret, and
//! `Xxh3DefaultBuilder` is zero-sized. None owns heap.

heap_free_ext! { "xxhash-rust":
    [] xxhash_rust::xxh32::Xxh32,
    [] xxhash_rust::xxh64::Xxh64,
    [] xxhash_rust::xxh64::Xxh64Builder,
    [] xxhash_rust::xxh3::Xxh3,
    [] xxhash_rust::xxh3::Xxh3Default,
    [] xxhash_rust::xxh3::Xxh3Builder,
    [] xxhash_rust::xxh3::Xxh3DefaultBuilder,
}
