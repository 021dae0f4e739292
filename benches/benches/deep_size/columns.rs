//! The contenders: one column each, in table order.

use std::mem::size_of_val;

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

/// One way to compute a value's heap bytes; `None` where the crate has no
/// implementation for the type. Every column is called the same way,
/// through a `dyn Fn`, so the calls cost alike.
pub type Heap<T> = Option<Box<dyn Fn(&T) -> usize>>;

/// The columns of a case: the floor, memsize, then the peers.
pub type Columns<T> = [Heap<T>; COLUMNS.len()];

pub fn memsize_heap<T: SizeOf>(v: &T) -> usize {
    v.heap_size()
}

pub fn deepsize_heap<T: DeepSizeOf>(v: &T) -> usize {
    v.deep_size_of() - size_of_val(v)
}

pub fn get_size2_heap<T: GetSize>(v: &T) -> usize {
    v.get_heap_size()
}

pub fn mem_dbg_heap<T: MemSize>(v: &T) -> usize {
    v.mem_size(SizeFlags::default()) - size_of_val(v)
}

pub fn mem_dbg_capacity_heap<T: MemSize>(v: &T) -> usize {
    v.mem_size(SizeFlags::CAPACITY) - size_of_val(v)
}

pub fn datasize_heap<T: DataSize>(v: &T) -> usize {
    datasize::data_size(v)
}

pub fn allocative_heap<T: Allocative>(v: &T) -> usize {
    allocative::size_of_unique_allocated_data(v)
}

pub fn typesize_heap<T: TypeSize>(v: &T) -> usize {
    v.extra_size()
}

/// One column from a function.
pub fn col<T: 'static>(f: impl Fn(&T) -> usize + 'static) -> Heap<T> {
    Some(Box::new(f))
}

/// The floor, memsize, deepsize and get-size2; the other peers n/a (for
/// types their derives reject).
pub fn fastest<T: SizeOf + DeepSizeOf + GetSize + 'static>(
    floor: impl Fn(&T) -> usize + 'static,
) -> Columns<T> {
    let mut c: Columns<T> = Default::default();
    c[FLOOR] = col(floor);
    c[MEMSIZE] = col(memsize_heap::<T>);
    c[DEEPSIZE] = col(deepsize_heap::<T>);
    c[GET_SIZE2] = col(get_size2_heap::<T>);
    c
}

/// Every column, for a type every crate implements.
pub fn all<T>(floor: impl Fn(&T) -> usize + 'static) -> Columns<T>
where
    T: SizeOf + DeepSizeOf + GetSize + MemSize + DataSize + Allocative + TypeSize + 'static,
{
    let mut c = all_but_typesize(floor);
    c[8] = col(typesize_heap::<T>);
    c
}

/// Every column but typesize's (it has no `BTreeMap`).
pub fn all_but_typesize<T>(floor: impl Fn(&T) -> usize + 'static) -> Columns<T>
where
    T: SizeOf + DeepSizeOf + GetSize + MemSize + DataSize + Allocative + 'static,
{
    let mut c = fastest(floor);
    c[4] = col(mem_dbg_heap::<T>);
    c[5] = col(mem_dbg_capacity_heap::<T>);
    c[6] = col(datasize_heap::<T>);
    c[7] = col(allocative_heap::<T>);
    c
}
