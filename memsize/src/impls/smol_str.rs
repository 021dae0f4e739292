//! `SmolStr` of the `smol_str` crate (0.3).
//!
//! Layout facts of smol_str 0.3.2, held against the allocator in
//! `tests/tests/ext_smol_str.rs`: a `SmolStr` is inline (up to 23 bytes),
//! a `&'static str`, or a std `Arc<str>`; only the last owns heap
//! (`is_heap_allocated()`), and clones share it. The `Arc<str>` block is
//! std's: two `usize` counters, then the bytes, padded to `usize`
//! alignment.

use smol_str::SmolStr;

use crate::lib::Layout;
use crate::{Context, SizeOf};

/// The shared `Arc<str>` once per traversal; nothing when inline or static.
#[cfg_attr(docsrs, doc(cfg(feature = "smol_str")))]
impl SizeOf for SmolStr {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        if !self.is_heap_allocated() {
            return;
        }
        let text = self.as_str();
        if let Ok((block, _)) = Layout::new::<[usize; 2]>().extend(Layout::for_value(text)) {
            cx.add_shared(text.as_ptr(), block.pad_to_align());
        }
    }
}
