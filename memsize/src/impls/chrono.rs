//! chrono's dates, times, offsets and durations, read from chrono 0.4.45:
//! the naive types, `TimeDelta`, `Utc`, `FixedOffset` and the calendar
//! enums are integers inline and own no heap memory. `DateTime<Tz>` is a
//! `NaiveDateTime` and a `Tz::Offset`, so it owns what its offset owns
//! (nothing, for chrono's own time zones: `Utc`, `FixedOffset`, and `Local`,
//! whose offset is a `FixedOffset`).

use chrono::{
    DateTime, Days, FixedOffset, IsoWeek, Month, Months, NaiveDate, NaiveDateTime, NaiveTime,
    NaiveWeek, TimeDelta, TimeZone, Utc, Weekday, WeekdaySet,
};

use crate::{Context, SizeOf};

heap_free_ext! { "chrono":
    [] NaiveDate,
    [] NaiveTime,
    [] NaiveDateTime,
    [] NaiveWeek,
    [] IsoWeek,
    [] TimeDelta,
    [] Days,
    [] Months,
    [] Month,
    [] Weekday,
    [] WeekdaySet,
    [] Utc,
    [] FixedOffset,
}

/// A date and time in a time zone: whatever its offset owns.
#[cfg_attr(docsrs, doc(cfg(feature = "chrono")))]
impl<Tz: TimeZone> SizeOf for DateTime<Tz>
where
    Tz::Offset: SizeOf,
{
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        self.offset().add_heap(cx);
    }
    #[inline]
    fn is_heap_free() -> bool {
        Tz::Offset::is_heap_free()
    }
}
