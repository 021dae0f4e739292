//! `SizeOf` for the types of core, alloc and std, one family per file, and
//! for the types of third-party crates, one file per crate.

/// `SizeOf` for types that own no heap memory: nothing to add, and
/// containers of them are measured in constant time. Each is its own
/// adapter too (`SizeOfAs<Self>`), so it can stand for itself in an
/// adapter type: `HashMap<_, Foreign>` has `RandomState` for its hasher.
macro_rules! heap_free {
    ($([$($g:tt)*] $t:ty,)*) => {$(
        impl<$($g)*> SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
        }

        impl<$($g)*> $crate::adapt::SizeOfAs<$t> for $t where $t: 'static {
            #[inline(always)]
            fn add_heap_as<'a>(_: &'a $t, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free_as() -> bool { true }
        }
    )*};
}

mod btree;
mod collections;
mod dyn_objects;
mod errors;
#[cfg(feature = "std")]
mod hash;
#[cfg(any(
    feature = "std",
    feature = "hashbrown",
    feature = "hashlink",
    feature = "indexmap",
    feature = "lru",
    feature = "serde_json"
))]
mod hash_table;
mod primitives;
mod smart_ptr;
#[cfg(feature = "std")]
pub(crate) mod sync;
#[cfg(feature = "std")]
pub(crate) use sync::LockWaits;
#[cfg(feature = "std")]
mod threads;

#[cfg(all(test, feature = "std"))]
mod tests;
// Third-party crates, each behind a feature named after the crate.

/// `SizeOf` for a third-party type that never owns heap memory, shown in the
/// docs as needing the crate's feature.
#[allow(unused_macros)] // Unused when no hasher crate is enabled.
macro_rules! heap_free_ext {
    ($feature:literal: $([$($g:tt)*] $t:ty,)*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
        impl<$($g)*> $crate::SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut $crate::Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
        }

        #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
        impl<$($g)*> $crate::adapt::SizeOfAs<$t> for $t where $t: 'static {
            #[inline(always)]
            fn add_heap_as<'a>(_: &'a $t, _: &mut $crate::Context<'a>) {}
            #[inline(always)]
            fn is_heap_free_as() -> bool { true }
        }
    )*};
}

#[cfg(feature = "ahash")]
mod ahash;
#[cfg(feature = "arc-swap")]
mod arc_swap;
#[cfg(feature = "arcstr")]
mod arcstr;
#[cfg(feature = "arrayvec")]
mod arrayvec;
#[cfg(feature = "bitvec")]
mod bitvec;
#[cfg(feature = "bumpalo")]
mod bumpalo;
#[cfg(feature = "bytes")]
mod bytes;
#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "compact_str")]
mod compact_str;
#[cfg(feature = "crossbeam-queue")]
mod crossbeam_queue;
#[cfg(feature = "dashmap")]
mod dashmap;
#[cfg(feature = "ecow")]
mod ecow;
#[cfg(feature = "either")]
mod either;
#[cfg(feature = "fnv")]
mod fnv;
#[cfg(feature = "foldhash")]
mod foldhash;
#[cfg(all(
    feature = "gxhash",
    any(
        all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "aes",
            target_feature = "sse2"
        ),
        all(
            target_arch = "aarch64",
            target_feature = "aes",
            target_feature = "neon"
        )
    )
))]
mod gxhash;
#[cfg(feature = "half")]
mod half;
#[cfg(feature = "hashbrown")]
mod hashbrown;
#[cfg(feature = "hashlink")]
mod hashlink;
#[cfg(feature = "heapless")]
mod heapless;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "imbl")]
mod imbl;
#[cfg(feature = "indexmap")]
mod indexmap;
#[cfg(feature = "jiff")]
mod jiff;
#[cfg(feature = "lru")]
mod lru;
#[cfg(feature = "nalgebra")]
mod nalgebra;
#[cfg(feature = "ndarray")]
mod ndarray;
#[cfg(feature = "num-bigint")]
mod num_bigint;
#[cfg(feature = "once_cell")]
mod once_cell;
#[cfg(feature = "ordered-float")]
mod ordered_float;
#[cfg(feature = "parking_lot")]
mod parking_lot;
#[cfg(feature = "petgraph")]
mod petgraph;
#[cfg(feature = "prost-types")]
mod prost_types;
#[cfg(feature = "roaring")]
mod roaring;
#[cfg(feature = "rust_decimal")]
mod rust_decimal;
#[cfg(feature = "rustc-hash")]
mod rustc_hash;
#[cfg(feature = "seahash")]
mod seahash;
#[cfg(feature = "semver")]
mod semver;
#[cfg(feature = "serde_json")]
mod serde_json;
#[cfg(feature = "slab")]
mod slab;
#[cfg(feature = "slotmap")]
mod slotmap;
#[cfg(feature = "smallvec")]
mod smallvec;
#[cfg(feature = "smartstring")]
mod smartstring;
#[cfg(feature = "smol_str")]
mod smol_str;
#[cfg(feature = "thin-vec")]
mod thin_vec;
#[cfg(feature = "time")]
mod time;
#[cfg(feature = "tinyvec")]
mod tinyvec;
#[cfg(feature = "tokio")]
mod tokio;
#[cfg(feature = "triomphe")]
mod triomphe;
#[cfg(feature = "twox-hash")]
mod twox_hash;
#[cfg(feature = "url")]
mod url;
#[cfg(feature = "uuid")]
mod uuid;
#[cfg(feature = "xxhash-rust")]
mod xxhash_rust;
