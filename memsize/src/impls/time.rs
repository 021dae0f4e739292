//! time's dates, times, offsets and durations, read from time 0.3.45: each
//! is a few integers inline, and none owns heap memory.

use time::{
    Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcDateTime, UtcOffset, Weekday,
};

heap_free_ext! { "time":
    [] Date,
    [] Duration,
    [] Month,
    [] OffsetDateTime,
    [] PrimitiveDateTime,
    [] Time,
    [] UtcDateTime,
    [] UtcOffset,
    [] Weekday,
}
