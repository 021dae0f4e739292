//! Trait objects of core: `dyn Error`, `dyn Any` and the closures
//! `dyn Fn`, `dyn FnMut`, `dyn FnOnce`.
//!
//! Their impls let `Box<dyn Error>`, `Arc<dyn Any + Send + Sync>` or
//! `Box<dyn Fn(&str) -> bool + Send>` be measured: the generic `Box`, `Rc`
//! and `Arc` impls count the pointee's own allocation from its layout, which
//! the vtable knows (a closure's block holds its captures). What the pointee
//! owns beyond that block (a `String` inside the error, a `Vec` a closure
//! captured) is unknown through the trait object and is not counted: the
//! figure is a lower bound, exact when the pointee owns no heap. Measure
//! such values through a trait of your own with `SizeOf` as a supertrait
//! (`Box<dyn MyError>` with `trait MyError: Error + SizeOf`) to count it.

use core::any::Any;
use core::error::Error;

use crate::{Context, SizeOf};

/// Trait objects whose own heap is unknown: nothing is added.
macro_rules! opaque {
    ($([$($g:tt)*] $t:ty,)*) => {$(
        // rustc's `coherence_leak_check` lint warns that `dyn Fn(&A)` and
        // `dyn Fn(A)` (with `A = &'y T`) may one day be treated as
        // overlapping; today they are distinct types, as the lint says.
        #[allow(coherence_leak_check)]
        impl<$($g)*> SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
        }
    )*};
}

opaque! {
    ['x] dyn Error + 'x,
    ['x] dyn Error + Send + 'x,
    ['x] dyn Error + Sync + 'x,
    ['x] dyn Error + Send + Sync + 'x,
    [] dyn Any,
    [] dyn Any + Send,
    [] dyn Any + Send + Sync,
}

/// `dyn Fn`, `dyn FnMut` and `dyn FnOnce`, alone, `+ Send` and
/// `+ Send + Sync`, for one shape of arguments.
macro_rules! dyn_fns {
    ($([$($g:tt)*] ($($arg:ty),*),)*) => {$(
        opaque! {
            ['x, R, $($g)*] dyn Fn($($arg),*) -> R + 'x,
            ['x, R, $($g)*] dyn Fn($($arg),*) -> R + Send + 'x,
            ['x, R, $($g)*] dyn Fn($($arg),*) -> R + Send + Sync + 'x,
            ['x, R, $($g)*] dyn FnMut($($arg),*) -> R + 'x,
            ['x, R, $($g)*] dyn FnMut($($arg),*) -> R + Send + 'x,
            ['x, R, $($g)*] dyn FnMut($($arg),*) -> R + Send + Sync + 'x,
            ['x, R, $($g)*] dyn FnOnce($($arg),*) -> R + 'x,
            ['x, R, $($g)*] dyn FnOnce($($arg),*) -> R + Send + 'x,
            ['x, R, $($g)*] dyn FnOnce($($arg),*) -> R + Send + Sync + 'x,
        }
    )*};
}

// Up to three arguments, each by value or by reference (`dyn Fn(&str)` is
// `dyn for<'y> Fn(&'y str)`).
dyn_fns! {
    [] (),
    [A] (A),
    [A: ?Sized] (&A),
    [A, B] (A, B),
    [A: ?Sized, B] (&A, B),
    [A, B: ?Sized] (A, &B),
    [A: ?Sized, B: ?Sized] (&A, &B),
    [A, B, C] (A, B, C),
    [A: ?Sized, B, C] (&A, B, C),
    [A, B: ?Sized, C] (A, &B, C),
    [A, B, C: ?Sized] (A, B, &C),
    [A: ?Sized, B: ?Sized, C] (&A, &B, C),
    [A: ?Sized, B, C: ?Sized] (&A, B, &C),
    [A, B: ?Sized, C: ?Sized] (A, &B, &C),
    [A: ?Sized, B: ?Sized, C: ?Sized] (&A, &B, &C),
}
