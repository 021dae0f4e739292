use memsize::SizeOf;

struct Foreign;

#[derive(SizeOf)]
#[repr(packed)]
struct Packed {
    a: u8,
    b: Foreign,
}

fn main() {}
