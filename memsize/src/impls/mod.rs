//! `SizeOf` for the types of core, alloc and std, one family per file.

mod btree;
mod collections;
#[cfg(feature = "std")]
mod hash;
#[cfg(feature = "std")]
mod hash_table;
mod primitives;
mod smart_ptr;
#[cfg(feature = "std")]
mod sync;

#[cfg(all(test, feature = "std"))]
mod tests;
