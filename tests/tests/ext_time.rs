//! time's types own no heap: containers of them are O(1) and exact.
#![cfg(feature = "time")]

use std::alloc::System;
use std::collections::BTreeMap;

use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;
use time::{
    Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcDateTime, UtcOffset, Weekday,
};

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn time_types_own_nothing() {
    assert!(Date::is_heap_free());
    assert!(Time::is_heap_free());
    assert!(PrimitiveDateTime::is_heap_free());
    assert!(OffsetDateTime::is_heap_free());
    assert!(UtcDateTime::is_heap_free());
    assert!(UtcOffset::is_heap_free());
    assert!(Duration::is_heap_free());
    assert!(Month::is_heap_free() && Weekday::is_heap_free());
    let now = OffsetDateTime::now_utc();
    assert_eq!(now.heap_size(), 0);
    assert_heap_exact(now);
}

#[test]
fn containers_of_times() {
    let start = Date::from_calendar_date(2024, Month::February, 28).unwrap();
    let days: Vec<Date> = (0..500).map(|i| start + Duration::days(i)).collect();
    let log: BTreeMap<PrimitiveDateTime, (UtcOffset, Weekday)> = days
        .iter()
        .map(|d| (d.with_hms(12, 0, 0).unwrap(), (UtcOffset::UTC, d.weekday())))
        .collect();
    let labelled: Vec<(OffsetDateTime, String)> = (0..20)
        .map(|i| {
            (
                OffsetDateTime::UNIX_EPOCH + Duration::hours(i),
                i.to_string(),
            )
        })
        .collect();
    assert_heap_exact(days);
    assert_heap_exact(log);
    assert_heap_exact(labelled);
}
