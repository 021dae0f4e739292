//! Types that never own heap memory.

use crate::{Context, SizeOf};

/// `SizeOf` for types that own no heap memory: nothing to add, and
/// containers of them are measured in constant time.
macro_rules! heap_free {
    ($($(#[$m:meta])* [$($g:tt)*] $t:ty,)*) => {$(
        $(#[$m])*
        impl<$($g)*> SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool { true }
        }
    )*};
}

heap_free! {
    [] u8, [] u16, [] u32, [] u64, [] u128, [] usize,
    [] i8, [] i16, [] i32, [] i64, [] i128, [] isize,
    [] f32, [] f64, [] bool, [] char, [] (),
}
