//! nalgebra's matrices against the allocator: dynamic ones by their `Vec`,
//! through resizing and arithmetic; static ones and views own nothing.
#![cfg(feature = "nalgebra")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;
use nalgebra::{DMatrix, DVector, Dyn, Matrix3, OMatrix, SMatrix, Vector4, U3};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn static_matrices_are_heap_free() {
    assert!(<Matrix3<f64> as SizeOf>::is_heap_free());
    assert!(<SMatrix<f32, 6, 7> as SizeOf>::is_heap_free());
    assert_heap_exact(Matrix3::<f64>::identity());
    assert_heap_exact(Vector4::new(1.0, 2.0, 3.0, 4.0));
    let m = DMatrix::<f64>::from_element(5, 5, 1.5);
    let view = m.view((1, 1), (3, 3));
    assert_eq!(view.heap_size(), 0);
    assert_heap_exact(m);
}

#[test]
fn dynamic_matrices() {
    for (r, c) in [(0, 0), (1, 1), (3, 7), (64, 64)] {
        let m = DMatrix::<f64>::from_fn(r, c, |i, j| (i * j) as f64);
        assert_heap_exact(m.clone());
        assert_heap_exact(&m * m.transpose());
        assert_heap_exact(m);
    }
    assert_heap_exact(DVector::<f32>::from_vec(
        (0..1000).map(|i| i as f32).collect(),
    ));
    // A `Vec` with spare capacity keeps it in the storage.
    let mut data = Vec::with_capacity(100);
    data.extend((0..12).map(|i| i as f64));
    assert_heap_exact(DMatrix::from_vec(3, 4, data));
    let partly: OMatrix<f64, U3, Dyn> = OMatrix::<f64, U3, Dyn>::zeros(9);
    assert_heap_exact(partly);
}

#[test]
fn resizing_history() {
    check_history::<DMatrix<f64>>(
        || DMatrix::zeros(4, 4),
        &[
            &|m| *m = m.clone().resize(10, 12, 2.0),
            &|m| m.resize_mut(3, 3, 0.0),
            &|m| *m = m.clone().insert_columns(1, 5, 7.0),
            &|m| *m = m.clone().remove_row(0),
            &|m| *m = m.clone().resize(40, 40, 1.0),
        ],
    );
    check_history::<DVector<f64>>(
        || DVector::zeros(0),
        &[
            &|v| v.extend((0..100).map(|i| i as f64)),
            &|v| v.extend((0..3).map(|i| i as f64)),
            &|v| *v = v.clone().remove_rows(0, 50),
        ],
    );
}

#[test]
fn heap_owning_elements() {
    // Not a numeric scalar, but a `Matrix` holds any `T`.
    let m = DMatrix::<String>::from_fn(3, 3, |i, j| "x".repeat(i * 10 + j));
    assert_heap_exact(m);
    let v: Vec<DMatrix<f64>> = (1..20).map(|n| DMatrix::identity(n, n)).collect();
    assert_heap_exact(v);
}
