//! The contenders: one column each, in table order, each in two call
//! shapes.
//!
//! - **Inlined**: the crate's call is compiled into the timing loop (one
//!   loop per column, generic over the call), so the optimizer may inline
//!   it and hoist what does not depend on the value, as in a tight loop of
//!   the caller's own code.
//! - **Out of line**: the loop calls a `Box<dyn Fn() -> usize>` that holds
//!   the value, and that closure calls the crate's own trait method through
//!   a function pointer passed through [`black_box`], with the value behind
//!   `black_box` too: the method's own code is what runs, called as a
//!   service or a test calls it, never inlined into the caller.

use std::hint::black_box;
use std::mem::size_of;
use std::rc::Rc;

use allocative::Allocative;
use datasize::DataSize;
use deepsize::DeepSizeOf;
use get_size2::GetSize;
use mem_dbg::{MemSize, SizeFlags};
use memsize::SizeOf;
use typesize::TypeSize;

/// The columns, in table order.
pub const COLUMNS: [&str; 9] = [
    "floor",
    "memsize",
    "deepsize",
    "get-size2",
    "mem_dbg",
    "mem_dbg CAPACITY",
    "datasize",
    "allocative",
    "typesize",
];
pub const FLOOR: usize = 0;
pub const MEMSIZE: usize = 1;
pub const DEEPSIZE: usize = 2;
pub const GET_SIZE2: usize = 3;

/// The two call shapes, in table order.
pub const SHAPES: [&str; 2] = ["inlined", "out of line"];
pub const INLINED: usize = 0;
pub const OUT_OF_LINE: usize = 1;

/// One way to compute a value's heap bytes, in both shapes.
pub struct Column<T> {
    /// `n` calls on the value in a loop the call is compiled into; returns
    /// the last figure.
    pub inlined: Inlined<T>,
    /// Makes the boxed closure of the out-of-line shape for a value: one
    /// call, through a function pointer the optimizer cannot see.
    pub out_of_line: OutOfLine<T>,
}

/// See [`Column::inlined`].
pub type Inlined<T> = Box<dyn Fn(&T, u64) -> usize>;

/// See [`Column::out_of_line`].
pub type OutOfLine<T> = Box<dyn for<'a> Fn(&'a T) -> Box<dyn Fn() -> usize + 'a>>;

/// A column, `None` where the crate has no implementation for the type.
pub type Heap<T> = Option<Column<T>>;

/// The columns of a case: the floor, memsize, then the peers.
pub type Columns<T> = [Heap<T>; COLUMNS.len()];

/// A column from the call to inline and the out-of-line call.
pub fn column<T: 'static>(
    inlined: impl Fn(&T) -> usize + 'static,
    out_of_line: impl Fn(&T) -> usize + Clone + 'static,
) -> Heap<T> {
    Some(Column {
        inlined: Box::new(move |v, n| {
            let mut heap = 0;
            for _ in 0..n {
                heap = black_box(inlined(black_box(v)));
            }
            heap
        }),
        out_of_line: Box::new(move |v| {
            let call = out_of_line.clone();
            Box::new(move || call(black_box(v)))
        }),
    })
}

/// The floor's column: a hand-written function, inlined into the loop, or
/// called out of line through a `&dyn Fn` passed through `black_box`.
pub fn floor<T: 'static>(f: impl Fn(&T) -> usize + 'static) -> Heap<T> {
    let f = Rc::new(f);
    let g = Rc::clone(&f);
    column(
        move |v| f(v),
        move |v| {
            let g: &dyn Fn(&T) -> usize = black_box(&*g);
            g(v)
        },
    )
}

/// Each crate's heap figure through its own trait, inlined and out of line
/// (the method as a function pointer through `black_box`).
macro_rules! peer {
    ($(#[$doc:meta])* $name:ident, $bound:ident, |$v:ident| $inlined:expr, $f:ident: $fty:ty = $method:expr => $call:expr) => {
        $(#[$doc])*
        pub fn $name<T: $bound + 'static>() -> Heap<T> {
            column(
                |$v: &T| $inlined,
                |$v: &T| {
                    let $f: $fty = black_box($method);
                    $call
                },
            )
        }
    };
}

peer!(
    /// `heap_size()`.
    memsize_col, SizeOf,
    |v| v.heap_size(),
    f: fn(&T) -> usize = <T as SizeOf>::heap_size => f(v)
);
peer!(
    /// `deep_size_of()` less the value's own size.
    deepsize_col, DeepSizeOf,
    |v| v.deep_size_of() - size_of::<T>(),
    f: fn(&T) -> usize = <T as DeepSizeOf>::deep_size_of => f(v) - size_of::<T>()
);
peer!(
    /// `get_heap_size()`.
    get_size2_col, GetSize,
    |v| v.get_heap_size(),
    f: fn(&T) -> usize = <T as GetSize>::get_heap_size => f(v)
);
peer!(
    /// `mem_size(SizeFlags::default())` (lengths) less the value's own size.
    mem_dbg_col, MemSize,
    |v| v.mem_size(SizeFlags::default()) - size_of::<T>(),
    f: fn(&T, SizeFlags) -> usize = <T as MemSize>::mem_size => f(v, SizeFlags::default()) - size_of::<T>()
);
peer!(
    /// `mem_size(SizeFlags::CAPACITY)` less the value's own size.
    mem_dbg_capacity_col, MemSize,
    |v| v.mem_size(SizeFlags::CAPACITY) - size_of::<T>(),
    f: fn(&T, SizeFlags) -> usize = <T as MemSize>::mem_size => f(v, SizeFlags::CAPACITY) - size_of::<T>()
);
peer!(
    /// `data_size()`, which is `estimate_heap_size()`.
    datasize_col, DataSize,
    |v| datasize::data_size(v),
    f: fn(&T) -> usize = <T as DataSize>::estimate_heap_size => f(v)
);
peer!(
    /// `size_of_unique_allocated_data()` (the crate's entry point; its trait
    /// method takes a visitor).
    allocative_col, Allocative,
    |v| allocative::size_of_unique_allocated_data(v),
    f: fn(&dyn Allocative) -> usize = allocative::size_of_unique_allocated_data => f(v)
);
peer!(
    /// `extra_size()`.
    typesize_col, TypeSize,
    |v| v.extra_size(),
    f: fn(&T) -> usize = <T as TypeSize>::extra_size => f(v)
);

/// The floor, memsize, deepsize and get-size2; the other peers n/a (for
/// types their derives reject).
pub fn fastest<T: SizeOf + DeepSizeOf + GetSize + 'static>(
    f: impl Fn(&T) -> usize + 'static,
) -> Columns<T> {
    let mut c: Columns<T> = Default::default();
    c[FLOOR] = floor(f);
    c[MEMSIZE] = memsize_col::<T>();
    c[DEEPSIZE] = deepsize_col::<T>();
    c[GET_SIZE2] = get_size2_col::<T>();
    c
}

/// Every column, for a type every crate implements.
pub fn all<T>(f: impl Fn(&T) -> usize + 'static) -> Columns<T>
where
    T: SizeOf + DeepSizeOf + GetSize + MemSize + DataSize + Allocative + TypeSize + 'static,
{
    let mut c = all_but_typesize(f);
    c[8] = typesize_col::<T>();
    c
}

/// Every column but typesize's (it has no `BTreeMap`).
pub fn all_but_typesize<T>(f: impl Fn(&T) -> usize + 'static) -> Columns<T>
where
    T: SizeOf + DeepSizeOf + GetSize + MemSize + DataSize + Allocative + 'static,
{
    let mut c = fastest(f);
    c[4] = mem_dbg_col::<T>();
    c[5] = mem_dbg_capacity_col::<T>();
    c[6] = datasize_col::<T>();
    c[7] = allocative_col::<T>();
    c
}
