//! `SizeOf` for the types of core, alloc and std, one family per file.

mod primitives;
