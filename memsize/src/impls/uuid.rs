//! uuid's types, read from uuid 1.26: `Uuid` is 16 inline bytes,
//! `NonNilUuid` a `NonZero<u128>`, the formatters wrap a `Uuid`, and
//! `Timestamp` is integers. None owns heap memory.

use uuid::fmt::{Braced, Hyphenated, Simple, Urn};
use uuid::{NonNilUuid, Timestamp, Uuid, Variant, Version};

use crate::{Context, SizeOf};

macro_rules! heap_free {
    ($($t:ty),*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "uuid")))]
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

heap_free!(Uuid, NonNilUuid, Hyphenated, Simple, Urn, Braced, Timestamp, Variant, Version);
