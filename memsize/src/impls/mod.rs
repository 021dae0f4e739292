//! `SizeOf` for the types of core, alloc and std, one family per file.

mod btree;
mod collections;
#[cfg(feature = "std")]
mod hash;
mod primitives;
mod smart_ptr;
#[cfg(feature = "std")]
mod sync;
#[cfg(feature = "std")]
mod table;

#[cfg(all(test, feature = "std"))]
mod tests;
