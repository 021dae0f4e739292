use memsize::SizeOf;

#[derive(SizeOf)]
#[memsize(bound = "T: SizeOf +, U")]
struct Incomplete<T> {
    a: T,
}

#[derive(SizeOf)]
#[memsize(bound = T: SizeOf)]
struct NotAString<T> {
    a: T,
}

fn main() {}
