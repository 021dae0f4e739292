//! `SmartString` of the `smartstring` crate (1.x), in either mode
//! (`LazyCompact` or `Compact`).
//!
//! Layout facts of smartstring 1.0.1 (its `boxed.rs`), held against the
//! allocator in `tests/tests/ext_smartstring.rs`: an inline string
//! (`is_inline()`, up to 23 bytes on 64-bit) owns nothing; a boxed one owns
//! one buffer of `capacity()` bytes allocated with alignment 2 (so that its
//! pointer's low bit tells it from an inline string).

use smartstring::{SmartString, SmartStringMode};

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// Its buffer when boxed, exactly.
#[cfg_attr(docsrs, doc(cfg(feature = "smartstring")))]
impl<Mode: SmartStringMode> SizeOf for SmartString<Mode> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_inline() {
            if let Ok(layout) = Layout::from_size_align(self.capacity(), 2) {
                cx.add_alloc(self.as_ptr(), layout);
            }
        }
    }
}
