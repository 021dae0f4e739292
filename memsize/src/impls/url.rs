//! url's `Url`.
//!
//! Layout facts of url 2.5 (read from 2.5.8), held against the allocator in
//! `tests/tests/ext_url.rs`:
//!
//! 1. A `Url` is its serialization, a `String`, plus integer offsets into
//!    it and a host tag (`None`, `Domain`, or an inline IPv4 or IPv6
//!    address): the `String`'s buffer is its one allocation.
//! 2. `Url::parse(input)` starts that buffer at `input.len()` bytes (the
//!    whole input, before leading and trailing whitespace is trimmed), and it
//!    grows like any `String` (at least doubling) when the serialization
//!    outgrows it. A clone's buffer is exactly the serialization's length.

use url::Url;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// A URL: its serialization's buffer.
///
/// url does not show the buffer's capacity, so the figure is the
/// serialization's length (`as_str().len()`), a lower bound:
///
/// - exact for a clone, and for a URL parsed from an input that was already
///   in normal form (no whitespace trimmed, nothing percent-encoded or
///   resolved), which is common: the buffer is `input.len()` bytes (not so
///   for `file:` URLs, whose buffer grows even then);
/// - otherwise under by the buffer's spare capacity: for a parsed URL at
///   most `max(input.len(), 2 * n) - len`, where `n` is the longest the
///   serialization was while parsing (its final length unless `..`
///   segments were removed); after setters, whatever spare they left.
#[cfg_attr(docsrs, doc(cfg(feature = "url")))]
impl SizeOf for Url {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        let text = self.as_str();
        if let Ok(layout) = Layout::array::<u8>(text.len()) {
            cx.add_alloc(text.as_ptr(), layout);
        }
        cx.add_bound("spare capacity");
    }
}
