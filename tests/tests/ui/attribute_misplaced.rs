use memsize::SizeOf;

fn heap(_: &Record) -> usize {
    0
}

#[derive(SizeOf)]
#[memsize(skip)]
#[memsize(with = heap)]
struct Record {
    #[memsize(bound = "")]
    name: String,
    #[memsize(crate = "memsize")]
    id: u64,
}

#[derive(SizeOf)]
struct Generic<#[memsize(skip)] T> {
    value: T,
}

fn main() {}
