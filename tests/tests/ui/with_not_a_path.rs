use memsize::SizeOf;

#[derive(SizeOf)]
struct Holder {
    #[memsize(with = "not a path")]
    a: Vec<u8>,
    #[memsize(add_heap = 7)]
    b: Vec<u8>,
}

fn main() {}
