//! Mistakes in `#[derive(SizeOf)]` input must be clear compile errors that
//! point at the mistake: each `ui/*.rs` is one mistake, with the expected
//! output in the `.stderr` next to it. Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test --test compiletest`, then read it.
#![cfg(feature = "derive")]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
