//! The types of the `jiff` crate (1.x): `Timestamp`, `ZonedDateTime`, the
//! civil types, `Span`, `SignedDuration`, offsets and time zones.
//!
//! Layout facts of jiff 1.0.3 (its `tz/timezone.rs`), held against the
//! allocator in `tests/tests/ext_jiff.rs`:
//!
//! 1. `Timestamp`, `SignedDuration`, `Span`, the civil `Date`, `Time`,
//!    `DateTime`, `ISOWeekDate`, `Weekday`, `Era`, and `Offset`, `Dst`,
//!    `Unit` hold integers inline and own no heap.
//! 2. A `TimeZone` is one tagged pointer: UTC, unknown, a fixed offset
//!    (inline), a static TZif zone (`jiff::tz::get!`, `include!`), or an
//!    `Arc` of a parsed TZif or POSIX zone, whose types are private.
//! 3. The time zone database (`jiff::tz::db()`, `TimeZone::get`) keeps a
//!    clone of every zone it has handed out, for as long as the program
//!    runs: dropping a value that holds one frees nothing.
//! 4. A `ZonedDateTime` is a timestamp, a datetime, an offset (inline) and
//!    its `TimeZone`.

use jiff::civil::{Date, DateTime, Era, ISOWeekDate, Time, Weekday};
use jiff::tz::{Dst, Offset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp, Unit, ZonedDateTime};

use crate::{Context, SizeOf};

heap_free_ext! { "jiff":
    [] Timestamp,
    [] SignedDuration,
    [] Span,
    [] Unit,
    [] Date,
    [] Time,
    [] DateTime,
    [] ISOWeekDate,
    [] Weekday,
    [] Era,
    [] Offset,
    [] Dst,
}

/// Nothing: UTC, unknown, fixed and static zones own nothing, and a zone
/// from the time zone database is also held by the database, which
/// outlives it (facts 2 and 3): exact for those.
///
/// Bound: a zone parsed by `TimeZone::tzif` or `TimeZone::posix` is an
/// `Arc` of data whose types jiff keeps private: not counted, so a value
/// holding the only handles to such a zone is under by that block and the
/// parsed data's buffers (about the size of the TZif data for `tzif`).
#[cfg_attr(docsrs, doc(cfg(feature = "jiff")))]
impl SizeOf for TimeZone {
    #[inline]
    fn add_heap<'a>(&'a self, _: &mut Context<'a>) {}
}

/// Its time zone (fact 4), as [`TimeZone`]'s.
#[cfg_attr(docsrs, doc(cfg(feature = "jiff")))]
impl SizeOf for ZonedDateTime {
    #[inline]
    fn add_heap<'a>(&'a self, cx: &mut Context<'a>) {
        cx.add_field("time_zone", self.time_zone());
    }
}
