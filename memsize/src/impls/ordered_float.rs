//! ordered-float's wrappers, read from ordered-float 5.4: `OrderedFloat<T>`
//! and `NotNan<T>` are each `#[repr(transparent)]` over one field of type
//! `T` (documented: both may be transmuted to and from `T`), so each owns
//! what its float owns. `NotNan`'s field is private and its `Deref` needs
//! `T: FloatCore`, so it is read through the transparent layout.

use ordered_float::{NotNan, OrderedFloat};

use crate::{Context, SizeOf};

/// Owns what its float owns.
#[cfg_attr(docsrs, doc(cfg(feature = "ordered-float")))]
impl<T: SizeOf> SizeOf for OrderedFloat<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.0.add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}

/// Owns what its float owns.
#[cfg_attr(docsrs, doc(cfg(feature = "ordered-float")))]
impl<T: SizeOf> SizeOf for NotNan<T> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        // SAFETY: `NotNan<T>` is `#[repr(transparent)]` over its one field, a
        // `T` (layout fact above), so a reference to it is a valid reference
        // to that `T`, for as long as `self` is borrowed.
        let inner: &'a T = unsafe { &*(self as *const NotNan<T>).cast::<T>() };
        inner.add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}
