//! Mistakes in `#[derive(SizeOf)]` input must be clear compile errors that
//! point at the mistake: each `ui/*.rs` is one mistake, with the expected
//! output in the `.stderr` next to it. Regenerate the expected output with
//! `TRYBUILD=overwrite cargo +1.95.0 test --test compiletest`, then read it.
//!
//! The expected output holds the wording of the rustc it was written with
//! ([`PINNED`]); another rustc words its notes differently, so there the
//! test says it skipped rather than fail on a reworded note. CI runs it on
//! the pinned toolchain.
#![cfg(feature = "derive")]

/// The rustc whose output the `.stderr` files hold.
const PINNED: &str = "rustc 1.95.";

#[test]
fn ui() {
    let rustc = env!("MEMSIZE_TESTS_RUSTC");
    if !rustc.starts_with(PINNED) {
        eprintln!(
            "skipped: the UI tests' expected output is {PINNED}x's wording, this is `{rustc}`; \
             run `cargo +1.95.0 test -p memsize-tests --test compiletest`"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
