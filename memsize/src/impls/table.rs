//! hashbrown's table layout, shared by every map built on it (std's
//! `HashMap`, and the tables inside third-party maps).
//!
//! A table of `B` buckets (a power of two) of `T` is one allocation: the
//! buckets, padded to `A = max(align_of::<T>(), W)`, then `B + W` control
//! bytes, aligned to `A`. `W` is the group width of the target: 16 with SSE2
//! (x86, x86_64) or LSX (loongarch64), 8 with NEON (aarch64) and on other
//! 64-bit targets, 4 on other 32-bit ones; under Miri always the portable 8
//! (4 on 32-bit). Read from std's hashbrown and hashbrown 0.17; held against
//! the allocator in `tests/tests/hash.rs`.

use crate::lib::{size_of, Layout};

/// The group width hashbrown uses for this target.
pub(crate) const GROUP_WIDTH: usize = if cfg!(all(
    any(
        all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "sse2"
        ),
        all(target_arch = "loongarch64", target_feature = "lsx"),
    ),
    not(miri)
)) {
    16
} else if cfg!(any(
    all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little",
        not(miri)
    ),
    target_pointer_width = "64",
    target_arch = "aarch64",
    target_arch = "x86_64",
    target_arch = "wasm32"
)) {
    8
} else {
    4
};

/// The allocation of a table of `buckets` buckets of `T`.
pub(crate) fn table_layout<T>(buckets: usize) -> Option<Layout> {
    let align = core::mem::align_of::<T>().max(GROUP_WIDTH);
    let data = size_of::<T>()
        .checked_mul(buckets)?
        .checked_next_multiple_of(align)?;
    let size = data.checked_add(buckets)?.checked_add(GROUP_WIDTH)?;
    Layout::from_size_align(size, align).ok()
}

/// The usable capacity of a table of `buckets` buckets with no tombstones
/// (hashbrown's `bucket_mask_to_capacity`).
pub(crate) fn usable(buckets: usize) -> usize {
    if buckets <= 8 {
        buckets - 1
    } else {
        buckets / 8 * 7
    }
}

/// The smallest table that reports `capacity` when it has no tombstones.
pub(crate) fn from_capacity(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let mut buckets = 4usize;
    while usable(buckets) < capacity {
        buckets = buckets.saturating_mul(2);
    }
    buckets
}
