use memsize::SizeOf;

#[derive(SizeOf)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
