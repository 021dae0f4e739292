//! The hashers of the `foldhash` crate (0.2).
//!
//! Layout fact of foldhash 0.2: the hashers hold their state inline and a
//! reference to a seed; the `BuildHasher`s hold a seed inline or refer to a
//! static one. None owns heap.

heap_free_ext! { "foldhash":
    ['s] foldhash::fast::FoldHasher<'s>,
    [] foldhash::fast::RandomState,
    [] foldhash::fast::SeedableRandomState,
    [] foldhash::fast::FixedState,
    ['s] foldhash::quality::FoldHasher<'s>,
    [] foldhash::quality::RandomState,
    [] foldhash::quality::SeedableRandomState,
    [] foldhash::quality::FixedState,
    [] foldhash::SharedSeed,
}
