//! Benchmarks for memsize; nothing is published. What several benches
//! share lives here: the random data of the cases and the types every peer
//! measures through its own derive.

pub mod data;
pub mod rng;
