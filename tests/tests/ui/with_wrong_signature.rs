use memsize::SizeOf;

fn heap(_: &u32) -> usize {
    0
}

#[derive(SizeOf)]
struct Record {
    #[memsize(with = heap)]
    name: String,
}

#[derive(SizeOf)]
struct Missing {
    #[memsize(with = no_such_function)]
    name: String,
}

#[derive(SizeOf)]
struct NotAPath {
    #[memsize(with = 1 + 2)]
    name: String,
}

fn main() {}
