//! uuid's types, read from uuid 1.26: `Uuid` is 16 inline bytes,
//! `NonNilUuid` a `NonZero<u128>`, the formatters wrap a `Uuid`, and
//! `Timestamp` is integers. None owns heap memory.

use uuid::fmt::{Braced, Hyphenated, Simple, Urn};
use uuid::{NonNilUuid, Timestamp, Uuid, Variant, Version};

heap_free_ext! { "uuid":
    [] Uuid,
    [] NonNilUuid,
    [] Hyphenated,
    [] Simple,
    [] Urn,
    [] Braced,
    [] Timestamp,
    [] Variant,
    [] Version,
}
