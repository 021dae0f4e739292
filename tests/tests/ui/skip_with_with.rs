use memsize::SizeOf;

fn heap(_: &String) -> usize {
    0
}

#[derive(SizeOf)]
struct Both {
    #[memsize(skip, with = heap)]
    name: String,
}

fn main() {}
