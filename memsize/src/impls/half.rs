//! half's 16-bit floats, read from half 2.7: `f16` and `bf16` are each a
//! `u16`, and own no heap memory.

use half::{bf16, f16};

heap_free_ext! { "half":
    [] f16,
    [] bf16,
}
