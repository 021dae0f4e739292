use memsize::SizeOf;

#[derive(SizeOf)]
#[memsize(bounds = "T: SizeOf")]
struct Container<T> {
    #[memsize(skipp)]
    a: T,
    #[memsize(skip, ignore = true)]
    b: u8,
}

fn main() {}
