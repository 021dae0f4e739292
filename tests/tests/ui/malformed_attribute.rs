use memsize::SizeOf;

#[derive(SizeOf)]
#[memsize]
struct Bare {
    #[memsize(skip = true)]
    a: u8,
    #[memsize = "skip"]
    b: u8,
}

#[derive(SizeOf)]
#[memsize(crate = "not a path")]
struct BadCrate {
    a: u8,
}

fn main() {}
