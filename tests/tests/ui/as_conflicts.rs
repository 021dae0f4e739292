use memsize::SizeOf;

#[derive(SizeOf)]
struct Conflicts {
    #[memsize(as = "Vec<HeapFree>", skip)]
    a: Vec<u8>,
    #[memsize(as = "Vec<HeapFree>", add_heap = f)]
    b: Vec<u8>,
    #[memsize(as = "Vec<HeapFree>", as = "Vec<_>")]
    c: Vec<u8>,
}

fn f<'a>(_: &'a Vec<u8>, _: &mut memsize::Context<'a>) {}

fn main() {}
