//! Errors of alloc and std that own heap: `FromUtf8Error` and `io::Error`.
//! (The heap-free ones, `ParseIntError`, `Utf8Error`, ..., are with the
//! primitives; `dyn Error` is with the trait objects.)

use core::sync::atomic::{AtomicUsize, Ordering};
use std_alloc::string::{FromUtf8Error, String};

use crate::lib::{size_of, Layout, Vec};
use crate::{Context, SizeOf};

/// Where the words of the `Vec<u8>` lie inside a `FromUtf8Error` (see
/// [`vec_words`]), found once by a probe: `UNPROBED` until then, `NOT_FOUND`
/// when the probe did not find them.
static VEC_WORDS: AtomicUsize = AtomicUsize::new(UNPROBED);
const UNPROBED: usize = usize::MAX;
const NOT_FOUND: usize = usize::MAX - 1;

/// The word indices, inside a `FromUtf8Error`, of its bytes' pointer,
/// capacity and length.
///
/// Layout facts (read from alloc 1.97, `string.rs`; held against the
/// allocator on 1.85 and 1.95 too):
///
/// 1. `FromUtf8Error` is `{ bytes: Vec<u8>, error: Utf8Error }`, and
///    `Utf8Error` is `{ valid_up_to: usize, error_len: Option<u8> }`: five
///    words on every target, the last of `Utf8Error` partly padding.
/// 2. A `Vec<u8>` is three words, all initialized: pointer, capacity and
///    length, in an order rustc chooses.
///
/// Fields are contiguous and word-aligned, so the three words of the `Vec`
/// are words 0 to 2 (the `Utf8Error` after it) or words 2 to 4 (before it):
/// word 2 is the `Vec`'s in both cases and is the one word the probe reads.
/// The order inside the `Vec` is read from a probe `Vec`, which tells which
/// case word 2 belongs to.
fn vec_words() -> Option<[usize; 3]> {
    let word = size_of::<usize>();
    if size_of::<FromUtf8Error>() != 5 * word || size_of::<Vec<u8>>() != 3 * word {
        return None;
    }
    let mut packed = VEC_WORDS.load(Ordering::Relaxed);
    if packed == UNPROBED {
        packed = probe().map_or(NOT_FOUND, |[p, c, l]| p | c << 4 | l << 8);
        VEC_WORDS.store(packed, Ordering::Relaxed);
    }
    (packed != NOT_FOUND).then_some([packed & 15, packed >> 4 & 15, packed >> 8 & 15])
}

/// Finds the pointer, capacity and length words of a `FromUtf8Error` built
/// from a `Vec` whose three words all differ.
fn probe() -> Option<[usize; 3]> {
    let mut bytes = Vec::with_capacity(5);
    bytes.extend_from_slice(&[0xff, 0xfe]);
    let (ptr, cap, len) = (bytes.as_ptr().addr(), bytes.capacity(), bytes.len());
    // SAFETY: a `Vec<u8>` is three words (checked by the caller), every byte
    // of them initialized (fact 2); reading them as pointers reads
    // initialized bytes, and nothing read is dereferenced.
    let words =
        unsafe { core::mem::transmute_copy::<Vec<u8>, [*const u8; 3]>(&bytes) }.map(|w| w.addr());
    let index = |value| {
        let mut at = words.iter().enumerate().filter(|&(_, &w)| w == value);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    };
    let inner = [index(ptr)?, index(cap)?, index(len)?];
    let error = String::from_utf8(bytes).err()?;
    // SAFETY: `error` is five words (checked by the caller); word 2 is a word
    // of its `Vec<u8>` wherever the `Vec` lies (see `vec_words`), so it is
    // initialized and aligned. Nothing read is dereferenced.
    let middle = unsafe {
        (&error as *const FromUtf8Error as *const *const u8)
            .add(2)
            .read()
    }
    .addr();
    // All three words differ, so word 2 names the case.
    let start = if middle == words[2] {
        0
    } else if middle == words[0] {
        2
    } else {
        return None;
    };
    Some(inner.map(|i| start + i))
}

/// Owns the `Vec<u8>` of the bytes that were not UTF-8: its capacity, read
/// from where a probe found it (exact), or where the probe fails (a std of
/// another layout) the bytes' length, a lower bound exact when the `Vec` had
/// no spare capacity.
impl SizeOf for FromUtf8Error {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let bytes = self.as_bytes();
        let mut cap = bytes.len();
        if let Some([p, c, l]) = vec_words() {
            let base = self as *const FromUtf8Error as *const *const u8;
            // SAFETY: `p`, `c` and `l` index the three words of the `Vec<u8>`
            // inside this `FromUtf8Error` (five words, checked in
            // `vec_words`), which are initialized and aligned (fact 2); the
            // reads stay inside the borrowed value. Nothing read is
            // dereferenced.
            let read = |i: usize| unsafe { base.add(i).read() }.addr();
            if read(p) == bytes.as_ptr().addr() && read(l) == bytes.len() && read(c) >= bytes.len()
            {
                cap = read(c);
            }
        }
        if cap != 0 {
            if let Ok(layout) = Layout::array::<u8>(cap) {
                cx.add_alloc(bytes.as_ptr(), layout);
            }
        }
    }
}

#[cfg(feature = "std")]
mod io {
    use std::boxed::Box;
    use std::error::Error;
    use std::io;

    use crate::lib::Layout;
    use crate::{Context, SizeOf};

    /// The box an `io::Error` holds for a custom error.
    ///
    /// Layout fact (read from std 1.97, `io/error.rs`): an `io::Error` made
    /// from an error value (`io::Error::new`, `io::Error::other`, `From`)
    /// holds a `Box<Custom>`, with `struct Custom { kind: ErrorKind, error:
    /// Box<dyn Error + Send + Sync> }`; `get_ref()` returns `Some` exactly
    /// then. OS error codes, bare kinds and static messages allocate nothing.
    /// This struct has the same field types, so the same size in any field
    /// order. Held against the allocator in `tests/tests/std_more.rs` and in
    /// this crate's unit tests (run on 1.85 and 1.95 too).
    #[allow(dead_code)] // Only its layout is used.
    struct Custom {
        kind: io::ErrorKind,
        error: Box<dyn Error + Send + Sync>,
    }

    /// Counts the `Custom` box and the inner error's box (its layout is
    /// known through `get_ref()`). What the inner error owns is unknown
    /// through `dyn Error` and is not counted: for an error made from a
    /// message (`io::Error::new(kind, "text")` boxes a `String`), the figure
    /// is a lower bound; for one made from an error value that owns no heap,
    /// it is exact.
    impl SizeOf for io::Error {
        fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
            if let Some(inner) = self.get_ref() {
                cx.add_alloc(core::ptr::null(), Layout::new::<Custom>());
                let ptr = inner as *const (dyn Error + Send + Sync) as *const u8;
                cx.add_alloc(ptr, Layout::for_value(inner));
                inner.add_heap(cx);
            }
        }
    }
}
