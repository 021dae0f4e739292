use memsize::SizeOf;

#[derive(SizeOf)]
struct NotAType {
    #[memsize(as = "Vec<")]
    a: Vec<u8>,
    #[memsize(as = 42)]
    b: Vec<u8>,
}

fn main() {}
