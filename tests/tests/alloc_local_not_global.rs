//! A `CountingAlloc` value used directly, while another allocator is the
//! global one, must not make memsize believe it is installed: measuring
//! then is an error, never a silent zero.
#![cfg(feature = "std")]

use memsize::alloc::{assert_no_alloc, installed, try_measure, CountingAlloc, NotInstalled};
use std::alloc::{GlobalAlloc, Layout, System};

#[global_allocator]
static GLOBAL: System = System;

/// Calls a local counting allocator once, as a program might for an arena.
fn use_a_local_counting_alloc() {
    let local = CountingAlloc::new(System);
    let layout = Layout::new::<[u64; 4]>();
    // SAFETY: the layout has a non-zero size; the block is freed once, with
    // the same layout, by the allocator that made it.
    unsafe {
        let p = local.alloc(layout);
        assert!(!p.is_null());
        local.dealloc(p, layout);
    }
}

#[test]
fn a_local_counting_alloc_is_not_the_global_one() {
    use_a_local_counting_alloc();
    assert!(!installed());
    assert_eq!(try_measure(|| vec![0u8; 1000]).err(), Some(NotInstalled));
    let r = std::panic::catch_unwind(|| assert_no_alloc(|| vec![0u8; 1000]));
    let msg = r.expect_err("assert_no_alloc must not pass");
    let msg = msg
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or("");
    assert!(
        msg.contains("the counting allocator is not installed"),
        "{msg}"
    );
}
