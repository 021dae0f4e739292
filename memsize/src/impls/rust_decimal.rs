//! `Decimal` of the `rust_decimal` crate (1.x).
//!
//! Layout fact of rust_decimal 1.43: a `Decimal` is four `u32`s inline
//! (flags with the sign and scale, then the 96-bit mantissa) and owns no
//! heap.

heap_free_ext! { "rust_decimal":
    [] rust_decimal::Decimal,
}
