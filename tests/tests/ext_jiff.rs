//! jiff's types against the allocator: heap-free values, zoned datetimes in
//! every kind of time zone, and the bound of a zone parsed by the user.
#![cfg(feature = "jiff")]

use std::alloc::System;
use std::collections::BTreeMap;

use jiff::civil::{date, time, Date, DateTime};
use jiff::tz::{self, Offset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp, ToSpan, ZonedDateTime};
use memsize::alloc::{assert_heap_exact, check_heap, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn heap_free_values() {
    assert!(<Timestamp as SizeOf>::is_heap_free());
    assert!(<Span as SizeOf>::is_heap_free());
    assert!(<DateTime as SizeOf>::is_heap_free());
    assert_heap_exact(Timestamp::from_second(1_700_000_000).unwrap());
    assert_heap_exact(date(2026, 12, 4).at(19, 0, 0, 0));
    assert_heap_exact(time(23, 59, 59, 999));
    assert_heap_exact(1.year().months(2).hours(3).nanoseconds(4));
    assert_heap_exact(SignedDuration::from_secs(90));
    assert_heap_exact(Offset::constant(-5));
    let by_day: BTreeMap<Date, Span> = (1..=28).map(|d| (date(2026, 2, d), d.days())).collect();
    assert_heap_exact(by_day);
}

#[test]
fn zoned_in_static_fixed_and_database_zones() {
    let ts = Timestamp::from_second(1_700_000_000).unwrap();
    assert_heap_exact(ts.to_zoned_datetime(TimeZone::UTC));
    assert_heap_exact(ts.to_zoned_datetime(TimeZone::fixed(Offset::constant(9))));
    assert_heap_exact(TimeZone::unknown());
    // From the database: the database keeps its own handle.
    for name in ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC"] {
        let Ok(zone) = TimeZone::get(name) else {
            eprintln!("no time zone database entry for {name}: skipped");
            continue;
        };
        assert_heap_exact(zone.clone());
        let zdt: ZonedDateTime = ts.to_zoned_datetime(zone);
        assert_heap_exact(zdt.clone());
        let many: Vec<ZonedDateTime> = (0..50).map(|h| &zdt + h.hours()).collect();
        assert_heap_exact(many);
        assert_heap_exact(zdt);
    }
    let parsed: ZonedDateTime = "2026-12-04T19:00[Europe/Paris]".parse().unwrap();
    assert_heap_exact(parsed);
}

#[test]
fn zone_parsed_by_the_user_is_under() {
    let posix = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
    let zdt = Timestamp::UNIX_EPOCH.to_zoned_datetime(posix);
    let check = check_heap(zdt);
    assert_eq!(check.heap_bytes, 0);
    assert!(check.byte_difference() > 0, "{check}");
    if let Ok(data) = std::fs::read("/usr/share/zoneinfo/Europe/London") {
        let zone = TimeZone::tzif("Europe/London", &data).unwrap();
        let check = check_heap((zone.clone(), zone));
        assert_eq!(check.heap_bytes, 0);
        assert!(check.byte_difference() > 0, "{check}");
        // Within a few times the TZif data: the block and parsed tables.
        assert!(
            check.byte_difference() < 8 * data.len() as i128 + 4096,
            "{check}"
        );
    }
    let _ = tz::db();
}
