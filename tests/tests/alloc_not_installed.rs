//! Without the counting allocator, measuring is a clear error, never a
//! silent zero.
#![cfg(feature = "std")]

use memsize::alloc::{installed, measure, try_measure, Measurement, NotInstalled};

#[test]
fn installed_says_no() {
    assert!(!installed());
}

#[test]
fn try_measure_returns_an_error_and_does_not_run_the_closure() {
    let mut ran = false;
    assert_eq!(try_measure(|| ran = true), Err(NotInstalled));
    assert!(!ran);
    assert!(Measurement::try_start().is_err());
    assert!(NotInstalled.to_string().contains("#[global_allocator]"));
}

#[test]
#[should_panic(expected = "the counting allocator is not installed")]
fn measure_panics() {
    let _ = measure(|| vec![1, 2, 3]);
}

#[test]
#[should_panic(expected = "the counting allocator is not installed")]
fn assertions_panic() {
    memsize::alloc::assert_no_alloc(|| ());
}
