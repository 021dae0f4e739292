//! `BigUint` and `BigInt` of the `num-bigint` crate (0.5).
//!
//! Layout facts of num-bigint 0.5.1 (its `big_digit.rs`), held against the
//! allocator in `tests/tests/ext_num_bigint.rs`. num-bigint does not show
//! how many digits its buffer holds (`capacity` is crate-private, and
//! `to_u64_digits().len()` is the length, not the capacity), so this impl
//! reads the one word that says, found once by a probe:
//!
//! 1. A `BigUint` is an enum of its digits (`u64` on 64-bit targets, `u32`
//!    on 32-bit ones): `Inline(Option<digit>)` for zero and one-digit
//!    values, owning nothing, or `Heap(Vec<digit>)`, one buffer of its
//!    capacity. A `BigInt` is a sign and a `BigUint`.
//! 2. rustc lays the enum out in the `Vec`'s three words, the `Inline`
//!    variant marked by a value above `isize::MAX` in the capacity's word
//!    (a `Vec`'s capacity never exceeds it), and its digit in the others.
//!    The probe checks both: the size of three words, the capacity's word
//!    of a `Heap` value made with capacity 10 and length 6 (`set_bit` past
//!    the end resizes: from `Inline` to `Vec::with_capacity(5)`, then 6
//!    digits grow the `Vec` to 10), and that word's marking in `Inline`
//!    values. If any check fails, the impl falls back to a bound (see
//!    below).
//! 3. Only the capacity's word is read on every measurement: it is
//!    initialized in both variants (`Inline`'s digit may be uninitialized
//!    padding for `None`, and is never read).

use core::sync::atomic::{AtomicUsize, Ordering};

use num_bigint::{BigInt, BigUint};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

#[cfg(target_pointer_width = "64")]
type Digit = u64;
#[cfg(not(target_pointer_width = "64"))]
type Digit = u32;

const WORDS: usize = 3;

/// The capacity word's index plus one; 0 before the probe ran,
/// `usize::MAX` where it failed.
static CAP_SLOT: AtomicUsize = AtomicUsize::new(0);

/// Reads word `i` of a `BigUint`.
///
/// # Safety
///
/// `i < WORDS`, `size_of::<BigUint>() == WORDS * size_of::<usize>()`, and
/// word `i` is initialized in `value`'s variant (fact 3).
unsafe fn word(value: &BigUint, i: usize) -> usize {
    // SAFETY: the caller's contract: in bounds, initialized; `BigUint` has
    // a word's alignment (it holds a `Vec`) and no interior mutability.
    unsafe { (value as *const BigUint).cast::<usize>().add(i).read() }
}

fn probe() -> Option<usize> {
    if size_of::<BigUint>() != WORDS * size_of::<usize>() {
        return None;
    }
    let bits = u64::from(Digit::BITS);
    let mut heap = BigUint::ZERO;
    heap.set_bit(4 * bits, true);
    heap.set_bit(5 * bits, true);
    // SAFETY: a `Heap` value: all three words are the `Vec`'s (fact 2).
    let words: [usize; WORDS] = core::array::from_fn(|i| unsafe { word(&heap, i) });
    let cap = words.iter().position(|&w| w == 10)?;
    if words.iter().filter(|&&w| w == 10).count() != 1 || !words.contains(&6) {
        return None;
    }
    for inline in [BigUint::ZERO, BigUint::from(7u8)] {
        // SAFETY: if rustc marks `Inline` in the capacity's word, that word
        // is the tag and initialized; the probe exists to check this.
        if unsafe { word(&inline, cap) } <= isize::MAX as usize {
            return None;
        }
    }
    Some(cap)
}

fn cap_slot() -> Option<usize> {
    let mut slot = CAP_SLOT.load(Ordering::Acquire);
    if slot == 0 {
        slot = probe().map_or(usize::MAX, |i| i + 1);
        CAP_SLOT.store(slot, Ordering::Release);
    }
    (slot != usize::MAX).then(|| slot - 1)
}

/// Its digits' buffer, exactly: none for values of at most one digit held
/// inline, else the `Vec`'s capacity.
///
/// Bound, only if the layout probe fails (a rustc that lays the enum out
/// otherwise, see the module): the digits' length (`bits()` over the digit
/// size) for values of two digits or more, a lower bound.
#[cfg_attr(docsrs, doc(cfg(feature = "num-bigint")))]
impl SizeOf for BigUint {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let digits = match cap_slot() {
            // SAFETY: the probe checked the size and that the capacity's
            // word is initialized in both variants (facts 2 and 3).
            Some(cap) => match unsafe { word(self, cap) } {
                c if c <= isize::MAX as usize => c,
                _ => 0,
            },
            None => match self.bits().div_ceil(u64::from(Digit::BITS)) {
                len @ 2.. => usize::try_from(len).unwrap_or(usize::MAX),
                _ => 0,
            },
        };
        if let Ok(layout) = Layout::array::<Digit>(digits) {
            cx.add_alloc(core::ptr::null(), layout);
        }
    }
}

/// Its magnitude's digits, as [`BigUint`]'s.
#[cfg_attr(docsrs, doc(cfg(feature = "num-bigint")))]
impl SizeOf for BigInt {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("magnitude", self.magnitude());
    }
}
