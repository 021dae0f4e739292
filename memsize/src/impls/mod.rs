//! `SizeOf` for the types of core, alloc and std, one family per file, and
//! for the types of third-party crates, one file per crate.

mod btree;
mod collections;
#[cfg(feature = "std")]
mod hash;
mod primitives;
mod smart_ptr;
#[cfg(feature = "std")]
mod sync;
#[cfg(any(feature = "std", feature = "serde_json"))]
mod table;

// Third-party crates, each behind the feature of its name.
#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "either")]
mod either;
#[cfg(feature = "half")]
mod half;
#[cfg(feature = "ordered-float")]
mod ordered_float;
#[cfg(feature = "serde_json")]
mod serde_json;
#[cfg(feature = "time")]
mod time;
#[cfg(feature = "url")]
mod url;
#[cfg(feature = "uuid")]
mod uuid;

#[cfg(all(test, feature = "std"))]
mod tests;
