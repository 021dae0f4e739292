//! The cells of the `once_cell` crate (1.x): `unsync` and, with `std`,
//! `sync` `OnceCell` and `Lazy`.
//!
//! Layout facts of once_cell 1.21, held against the allocator in
//! `tests/tests/ext_once_cell.rs`:
//!
//! 1. A `OnceCell<T>` holds its value inline, once set, and allocates
//!    nothing of its own (`sync` waiters park on the stack).
//! 2. A `Lazy<T, F>` is a `OnceCell<T>` and a `Cell<Option<F>>`, the
//!    initializer, taken when the value is forced. `Lazy::get` reads the
//!    value without forcing it, so a forced `Lazy` is measured like its
//!    cell and an unforced one adds nothing. The initializer is not
//!    reachable: a closure that captured heap memory and has not run yet
//!    is not counted (with the usual `fn() -> T` initializer there is none).

use crate::{Context, SizeOf};

/// Once-cells own what they hold, once it is set (fact 1).
macro_rules! once_cells {
    ($($(#[$m:meta])* $module:ident,)*) => {$(
        $(#[$m])*
        impl<T: SizeOf> SizeOf for once_cell::$module::OnceCell<T> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if let Some(v) = self.get() {
                    v.add_heap(cx);
                }
            }
            #[inline]
            fn is_heap_free() -> bool {
                T::is_heap_free()
            }
        }

        /// The value once forced, read without forcing it; an initializer
        /// that has not run is not counted (fact 2).
        $(#[$m])*
        impl<T: SizeOf, F: FnOnce() -> T> SizeOf for once_cell::$module::Lazy<T, F> {
            #[inline]
            fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
                if let Some(v) = once_cell::$module::Lazy::get(self) {
                    v.add_heap(cx);
                }
            }
        }
    )*};
}

once_cells! {
    #[cfg_attr(docsrs, doc(cfg(feature = "once_cell")))]
    unsync,
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "once_cell", feature = "std"))))]
    sync,
}
