use memsize::SizeOf;

struct Foreign;

#[derive(SizeOf)]
struct Holder {
    name: String,
    foreign: Foreign,
}

#[derive(SizeOf)]
enum Either {
    Left(u8),
    Right(Foreign),
}

fn main() {}
