//! chrono's types own no heap; `DateTime<Tz>` follows its offset.
#![cfg(feature = "chrono")]

use std::alloc::System;
use std::collections::{BTreeMap, HashMap};

use chrono::{
    DateTime, Duration, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Utc, Weekday,
};
use memsize::alloc::{assert_heap_exact, CountingAlloc};
use memsize::SizeOf;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[test]
fn chrono_types_own_nothing() {
    assert!(NaiveDate::is_heap_free());
    assert!(NaiveTime::is_heap_free());
    assert!(NaiveDateTime::is_heap_free());
    assert!(TimeDelta::is_heap_free());
    assert!(Weekday::is_heap_free());
    assert!(DateTime::<Utc>::is_heap_free());
    assert!(DateTime::<FixedOffset>::is_heap_free());
    assert!(DateTime::<Local>::is_heap_free());
    let now = Utc::now();
    assert_eq!(now.heap_size(), 0);
    assert_heap_exact(now);
    assert_heap_exact(Local::now());
}

#[test]
fn containers_of_datetimes() {
    let east = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let start = east.with_ymd_and_hms(2024, 2, 28, 23, 0, 0).unwrap();
    let times: Vec<DateTime<FixedOffset>> =
        (0..1000).map(|i| start + Duration::minutes(i)).collect();
    let by_day: BTreeMap<NaiveDate, Vec<DateTime<FixedOffset>>> =
        times.iter().fold(BTreeMap::new(), |mut m, t| {
            m.entry(t.date_naive()).or_default().push(*t);
            m
        });
    let names: HashMap<DateTime<Utc>, String> = (0..50)
        .map(|i| {
            (
                Utc.timestamp_opt(i * 86_400, 0).unwrap(),
                format!("day {i}"),
            )
        })
        .collect();
    assert_heap_exact(times);
    assert_heap_exact(by_day);
    assert_heap_exact(names);
}
