use memsize::SizeOf;

fn bytes(v: &Vec<u8>) -> usize {
    v.capacity()
}

#[derive(SizeOf)]
struct Holder {
    #[memsize(add_heap = bytes)]
    a: Vec<u8>,
}

fn main() {}
