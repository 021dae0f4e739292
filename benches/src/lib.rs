//! Benchmarks for memsize; nothing is published.
