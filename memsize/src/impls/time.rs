//! time's dates, times, offsets and durations, read from time 0.3.45: each
//! is a few integers inline, and none owns heap memory.

use time::{
    Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcDateTime, UtcOffset, Weekday,
};

use crate::{Context, SizeOf};

macro_rules! heap_free {
    ($($t:ty),*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
        impl SizeOf for $t {
            #[inline(always)]
            fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
            #[inline(always)]
            fn is_heap_free() -> bool {
                true
            }
        }
    )*};
}

heap_free!(
    Date,
    Duration,
    Month,
    OffsetDateTime,
    PrimitiveDateTime,
    Time,
    UtcDateTime,
    UtcOffset,
    Weekday
);
