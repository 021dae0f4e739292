use memsize::SizeOf;

#[derive(SizeOf)]
enum Message {
    #[memsize(skip)]
    Text(String),
    #[memsize(bound = "")]
    Bytes(Vec<u8>),
}

fn main() {}
