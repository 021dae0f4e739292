//! A counting global allocator: what the allocator really hands out, like
//! Python's `tracemalloc`.
