//! Sampled allocation sites: the estimates are unbiased and within the
//! stated error of the exact figures, over fixed seeds; allocations much
//! larger than the sampling distance are always seen.
#![cfg(feature = "alloc-sites")]

use memsize::alloc::sites::{GroupBy, Snapshot, Tracing};
use memsize::alloc::{CountingAlloc, Measurement};
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

/// The mean distance between samples in these tests: small, so that the
/// estimates are tight with few allocations.
const N: u64 = 64 * 1024;
const SMALL: usize = 200_000;
const MEDIUM: usize = 2_000;
const LARGE: usize = 8;

type Small = Box<[u8; 64]>;

/// Many small allocations, one line.
#[inline(never)]
fn small(out: &mut Vec<Small>) -> u32 {
    let line = line!() + 2;
    for _ in 0..SMALL {
        out.push(black_box(Box::new([1u8; 64])));
    }
    line
}

/// Some of 3000 bytes.
#[inline(never)]
fn medium() -> (Vec<Vec<u8>>, u32) {
    let mut v = Vec::with_capacity(MEDIUM);
    let line = line!() + 2;
    for _ in 0..MEDIUM {
        v.push(black_box(vec![2u8; 3000]));
    }
    (v, line)
}

/// A few of 2 MiB: 32 times the sampling distance.
#[inline(never)]
fn large() -> (Vec<Vec<u8>>, u32) {
    let mut v = Vec::with_capacity(LARGE);
    let line = line!() + 2;
    for _ in 0..LARGE {
        v.push(black_box(vec![3u8; 2 << 20]));
    }
    (v, line)
}

/// Many small ones, freed at once: nothing live is left of them.
#[inline(never)]
fn churn() {
    for i in 0..50_000u32 {
        drop(black_box(vec![i as u8 | 1; 100]));
    }
}

/// The standard deviation of the estimate of `n` allocations of `size`
/// bytes, in bytes: `sqrt(Σ s² (1 - p) / p)`.
fn sd(n: usize, size: usize) -> f64 {
    let p = -(-(size as f64) / N as f64).exp_m1();
    (n as f64 * (size * size) as f64 * (1.0 - p) / p).sqrt()
}

/// A site's (bytes, count) in a snapshot, by its line.
fn at_line(snapshot: &Snapshot, line: u32) -> (u64, u64) {
    snapshot
        .statistics(GroupBy::Line)
        .iter()
        .filter(|s| s.site.frames.first().and_then(|f| f.line) == Some(line))
        .fold((0, 0), |(b, c), s| (b + s.bytes, c + s.count))
}

#[test]
#[cfg_attr(miri, ignore = "hundreds of thousands of allocations")]
fn sampled_estimates_are_within_their_error_over_fixed_seeds() {
    let seeds = 1..=20u64;
    let rounds = seeds.clone().count() as f64;
    let (mut small_sum, mut medium_sum) = (0.0, 0.0);
    let exact_small = (SMALL * 64) as f64;
    let exact_medium = (MEDIUM * 3000) as f64;
    for seed in seeds {
        let mut kept = Vec::with_capacity(SMALL);
        // The exact counts, beside: a sampled tracing counts nothing.
        let exact = Measurement::start();
        let tracing = Tracing::builder().sample_every(N).sample_seed(seed).start();
        let small_line = small(&mut kept);
        let (m, medium_line) = medium();
        let (l, large_line) = large();
        churn();
        let snapshot = tracing.snapshot();
        assert_eq!(tracing.stats(), Default::default());
        let stats = exact.finish();
        drop(tracing);
        assert_eq!(snapshot.sample_every(), Some(N));

        // Each estimate within four standard deviations.
        let (sb, sc) = at_line(&snapshot, small_line);
        assert!(
            (sb as f64 - exact_small).abs() < 4.0 * sd(SMALL, 64),
            "seed {seed}: small {sb} B for {exact_small}"
        );
        // A count estimate is the bytes' over the size, up to rounding.
        assert!((sc as f64 - sb as f64 / 64.0).abs() < 2.0, "{sc} {sb}");
        let (mb, _) = at_line(&snapshot, medium_line);
        assert!(
            (mb as f64 - exact_medium).abs() < 4.0 * sd(MEDIUM, 3000),
            "seed {seed}: medium {mb} B for {exact_medium}"
        );
        small_sum += sb as f64;
        medium_sum += mb as f64;
        // Large allocations are always seen, at their own weight: every
        // one, to the byte (p = 1 - e^-32).
        assert_eq!(
            at_line(&snapshot, large_line),
            (LARGE as u64 * (2 << 20), LARGE as u64),
            "seed {seed}"
        );
        // What was freed is not live, sampled or not.
        assert!(
            !snapshot
                .statistics(GroupBy::Function)
                .iter()
                .any(|s| s.site.frames[0].function.contains("churn")),
            "seed {seed}"
        );
        // The allocator's counts stay exact.
        let exact_live =
            (SMALL * 64 + MEDIUM * 3000 + LARGE * (2 << 20)) as i64 + (MEDIUM + LARGE) as i64 * 24;
        assert_eq!(stats.net_bytes, exact_live);
        drop((kept, m, l));
    }
    // The means over the seeds: unbiased, within four standard errors.
    let mean_small = small_sum / rounds;
    assert!(
        (mean_small - exact_small).abs() < 4.0 * sd(SMALL, 64) / rounds.sqrt(),
        "mean small {mean_small} for {exact_small}"
    );
    let mean_medium = medium_sum / rounds;
    assert!(
        (mean_medium - exact_medium).abs() < 4.0 * sd(MEDIUM, 3000) / rounds.sqrt(),
        "mean medium {mean_medium} for {exact_medium}"
    );
    // The stated error: about sqrt(N × B) for a site of B bytes.
    let stated = (N as f64 * exact_small).sqrt();
    assert!((sd(SMALL, 64) / stated - 1.0).abs() < 0.01);
}

#[test]
#[cfg_attr(miri, ignore = "many allocations")]
fn a_fixed_seed_repeats_and_the_default_rate_is_gos() {
    let run = |seed| {
        let tracing = Tracing::builder().sampled().sample_seed(seed).start();
        let mut kept = Vec::with_capacity(SMALL);
        let line = small(&mut kept);
        let snapshot = tracing.snapshot();
        assert_eq!(snapshot.sample_every(), Some(512 * 1024));
        let r = at_line(&snapshot, line);
        drop(tracing);
        drop(kept);
        r
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}
