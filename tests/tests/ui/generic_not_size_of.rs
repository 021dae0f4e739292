use memsize::SizeOf;

struct Foreign;

#[derive(SizeOf)]
struct Wrapper<T> {
    items: Vec<T>,
}

fn main() {
    let w = Wrapper { items: vec![Foreign] };
    let _ = w.deep_size();
}
