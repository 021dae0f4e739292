//! Sharing: the set of shared allocations a traversal has seen, so that each
//! is counted once.

use crate::lib::Vec;

/// A set of addresses, to remember which shared allocations a traversal
/// has seen: open addressing with linear probing over power-of-two tables,
/// zero marking an empty slot.
///
/// Its own memory is part of what a traversal costs, so it is kept small.
/// The addresses of one program's allocations mostly lie within a few
/// gigabytes of each other: an 8-aligned address within 16 GiB of the first
/// one seen is stored as a 32-bit slot (its distance in words, plus one);
/// any other address in a second table of full words. Tables grow at three
/// quarters full, so even while one grows (old and new table both alive)
/// the set holds at most 16 bytes per address.
#[derive(Default)]
pub(super) struct AddrSet {
    /// The address 16 GiB below the first one seen; `None` before it.
    base: Option<usize>,
    near: Table<u32>,
    far: Table<usize>,
}

/// Addresses from `base` to this many words above it go in `near`.
const NEAR_WORDS: usize = (u32::MAX - 1) as usize;
/// How far below the first address the window starts, in bytes.
const HALF_WINDOW: usize = (NEAR_WORDS / 2).saturating_mul(8);

impl AddrSet {
    /// Inserts `addr`; returns false if it was there already.
    pub(super) fn insert(&mut self, addr: usize) -> bool {
        let base = *self
            .base
            .get_or_insert_with(|| addr.saturating_sub(HALF_WINDOW));
        let offset = addr.wrapping_sub(base);
        if offset % 8 == 0 && offset / 8 < NEAR_WORDS {
            self.near.insert((offset / 8) as u32 + 1)
        } else {
            // Zero never collides with a real address: shift it to the top.
            self.far.insert(if addr == 0 { usize::MAX } else { addr })
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.near.len + self.far.len
    }
}

/// One open-addressing table of nonzero keys.
struct Table<K> {
    slots: Vec<K>,
    len: usize,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            len: 0,
        }
    }
}

/// What a [`Table`] stores: a nonzero integer key.
trait Key: Copy + Eq {
    const EMPTY: Self;
    /// The slot to start probing at, for a table of `mask + 1` slots.
    fn start(self, mask: usize) -> usize;
}

impl Key for u32 {
    const EMPTY: Self = 0;
    #[inline]
    fn start(self, mask: usize) -> usize {
        // Fibonacci hashing spreads consecutive words over the table.
        (self.wrapping_mul(0x9E37_79B9) as usize >> 3) & mask
    }
}

impl Key for usize {
    const EMPTY: Self = 0;
    #[inline]
    fn start(self, mask: usize) -> usize {
        (self.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 7) & mask
    }
}

impl<K: Key> Table<K> {
    /// Inserts a nonzero `key`; returns false if it was there already.
    fn insert(&mut self, key: K) -> bool {
        // Grow at three quarters full.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let inserted = Self::place(&mut self.slots, key);
        self.len += usize::from(inserted);
        inserted
    }

    fn place(slots: &mut [K], key: K) -> bool {
        let mask = slots.len() - 1;
        let mut i = key.start(mask);
        loop {
            let k = slots[i];
            if k == K::EMPTY {
                slots[i] = key;
                return true;
            }
            if k == key {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let new_len = (self.slots.len() * 2).max(64);
        let mut slots = crate::lib::vec![K::EMPTY; new_len];
        for &k in self.slots.iter().filter(|&&k| k != K::EMPTY) {
            Self::place(&mut slots, k);
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::AddrSet;

    #[test]
    fn addr_set_remembers() {
        let mut s = AddrSet::default();
        // Near and far addresses, aligned and not, zero included.
        let addrs = || {
            (0..10_000usize)
                .map(|i| (0x5555_1000_0000_u64 as usize).wrapping_add(i * 16))
                .chain((0..1000usize).map(|i| i * 24 + 3))
                .chain([0, 1, usize::MAX - 7])
        };
        for a in addrs() {
            assert!(s.insert(a), "{a:#x}");
        }
        for a in addrs() {
            assert!(!s.insert(a), "{a:#x}");
        }
        assert_eq!(s.len(), 11_003);
    }
}
