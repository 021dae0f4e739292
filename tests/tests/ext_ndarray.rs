//! ndarray's arrays against the allocator: owned buffers by capacity, even
//! sliced in place; shared ones once; views own nothing; `IxDyn` a bound.
#![cfg(feature = "ndarray")]

use std::alloc::System;

use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;
use memsize_tests::check_history;
use ndarray::{s, Array, Array0, Array1, Array2, Array3, ArrayD, Axis, IxDyn};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn owned_arrays() {
    assert_heap_exact(Array0::<f64>::zeros(()));
    assert_heap_exact(Array1::<f64>::zeros(0));
    assert_heap_exact(Array2::<f32>::from_elem((30, 40), 1.0));
    assert_heap_exact(Array3::<u8>::zeros((2, 3, 4)));
    assert_heap_exact(Array::<u16, _>::zeros((2, 2, 2, 2, 2, 2)));
    let a = Array2::<f64>::from_shape_fn((20, 20), |(i, j)| (i * j) as f64);
    assert_heap_exact(a.dot(&a.t()));
    assert_heap_exact(&a + 1.0);
    assert_heap_exact(a.t().to_owned());
    assert_heap_exact(a);
    // Spare capacity from the `Vec` it was made from.
    let mut v = Vec::with_capacity(1000);
    v.extend(0..12u64);
    assert_heap_exact(Array2::from_shape_vec((3, 4), v).unwrap());
}

#[test]
fn sliced_in_place_and_grown() {
    check_history::<Array2<f64>>(
        || Array2::zeros((0, 8)),
        &[
            &|a| (0..10).for_each(|i| a.push_row((&[i as f64; 8]).into()).unwrap()),
            &|a| a.slice_collapse(s![2..5, ..3]),
            &|a| a.invert_axis(Axis(0)),
        ],
    );
    check_history::<Array1<String>>(
        || Array1::from_iter((0..20).map(|i| "e".repeat(i))),
        &[&|a| a.slice_collapse(s![5..8]), &|a| {
            a.push(Axis(0), ndarray::aview0(&"pushed".to_string()).view())
                .unwrap()
        }],
    );
}

#[test]
fn shared_arrays_count_once() {
    let a = Array2::<f64>::ones((50, 50)).into_shared();
    let b = a.clone();
    let c = a.slice(s![..10, ..]).to_shared();
    let stats = memsize::heap_stats(&(a.clone(), b.clone()));
    assert_eq!(
        (stats.bytes, stats.allocations),
        (2 * 8 + 3 * 8 + 50 * 50 * 8, 2)
    );
    assert_heap_exact((a, b));
    assert_heap_exact(c);
    let mut owned = Array1::<String>::from_iter((0..10).map(|i| "z".repeat(i * 5))).into_shared();
    let copy = owned.clone();
    // Written while shared: `owned` copies the buffer first.
    owned[3] = "written after sharing, so copied".into();
    assert_heap_exact(copy);
    assert_heap_exact(owned);
}

#[test]
fn views_own_nothing() {
    let a = Array2::<String>::from_elem((4, 4), "text".repeat(10));
    assert_eq!(a.view().heap_size(), 0);
    assert_eq!(a.slice(s![1.., ..2]).heap_size(), 0);
    let mut b = a.clone();
    assert_eq!(b.view_mut().heap_size(), 0);
    assert_eq!(a.raw_view().heap_size(), 0);
}

#[test]
fn dynamic_dimension_is_a_bound() {
    // Exact when ndarray built the buffer, with any number of axes.
    for shape in [&[3][..], &[2, 3], &[2, 2, 2, 2, 2], &[1, 2, 1, 2, 1, 2, 1]] {
        assert_heap_exact(ArrayD::<f64>::zeros(IxDyn(shape)));
        assert_heap_exact(ArrayD::<String>::from_elem(IxDyn(shape), "s".repeat(30)));
    }
    // Under by what a slice in place hid: the figure is the visible part.
    let mut a = ArrayD::<u32>::zeros(IxDyn(&[10, 10]));
    a.slice_collapse(s![..2, ..]);
    let check = check_heap(a);
    assert_eq!(check.heap_bytes, 2 * 10 * 4);
    assert_eq!(check.byte_difference(), 8 * 10 * 4);
    assert_eq!(check.allocation_difference(), 0);
}
