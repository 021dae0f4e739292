//! The hasher and builder of the `gxhash` crate (3.x).
//!
//! Layout fact of gxhash 3.5: `GxHasher` and `GxBuildHasher` each hold one
//! SIMD register of state inline and own no heap.
//!
//! gxhash builds only where the target has AES and SSE2 (x86, x86_64) or
//! AES and NEON (aarch64) enabled, e.g. with `RUSTFLAGS="-C
//! target-feature=+aes,+sse2"`: elsewhere memsize's `gxhash` feature leaves
//! gxhash out and adds nothing, so that `--all-features` still builds.

heap_free_ext! { "gxhash":
    [] gxhash::GxHasher,
    [] gxhash::GxBuildHasher,
}
