//! The hashers of the `ahash` crate (0.8), and with `std` its map and set.
//!
//! Layout facts of ahash 0.8: `AHasher` and `RandomState` hold their keys
//! inline (a few `u64`/`u128` words) and own no heap. `AHashMap` and
//! `AHashSet` (std only) are newtypes of std's `HashMap` and `HashSet`,
//! which they deref to.

heap_free_ext! { "ahash":
    [] ahash::AHasher,
    [] ahash::RandomState,
}

#[cfg(feature = "std")]
mod maps {
    use std::collections::{HashMap, HashSet};

    use ahash::{AHashMap, AHashSet};

    use crate::{Context, SizeOf};

    /// Measured as the std `HashMap` it wraps.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "ahash", feature = "std"))))]
    impl<K, V, S> SizeOf for AHashMap<K, V, S>
    where
        HashMap<K, V, S>: SizeOf,
    {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let map: &'a HashMap<K, V, S> = self;
            cx.add_field("map", map);
        }
    }

    /// Measured as the std `HashSet` it wraps.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "ahash", feature = "std"))))]
    impl<T, S> SizeOf for AHashSet<T, S>
    where
        HashSet<T, S>: SizeOf,
    {
        #[inline]
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            let set: &'a HashSet<T, S> = self;
            cx.add_field("set", set);
        }
    }
}
