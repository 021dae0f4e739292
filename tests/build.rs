//! Records which rustc builds the tests, so the UI tests (whose expected
//! output holds one rustc's wording) run only on that one.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=MEMSIZE_TESTS_RUSTC={}", version.trim());
    println!("cargo:rerun-if-env-changed=RUSTC");
}
