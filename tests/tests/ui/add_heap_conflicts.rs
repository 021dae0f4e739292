use memsize::{Context, SizeOf};

fn bytes(v: &Vec<u8>) -> usize {
    v.capacity()
}

fn add(v: &Vec<u8>, cx: &mut Context<'_>) {
    cx.add_alloc(v.as_ptr(), core::alloc::Layout::array::<u8>(v.capacity()).unwrap());
}

#[derive(SizeOf)]
struct Holder {
    #[memsize(with = bytes, add_heap = add)]
    a: Vec<u8>,
    #[memsize(skip, add_heap = add)]
    b: Vec<u8>,
    #[memsize(add_heap = add, add_heap = add)]
    c: Vec<u8>,
}

fn main() {}
