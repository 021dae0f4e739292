//! A report read back from JSON, from any bytes: reading either refuses it
//! or gives a report that every reader goes through (no panic, no abort,
//! no hang: run with `-timeout=10`), and that writes back as JSON that
//! reads again, the same.
//!
//! ```sh
//! cargo +nightly fuzz run report_json fuzz/corpus/report_json fuzz/seeds/report_json -- \
//!     -dict=fuzz/report_json.dict -timeout=10 -max_total_time=120
//! ```
//!
//! Whatever it finds becomes a row of the table in
//! `tests/tests/report_read.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memsize::Report;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = serde_json::from_slice::<Report>(data) else {
        return;
    };
    for (_, view) in memsize_tests::report_views() {
        view(&report);
    }
    let json = serde_json::to_vec(&report).expect("a report writes as JSON");
    let back: Report = serde_json::from_slice(&json).expect("a report read back reads again");
    assert_eq!(back.nodes(), report.nodes());
});
