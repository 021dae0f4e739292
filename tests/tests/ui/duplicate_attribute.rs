use memsize::SizeOf;

fn heap(_: &u8) -> usize {
    0
}

#[derive(SizeOf)]
#[memsize(bound = "")]
#[memsize(bound = "T: SizeOf")]
struct Twice<T> {
    #[memsize(skip, skip)]
    a: T,
    #[memsize(with = heap)]
    #[memsize(with = heap)]
    b: u8,
}

fn main() {}
