//! The allocation of a hashbrown table, shared by the impls of std's
//! `HashMap` (whose table is hashbrown's) and of the `hashbrown` and
//! `indexmap` crates.
//!
//! Layout fact (hashbrown's `RawTable`, the same in std 1.85 to 1.95 and in
//! the hashbrown crate 0.16 and 0.17): a table of `B` buckets (a power of
//! two) of `T` is one allocation: the buckets, padded to
//! `A = max(align_of::<T>(), W)`, then `B + W` control bytes, aligned to
//! `A`. A table that never allocated points at a static empty group and
//! owns nothing.
//!
//! `W` is the group width, which differs between std's copy of hashbrown
//! and the crate:
//! - std: 16 with SSE2 (x86, x86_64) or LSX (loongarch64), 8 with NEON
//!   (aarch64) and on other 64-bit targets, 4 on other 32-bit ones; under
//!   Miri always the portable 8 (4 on 32-bit).
//! - the hashbrown crate 0.17 (also inside indexmap 2.14): 16 with SSE2,
//!   under Miri too; 8 with NEON (little-endian aarch64) and on other
//!   64-bit targets; 4 on other 32-bit ones. (LSX, 16, only with
//!   hashbrown's `nightly` feature, which this does not see.)

use crate::lib::{size_of, Layout};

/// The hasher of the maps the layout probes build (FNV-1a, from any seed):
/// one of memsize's own, so that a probe map's hasher is known.
#[cfg(any(feature = "indexmap", feature = "hashlink", feature = "lru"))]
#[derive(Default)]
pub(crate) struct ProbeHasher(pub(crate) u64);

#[cfg(any(feature = "indexmap", feature = "hashlink", feature = "lru"))]
impl core::hash::Hasher for ProbeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The group width std's hashbrown uses for this target.
#[allow(dead_code)] // Unused without std.
pub(super) const GROUP_WIDTH: usize = if cfg!(all(
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

/// The group width the hashbrown crate (0.17) uses for this target.
#[allow(dead_code)] // Unused when only std's impl is built.
pub(super) const CRATE_GROUP_WIDTH: usize = if cfg!(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)) {
    16
} else if cfg!(any(
    target_pointer_width = "64",
    target_arch = "aarch64",
    target_arch = "x86_64",
    target_arch = "wasm32"
)) {
    8
} else {
    4
};

/// The alignment of a table of buckets of `T` with group width `width`.
pub(super) const fn table_align<T>(width: usize) -> usize {
    let align = core::mem::align_of::<T>();
    if align > width {
        align
    } else {
        width
    }
}

/// The allocation of a table of `buckets` buckets of `T` with group width
/// `width`.
#[allow(dead_code)] // Unused when only the hashbrown impl is built.
pub(super) fn table_layout<T>(buckets: usize, width: usize) -> Option<Layout> {
    let align = table_align::<T>(width);
    let data = size_of::<T>()
        .checked_mul(buckets)?
        .checked_next_multiple_of(align)?;
    let size = data.checked_add(buckets)?.checked_add(width)?;
    Layout::from_size_align(size, align).ok()
}

/// The usable capacity of a table of `buckets` buckets with no tombstones
/// (hashbrown's `bucket_mask_to_capacity`).
#[allow(dead_code)] // Unused when only the hashbrown impl is built.
pub(super) fn usable(buckets: usize) -> usize {
    if buckets <= 8 {
        buckets - 1
    } else {
        buckets / 8 * 7
    }
}

/// The smallest table that reports `capacity` when it has no tombstones.
#[allow(dead_code)] // Unused when only the hashbrown impl is built.
pub(super) fn from_capacity(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let mut buckets = 4usize;
    while usable(buckets) < capacity {
        buckets = buckets.saturating_mul(2);
    }
    buckets
}

/// Reads the `N` words of a map that holds them and its hasher `S` and
/// nothing else, beside the hasher, which `hasher()` locates (so the
/// hasher's own bytes are never read). `None` if the map's size says it
/// holds anything more, or the hasher leaves no room for the words on
/// either side. The words are read as pointers (keeping provenance); only
/// their addresses are meant to be used.
///
/// # Safety
///
/// `hasher` must point to the hasher inside `*map`, and outside it `M` must
/// hold only `N` word-sized, initialized integer or pointer fields with no
/// padding between them.
#[allow(dead_code)] // Unused when only the hashbrown impl is built.
pub(super) unsafe fn words_beside<M, S, const N: usize>(
    map: &M,
    hasher: &S,
) -> Option<[*const u8; N]> {
    let word = size_of::<usize>();
    let words = N * word;
    let align = core::mem::align_of::<M>();
    if size_of::<M>() != (words + size_of::<S>()).next_multiple_of(align) {
        return None;
    }
    let base = map as *const M as usize;
    let s_start = (hasher as *const S as usize).checked_sub(base)?;
    let s_end = s_start.checked_add(size_of::<S>())?;
    if s_end > size_of::<M>() {
        return None;
    }
    // The words lie wholly before or wholly after `S`.
    let after = s_end.next_multiple_of(word);
    let offset = if s_start >= words {
        0
    } else if after + words <= size_of::<M>() {
        after
    } else {
        return None;
    };
    // SAFETY: `offset..offset + words` lies inside `*map` (checked above),
    // does not overlap `S` (it ends before `S` starts or starts after it
    // ends), and is word-aligned (the map is, and the offset is a multiple
    // of the word size). Outside `S` the map holds only the `N` initialized
    // word-sized fields (the caller's contract), so every byte read is
    // initialized. Nothing read is dereferenced here.
    Some(unsafe {
        (map as *const M as *const u8)
            .add(offset)
            .cast::<[*const u8; N]>()
            .read()
    })
}
