//! `SizeOf` for the types of core, alloc and std, one family per file.

mod btree;
mod collections;
mod dyn_objects;
mod errors;
#[cfg(feature = "std")]
mod hash;
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

// Third-party crates, each behind a feature named after it.
#[cfg(feature = "dashmap")]
mod dashmap;
#[cfg(feature = "parking_lot")]
mod parking_lot;
