use memsize::adapt::HeapFree;
use memsize::SizeOf;
use std::collections::HashMap;

/// A type of another crate, without `SizeOf`.
struct Foreign;

#[derive(SizeOf)]
struct Wrong {
    // The adapter does not mirror the field: a map is not a `Vec`.
    #[memsize(as = "Vec<HeapFree>")]
    map: HashMap<String, Foreign>,
    // A foreign part left to measure as itself.
    #[memsize(as = "Vec<_>")]
    list: Vec<Foreign>,
}

fn main() {}
