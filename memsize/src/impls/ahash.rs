//! The hashers of the `ahash` crate (0.8).
//!
//! Layout fact of ahash 0.8: `AHasher` and `RandomState` hold their keys
//! inline (a few `u64`/`u128` words) and own no heap.

heap_free_ext! { "ahash":
    [] ahash::AHasher,
    [] ahash::RandomState,
}
