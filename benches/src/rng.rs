//! Random data from a fixed seed, drawn from the tests' generator so that
//! tests and benches share one.

use memsize_tests::Lcg;

/// [`Lcg`] with the helpers the benches need.
pub struct Rng(Lcg);

impl Rng {
    /// A generator seeded with `seed`: the same data on every run.
    pub fn new(seed: u64) -> Self {
        Rng(Lcg(seed))
    }

    /// The next 31 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// 62 random bits, for keys that should not collide.
    pub fn wide(&mut self) -> u64 {
        (self.next_u64() << 31) ^ self.next_u64()
    }

    /// A number in `lo..hi` (`hi - lo` below 2³¹).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo) as u64) as usize
    }

    /// A lowercase string of a length in `lo..hi`; one in four has spare
    /// capacity, as strings built by pushing do.
    pub fn string(&mut self, lo: usize, hi: usize) -> String {
        let len = self.range(lo, hi);
        let mut s = String::with_capacity(len);
        for _ in 0..len {
            s.push(char::from(b'a' + (self.next_u64() % 26) as u8));
        }
        if self.next_u64().is_multiple_of(4) {
            s.reserve(8);
        }
        s
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.range(0, i + 1));
        }
    }
}
