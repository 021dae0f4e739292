//! Integration, property and UI tests for memsize; nothing is published.
