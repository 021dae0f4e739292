//! half's 16-bit floats, read from half 2.7: `f16` and `bf16` are each a
//! `u16`, and own no heap memory.

use half::{bf16, f16};

use crate::{Context, SizeOf};

macro_rules! heap_free {
    ($($t:ty),*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "half")))]
        impl SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool {
                true
            }
        }
    )*};
}

heap_free!(f16, bf16);
