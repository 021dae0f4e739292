//! Allocation sites name the user's file and line. The workspace builds
//! this crate and the backtrace crate with `debug = "line-tables-only"` in
//! the dev and test profiles (a common profiling setting, where inlined
//! functions are named without their path), so this runs the case that
//! full debug info hides.
#![cfg(feature = "alloc-sites")]

use memsize::alloc::sites::{GroupBy, Tracing};
use memsize::alloc::CountingAlloc;
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// One block of `len` bytes, and the line that allocates it.
#[inline(never)]
fn make_block(len: usize) -> (Vec<u8>, u32) {
    let line = line!() + 1;
    let block = black_box(vec![1u8; len]);
    (block, line)
}

/// Small vectors allocated in a closure that is inlined into its caller.
fn make_boxes(n: u64) -> (Vec<Vec<u64>>, u32) {
    let mut boxes = Vec::with_capacity(n as usize);
    let line = line!() + 1;
    (0..n).for_each(|i| boxes.push(black_box(vec![i])));
    (boxes, line)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri names frames without their crate and files, so folding is not what it checks"
)]
fn sites_name_the_users_file_and_line() {
    let tracing = Tracing::start();
    let (block, block_line) = make_block(4000);
    let (boxes, boxes_line) = make_boxes(100);
    let snapshot = tracing.snapshot();
    let top = snapshot.statistics(GroupBy::Line);
    let this_file = |file: &Option<String>| {
        file.as_deref()
            .is_some_and(|f| f.ends_with("alloc_sites.rs"))
    };

    let block_site = top
        .iter()
        .find(|s| s.bytes == 4000)
        .unwrap_or_else(|| panic!("{top:#?}"));
    let frame = &block_site.site.frames[0];
    assert!(this_file(&frame.file), "{frame}\n{top:#?}");
    assert_eq!(frame.line, Some(block_line), "{frame}");
    assert!(frame.function.contains("make_block"), "{frame}");

    let boxes_site = top
        .iter()
        .find(|s| s.bytes == 800)
        .unwrap_or_else(|| panic!("{top:#?}"));
    assert_eq!(boxes_site.count, 100);
    let frame = &boxes_site.site.frames[0];
    assert!(this_file(&frame.file), "{frame}\n{top:#?}");
    assert_eq!(frame.line, Some(boxes_line), "{frame}");

    // No site is memsize's or the backtrace crate's.
    for stat in &top {
        for frame in &stat.site.frames {
            let file = frame.file.as_deref().unwrap_or("");
            assert!(!file.contains("backtrace"), "{frame}");
            assert!(!file.contains("/memsize/src/"), "{frame}");
        }
    }
    drop((block, boxes));
}

/// A buffer that `bytes` allocates for the caller.
#[cfg(feature = "bytes")]
#[inline(never)]
fn make_buffer() -> (bytes::BytesMut, u32) {
    let line = line!() + 1;
    let buf = black_box(bytes::BytesMut::with_capacity(3000));
    (buf, line)
}

#[cfg(feature = "bytes")]
#[test]
#[cfg_attr(miri, ignore = "Miri names frames without their crate and files")]
fn fold_crates_names_the_line_that_called_the_crate() {
    use memsize::alloc::sites::GroupBy;
    let site_of = |tracing: Tracing| {
        let (buf, line) = make_buffer();
        let snapshot = tracing.snapshot();
        let stats = snapshot.statistics(GroupBy::Line);
        let site = stats.iter().find(|s| s.bytes == 3000).unwrap().clone();
        let backtrace = snapshot.statistics(GroupBy::Backtrace);
        let full = backtrace.iter().find(|s| s.bytes == 3000).unwrap().clone();
        drop(buf);
        (site.site.frames[0].clone(), line, full)
    };
    let (plain, _, _) = site_of(Tracing::start());
    assert!(
        plain.file.as_deref().is_some_and(|f| f.contains("bytes"))
            || plain.function.contains("bytes::"),
        "{plain}"
    );
    let (folded, line, full) = site_of(Tracing::builder().fold_crates(["bytes"]).start());
    assert!(folded.function.contains("make_buffer"), "{folded}");
    assert!(
        folded.file.as_deref().unwrap().ends_with("alloc_sites.rs"),
        "{folded}"
    );
    assert_eq!(folded.line, Some(line));
    // The whole backtrace still has std's and bytes' frames.
    assert!(
        full.site
            .frames
            .iter()
            .any(|f| f.function.contains("BytesMut")),
        "{}",
        full.site
    );
    assert!(
        full.site
            .frames
            .iter()
            .any(|f| f.function.contains("make_buffer")),
        "{}",
        full.site
    );
}
