//! Matrices and vectors of the `nalgebra` crate (0.35): `Matrix` over
//! `VecStorage` (`DMatrix`, `DVector`, `OMatrix` with a dynamic dimension),
//! over `ArrayStorage` (the static ones: `Matrix3`, `Vector4`, `SMatrix`,
//! ...) and over views.
//!
//! Layout facts of nalgebra 0.35.0 (its `vec_storage.rs`), held against
//! the allocator in `tests/tests/ext_nalgebra.rs`:
//!
//! 1. A `Matrix` is its public `data` storage and zero-sized markers.
//! 2. A `VecStorage` owns one `Vec<T>` of its elements, which `as_vec()`
//!    shows, capacity included (resizing reserves exactly, so the
//!    capacity can exceed `nrows * ncols` only by what the `Vec` kept).
//! 3. An `ArrayStorage` is a public inline `[[T; R]; C]`; a `ViewStorage`
//!    (or `ViewStorageMut`) is a pointer, shape and strides into storage
//!    it borrows: it owns nothing.

use nalgebra::{ArrayStorage, Dim, Matrix, VecStorage, ViewStorage, ViewStorageMut};

use crate::{Context, SizeOf};

heap_free_ext! { "nalgebra":
    ['v, T, R: Dim, C: Dim, RS: Dim, CS: Dim] ViewStorage<'v, T, R, C, RS, CS>,
    ['v, T, R: Dim, C: Dim, RS: Dim, CS: Dim] ViewStorageMut<'v, T, R, C, RS, CS>,
}

/// Its storage (fact 1).
#[cfg_attr(docsrs, doc(cfg(feature = "nalgebra")))]
impl<T, R, C, S: SizeOf> SizeOf for Matrix<T, R, C, S> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("data", &self.data);
    }

    #[inline]
    fn is_heap_free() -> bool {
        S::is_heap_free()
    }
}

/// Its `Vec` by capacity, then the elements' heap, exactly (fact 2).
#[cfg_attr(docsrs, doc(cfg(feature = "nalgebra")))]
impl<T: SizeOf, R: Dim, C: Dim> SizeOf for VecStorage<T, R, C> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("data", self.as_vec());
    }
}

/// Inline: the elements' heap only (fact 3).
#[cfg_attr(docsrs, doc(cfg(feature = "nalgebra")))]
impl<T: SizeOf, const R: usize, const C: usize> SizeOf for ArrayStorage<T, R, C> {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.0.add_heap(cx);
    }

    #[inline]
    fn is_heap_free() -> bool {
        T::is_heap_free()
    }
}
