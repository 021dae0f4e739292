//! The hasher of the `fnv` crate (1.0).
//!
//! Layout fact of fnv 1.0.7: `FnvHasher` is one `u64` of state and owns no
//! heap. `FnvBuildHasher` is `BuildHasherDefault<FnvHasher>`, zero-sized,
//! which memsize measures with `std`.

heap_free_ext! { "fnv":
    [] fnv::FnvHasher,
}
