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

/// Checks a value against the allocator after each step of its history:
/// for every prefix of `steps`, builds the value with `new`, applies the
/// prefix, and hands the result to [`memsize::alloc::assert_heap_exact`].
/// Rebuilding beats measuring clones, whose capacities and sharing differ
/// from the original's.
#[cfg(feature = "std")]
pub fn check_history<T: memsize::SizeOf>(new: impl Fn() -> T, steps: &[&dyn Fn(&mut T)]) {
    for n in 0..=steps.len() {
        let mut value = new();
        for step in &steps[..n] {
            step(&mut value);
        }
        memsize::alloc::assert_heap_exact(value);
    }
}

/// A heap-free element whose `add_heap` panics: a container of these that
/// visits its elements, instead of answering from its capacity alone, fails
/// the test.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NeverVisited(pub u32);

impl memsize::SizeOf for NeverVisited {
    fn add_heap<'a>(&'a self, _: &mut memsize::Context<'a>) {
        panic!("a container of heap-free elements visited them");
    }
    fn is_heap_free() -> bool {
        true
    }
}
