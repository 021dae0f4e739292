//! Integration, property and UI tests for memsize; nothing is published.
//! What the test files share lives here.

/// A small deterministic generator (a 64-bit LCG), so that failures
/// reproduce.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}
