//! either's `Either<L, R>`, read from either 1.19: an enum of a `Left(L)`
//! and a `Right(R)`, stored inline, so it owns what its one side owns.

use either::Either;

use crate::{Context, SizeOf};

/// Owns what the side it holds owns.
#[cfg_attr(docsrs, doc(cfg(feature = "either")))]
impl<L: SizeOf, R: SizeOf> SizeOf for Either<L, R> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        match self {
            Either::Left(l) => l.add_heap(cx),
            Either::Right(r) => r.add_heap(cx),
        }
    }
    #[inline]
    fn is_heap_free() -> bool {
        L::is_heap_free() && R::is_heap_free()
    }
}
