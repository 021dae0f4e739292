//! The hasher of the `seahash` crate (4.1).
//!
//! Layout fact of seahash 4.1: `SeaHasher` is its four `u64` lanes, an
//! inline tail buffer and counters; `State` is the four lanes. Neither owns
//! heap. seahash has no `BuildHasher` of its own: maps use
//! `BuildHasherDefault<SeaHasher>`, which memsize measures with `std`.

heap_free_ext! { "seahash":
    [] seahash::SeaHasher,
    [] seahash::State,
}
