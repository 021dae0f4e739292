//! The types of the `http` crate (1.x): `HeaderMap`, `HeaderName`,
//! `HeaderValue`, `Uri` and its parts, `Method`, `StatusCode`, `Version`.
//!
//! Layout facts of http 1.5.0, held against the allocator in
//! `tests/tests/ext_http.rs`. http keeps its text in `Bytes` and shows none
//! of them, so this impl finds each `Bytes` inside its wrapper once, by a
//! probe, and hands it to memsize's `bytes` impl, which counts a buffer
//! shared by several parts (a parsed `Uri`'s, say) once:
//!
//! 1. A `HeaderValue` is a `Bytes` and a `bool`; a `PathAndQuery` a
//!    `Bytes` (as `ByteStr`) and a `u16`: one word more than a `Bytes`, the
//!    `Bytes` at word 0 or 1. The probe builds one around a known static
//!    `Bytes` (`from_maybe_shared` moves it in) and compares words 1 to 3,
//!    which lie inside the `Bytes` either way (the other word holds the
//!    small field's padding and is never read).
//! 2. An `Authority` is a `ByteStr`, a `Bytes`'s layout, checked the same
//!    way, all four words.
//! 3. A `HeaderName` is `Standard(StandardHeader)` or `Custom(ByteStr)`, in
//!    a `Bytes`'s size: rustc marks `Standard` with a null in the `Bytes`'s
//!    only non-null word, its vtable reference. The probe finds that word
//!    from a custom name made with `from_static` (all four words known) and
//!    checks that a standard name has a null there. Only that word is read
//!    for a standard name; a custom one is its `Bytes`.
//! 4. A `Scheme` is `None`, `Standard(Protocol)` (`http`, `https`) or
//!    `Other(Box<ByteStr>)`: two words, the tag first, then the `Box`.
//!    `Other` is the only variant whose text is not exactly `http` or
//!    `https`. The probe checks the `Box`'s pointee of a custom scheme: a
//!    `Bytes` whose words hold the scheme's text pointer and length.
//! 5. A `Uri` is a `Scheme`, an `Authority` and a `PathAndQuery`, each
//!    reachable through its accessor. Parsing copies the input into one
//!    `Bytes` and splits the parts from it: they share its buffer.
//! 6. A `Method` is one of the standard ones, an extension of up to 15
//!    bytes inline, or a longer extension in a `Box<[u8]>` of its length.
//!    `StatusCode` and `Version` are inline.
//! 7. A `HeaderMap<T>` owns `indices: Box<[Pos]>` (4 bytes each, as many as
//!    `capacity() * 4 / 3`), `entries: Vec<Bucket<T>>` (a `u16` hash, the
//!    name, the value, optional links of two words) reserved exactly to
//!    `capacity()` as it grows, and `extra_values: Vec<ExtraValue<T>>` (a
//!    value and two links of an enum of `usize`s) for the values after each
//!    name's first, grown by `push`. Neither `Vec`'s capacity is public.

use core::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, StatusCode, Uri, Version};

use crate::lib::{size_of, Layout};
use crate::{Context, SizeOf};

heap_free_ext! { "http":
    [] StatusCode,
    [] Version,
}

const WORDS: usize = size_of::<Bytes>() / size_of::<usize>();

/// What the probes learned, each as a value plus one (0 before the probe,
/// `usize::MAX` where it failed): the word of the `Bytes` in a
/// `HeaderValue` and in a `PathAndQuery`, the word of a custom
/// `HeaderName`'s vtable, and whether `Authority` and `Scheme` hold theirs
/// as expected (1).
static VALUE_AT: AtomicUsize = AtomicUsize::new(0);
static PATH_AT: AtomicUsize = AtomicUsize::new(0);
static NAME_VTABLE: AtomicUsize = AtomicUsize::new(0);
static AUTHORITY_OK: AtomicUsize = AtomicUsize::new(0);
static SCHEME_OK: AtomicUsize = AtomicUsize::new(0);

static PROBE_TEXT: &str = "/memsize-probe?q";

fn learned(cell: &AtomicUsize, probe: fn() -> Option<usize>) -> Option<usize> {
    let mut v = cell.load(Ordering::Acquire);
    if v == 0 {
        v = probe().map_or(usize::MAX, |i| i + 1);
        cell.store(v, Ordering::Release);
    }
    (v != usize::MAX).then(|| v - 1)
}

/// The words of a `Bytes` made from `PROBE_TEXT`, static: its pointer,
/// length, a null `data` and its vtable, in the struct's order.
fn probe_bytes() -> (Bytes, [usize; WORDS]) {
    let b = Bytes::from_static(PROBE_TEXT.as_bytes());
    // SAFETY: a `Bytes` is `WORDS` initialized words (memsize's `bytes`
    // impl checks the same), and this one is not shared.
    let w = unsafe { (&b as *const Bytes).cast::<[usize; WORDS]>().read() };
    (b, w)
}

/// Reads words `from..from + N` of `value`.
///
/// # Safety
///
/// Those words lie inside `value` and are initialized.
unsafe fn read_words<T, const N: usize>(value: &T, from: usize) -> [usize; N] {
    // SAFETY: the caller's contract; these types hold pointers, so are
    // word-aligned.
    unsafe {
        (value as *const T)
            .cast::<usize>()
            .add(from)
            .cast::<[usize; N]>()
            .read()
    }
}

/// Reads word `at` of `value` as a pointer, keeping its provenance.
///
/// # Safety
///
/// That word lies inside `value`, is initialized and holds a pointer.
unsafe fn read_ptr<T>(value: &T, at: usize) -> *const u8 {
    // SAFETY: the caller's contract; word-aligned as for `read_words`.
    unsafe { (value as *const T).cast::<*const u8>().add(at).read() }
}

/// Fact 1: where the `Bytes` is in a wrapper one word larger.
fn find_in_wrapper<T>(wrapper: &T, bytes: &[usize; WORDS]) -> Option<usize> {
    if size_of::<T>() != size_of::<Bytes>() + size_of::<usize>() {
        return None;
    }
    // SAFETY: words 1 to 3 lie inside the `Bytes` whether it starts at word
    // 0 or 1, initialized (fact 1).
    let inner: [usize; WORDS - 1] = unsafe { read_words(wrapper, 1) };
    if inner[..] == bytes[1..] {
        Some(0)
    } else if inner[..] == bytes[..WORDS - 1] {
        Some(1)
    } else {
        None
    }
}

fn probe_value() -> Option<usize> {
    let (b, w) = probe_bytes();
    find_in_wrapper(&HeaderValue::from_maybe_shared(b).ok()?, &w)
}

fn probe_path() -> Option<usize> {
    let (b, w) = probe_bytes();
    find_in_wrapper(&PathAndQuery::from_maybe_shared(b).ok()?, &w)
}

fn probe_authority() -> Option<usize> {
    let b = Bytes::from_static(b"memsize.probe:80");
    // SAFETY: as in `probe_bytes`.
    let w: [usize; WORDS] = unsafe { read_words(&b, 0) };
    let a = Authority::from_maybe_shared(b).ok()?;
    if size_of::<Authority>() != size_of::<Bytes>() {
        return None;
    }
    // SAFETY: the size of a `Bytes`, all of it the `ByteStr` (fact 2).
    (unsafe { read_words::<_, WORDS>(&a, 0) } == w).then_some(0)
}

static PROBE_NAME: &str = "x-memsize-probe";

fn probe_name() -> Option<usize> {
    if size_of::<HeaderName>() != size_of::<Bytes>() {
        return None;
    }
    let custom = HeaderName::from_static(PROBE_NAME);
    // SAFETY: a custom name is its `Bytes`: all words initialized (fact 3).
    let w: [usize; WORDS] = unsafe { read_words(&custom, 0) };
    let known = |v: usize| v == PROBE_NAME.as_ptr() as usize || v == PROBE_NAME.len() || v == 0;
    let mut others = (0..WORDS).filter(|&i| !known(w[i]));
    let vtable = others.next()?;
    if others.next().is_some() {
        return None;
    }
    let standard = HeaderName::from_static("content-type");
    // SAFETY: the vtable's word is `Standard`'s tag if the layout is the
    // expected one (fact 3), which this checks.
    (unsafe { read_words::<_, 1>(&standard, vtable) } == [0]).then_some(vtable)
}

fn probe_scheme() -> Option<usize> {
    if size_of::<Scheme>() != 2 * size_of::<usize>() {
        return None;
    }
    let s: Scheme = "memsize-probe".parse().ok()?;
    // SAFETY: word 1 of an `Other` scheme is its `Box` (fact 4).
    let boxed = unsafe { read_ptr(&s, 1) };
    if boxed.is_null() || boxed as usize % core::mem::align_of::<Bytes>() != 0 {
        return None;
    }
    // SAFETY: the `Box`'s pointee, a live `ByteStr` (a `Bytes`'s words)
    // owned by `s`, if the layout is the expected one, which this checks.
    let w: [usize; WORDS] = unsafe { (boxed as *const [usize; WORDS]).read() };
    let text = s.as_str();
    (w.contains(&(text.as_ptr() as usize)) && w.contains(&text.len())).then_some(0)
}

/// The `Bytes` at word `at` of `value`.
///
/// # Safety
///
/// A probe found a `Bytes` there in values of this type.
unsafe fn bytes_at<T>(value: &T, at: usize) -> &Bytes {
    // SAFETY: the caller's contract.
    unsafe { &*(value as *const T).cast::<usize>().add(at).cast::<Bytes>() }
}

/// Its `Bytes`, as memsize's `bytes` impl counts it: exact, a buffer
/// shared with other values once.
///
/// If the layout probe fails (a layout other than fact 1's), the contents
/// are left out and counted as skipped ([`HeapStats::skipped`](crate::HeapStats)).
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for HeaderValue {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match learned(&VALUE_AT, probe_value) {
            // SAFETY: the probe found the `Bytes` at this word (fact 1).
            Some(at) => cx.add_field("bytes", unsafe { bytes_at(self, at) }),
            None => cx.skip(),
        }
    }
}

/// Standard names own nothing; a custom one is its `Bytes`, as memsize's
/// `bytes` impl counts it (exact).
///
/// If the layout probe fails, a custom name's contents are skipped.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for HeaderName {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match learned(&NAME_VTABLE, probe_name) {
            Some(vtable) => {
                // SAFETY: the vtable's word is initialized in both variants
                // and null only for a standard name (fact 3).
                if unsafe { read_words::<_, 1>(self, vtable) } != [0] {
                    // SAFETY: a custom name is its `Bytes` (fact 3).
                    cx.add_field("bytes", unsafe { bytes_at(self, 0) });
                }
            }
            None => {
                if HeaderName::from_bytes(self.as_str().as_bytes())
                    .map_or(true, |n| n.as_str().as_ptr() != self.as_str().as_ptr())
                {
                    cx.skip();
                }
            }
        }
    }
}

/// Its `Bytes`, exactly (see [`HeaderValue`]'s).
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for Authority {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match learned(&AUTHORITY_OK, probe_authority) {
            // SAFETY: the probe found the `Bytes` at word 0 (fact 2).
            Some(_) => cx.add_field("bytes", unsafe { bytes_at(self, 0) }),
            None => cx.skip(),
        }
    }
}

/// Its `Bytes`, exactly (see [`HeaderValue`]'s).
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for PathAndQuery {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match learned(&PATH_AT, probe_path) {
            // SAFETY: the probe found the `Bytes` at this word (fact 1).
            Some(at) => cx.add_field("bytes", unsafe { bytes_at(self, at) }),
            None => cx.skip(),
        }
    }
}

/// `http` and `https` own nothing; another scheme owns a `Box` of a
/// `Bytes`, and the `Bytes` its buffer (shared with the rest of a parsed
/// `Uri`, counted once): exact.
///
/// If the layout probe fails, the `Box` is counted and its contents
/// skipped.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for Scheme {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if matches!(self.as_str(), "http" | "https") {
            return;
        }
        if learned(&SCHEME_OK, probe_scheme).is_some() {
            // SAFETY: word 1 of an `Other` scheme is its `Box` (fact 4),
            // initialized, pointing to a `ByteStr` that lives as long as
            // `self`, a `Bytes`'s layout (fact 2).
            let inner: &'a Bytes = unsafe { &*read_ptr(self, 1).cast::<Bytes>() };
            cx.add_alloc(core::ptr::null(), Layout::new::<Bytes>());
            cx.add(inner);
        } else {
            cx.add_alloc(core::ptr::null(), Layout::new::<Bytes>());
            cx.skip();
        }
    }
}

/// Its parts: exact, their shared buffer once.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for Uri {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if let Some(scheme) = self.scheme() {
            cx.add_field("scheme", scheme);
        }
        if let Some(authority) = self.authority() {
            cx.add_field("authority", authority);
        }
        if let Some(path) = self.path_and_query() {
            cx.add_field("path_and_query", path);
        }
    }
}

/// An extension method longer than 15 bytes owns its text, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl SizeOf for Method {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let text = self.as_str();
        if text.len() > 15 {
            if let Ok(layout) = Layout::array::<u8>(text.len()) {
                cx.add_alloc(text.as_ptr(), layout);
            }
        }
    }
}

/// The layout of an entry of `HeaderMap<T>` (fact 7): the same fields, so
/// rustc gives it the same size and alignment.
#[allow(dead_code)] // Only its layout is used.
struct Bucket<T> {
    hash: u16,
    key: HeaderName,
    value: T,
    links: Option<[usize; 2]>,
}

/// A link of an extra value: which `Vec` and where.
#[allow(dead_code)] // Only its layout is used.
enum Link {
    Entry(usize),
    Extra(usize),
}

/// The layout of an extra value (fact 7).
#[allow(dead_code)] // Only its layout is used.
struct ExtraValue<T> {
    value: T,
    prev: Link,
    next: Link,
}

/// Its index table, its entries and its extra values, then its names' and
/// values' heap.
///
/// Bound, as http shows neither `Vec`'s capacity (fact 7). The figure is
/// exact for a map built by inserting, appending and reserving (as a parser
/// builds one) and otherwise:
///
/// - the index table is exact (from `capacity()`);
/// - the entries are counted at `capacity()`, which http reserves exactly
///   as the map grows: over by `capacity() - keys_len()` entries for a
///   clone, whose `Vec` is as long as its contents;
/// - the extra values (the values after each name's first, `len() -
///   keys_len()` of them) are counted at the capacity `push` grows a `Vec`
///   to for that many (the next power of two, at least 4): over by the
///   difference for a clone; under by what removals and `clear()` left
///   behind.
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<T: SizeOf> SizeOf for HeaderMap<T> {
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let cap = self.capacity();
        if let Ok(layout) = Layout::array::<[u16; 2]>(cap / 3 * 4) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        if let Ok(layout) = Layout::array::<Bucket<T>>(cap) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        let extra = match self.len() - self.keys_len() {
            0 => 0,
            // `Vec`'s growth by `push`: doubling from its minimum capacity.
            n if size_of::<ExtraValue<T>>() <= 1024 => n.next_power_of_two().max(4),
            n => n.next_power_of_two(),
        };
        if let Ok(layout) = Layout::array::<ExtraValue<T>>(extra) {
            cx.add_alloc(core::ptr::null(), layout);
        }
        cx.descend(move |cx| {
            for key in self.keys() {
                cx.add_element(key);
            }
            if !T::is_heap_free() {
                for value in self.values() {
                    cx.add_element(value);
                }
            }
        });
    }
}
