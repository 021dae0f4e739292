//! `#[derive(SizeOf)]` for the `memsize` crate. Use it through `memsize::SizeOf`.
