//! The hasher of the `rustc-hash` crate (2.1).
//!
//! Layout fact of rustc-hash 2.1: `FxHasher` is one `usize` of state,
//! `FxBuildHasher` is zero-sized and `FxSeededState` holds a `usize` seed.
//! None owns heap.

heap_free_ext! { "rustc-hash":
    [] rustc_hash::FxHasher,
    [] rustc_hash::FxBuildHasher,
    [] rustc_hash::FxSeededState,
}
