//! Local days and months for spend: where a day starts in the user's time
//! zone (an IANA name such as `Europe/Berlin`, or this computer's zone),
//! daylight saving time included. A day is 23 or 25 hours long when the
//! clocks change; a midnight the clocks skip starts the day at the first
//! time that exists (jiff's "compatible" reading).
//!
//! The time zone database is the system's (`/usr/share/zoneinfo`) or the
//! one jiff bundles where the system has none (Windows).

use chrono::{DateTime, Utc};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// A zone by name; errors when the name is not in the time zone database.
pub fn named(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|e| format!("unknown time zone {name:?} ({e})"))
}

/// The zone's IANA name, when it has one (a system zone read from a
/// `TZ` string may not).
pub fn name_of(z: &TimeZone) -> Option<String> {
    z.iana_name().map(str::to_owned)
}

fn ts(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from_millisecond(t.timestamp_millis()).expect("a time within jiff's range")
}

fn utc(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.as_millisecond()).expect("a time within chrono's range")
}

fn start_of(d: Date, z: &TimeZone) -> DateTime<Utc> {
    utc(d
        .to_zoned_datetime(z.clone())
        .expect("a day within jiff's range")
        .timestamp())
}

fn local(t: DateTime<Utc>, z: &TimeZone) -> ZonedDateTime {
    ts(t).to_zoned_datetime(z.clone())
}

/// The local day `t` falls in: its start and the next day's start (UTC).
pub fn day(t: DateTime<Utc>, z: &TimeZone) -> (DateTime<Utc>, DateTime<Utc>) {
    let d = local(t, z).date();
    (
        start_of(d, z),
        start_of(d.tomorrow().expect("a next day"), z),
    )
}

/// The local calendar month `t` falls in: its first day's start and the next month's.
pub fn month(t: DateTime<Utc>, z: &TimeZone) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = local(t, z).date().first_of_month();
    let next = first.last_of_month().tomorrow().expect("a next month");
    (start_of(first, z), start_of(next, z))
}

/// `YYYY-MM-DD` of the local day `t` falls in.
pub fn day_label(t: DateTime<Utc>, z: &TimeZone) -> String {
    local(t, z).date().to_string()
}

/// `[from, to)` cut where the zone's offset changes: each piece with its
/// offset from UTC in seconds (east positive). One piece for a zone
/// without transitions in the range.
pub fn offset_pieces(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    z: &TimeZone,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, i32)> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    let mut start = from;
    let mut offset = z.to_offset(ts(from)).seconds();
    for tr in z.following(ts(from)) {
        let at = utc(tr.timestamp());
        if at >= to {
            break;
        }
        if tr.offset().seconds() != offset {
            out.push((start, at, offset));
            start = at;
            offset = tr.offset().seconds();
        }
    }
    out.push((start, to, offset));
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_day_the_clocks_go_forward_lasts_23_hours_and_one_they_go_back_25() {
        let berlin = named("Europe/Berlin").unwrap();
        // 29 March 2026: 02:00 CET becomes 03:00 CEST.
        let (start, end) = day(at(2026, 3, 29, 12, 0), &berlin);
        assert_eq!(start, at(2026, 3, 28, 23, 0), "midnight CET");
        assert_eq!(end, at(2026, 3, 29, 22, 0), "midnight CEST");
        // 25 October 2026: 03:00 CEST becomes 02:00 CET.
        let (start, end) = day(at(2026, 10, 25, 12, 0), &berlin);
        assert_eq!((end - start).num_hours(), 25);
        assert_eq!(start, at(2026, 10, 24, 22, 0));
        assert_eq!(day_label(at(2026, 10, 24, 22, 30), &berlin), "2026-10-25");
        assert_eq!(day_label(at(2026, 10, 24, 21, 30), &berlin), "2026-10-24");
    }

    #[test]
    fn months_start_at_local_midnight_across_a_change_of_offset() {
        let berlin = named("Europe/Berlin").unwrap();
        let (start, end) = month(at(2026, 3, 15, 12, 0), &berlin);
        assert_eq!(start, at(2026, 2, 28, 23, 0), "1 March, CET");
        assert_eq!(end, at(2026, 3, 31, 22, 0), "1 April, CEST");
        let (_, end) = month(at(2026, 12, 15, 12, 0), &berlin);
        assert_eq!(end, at(2026, 12, 31, 23, 0), "1 January next year");
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_time_that_exists() {
        // Santiago, 6 September 2026: 00:00 -04 becomes 01:00 -03.
        let santiago = named("America/Santiago").unwrap();
        let (start, _) = day(at(2026, 9, 6, 15, 0), &santiago);
        assert_eq!(start, at(2026, 9, 6, 4, 0), "01:00 -03");
    }

    #[test]
    fn pieces_split_where_the_offset_changes() {
        let berlin = named("Europe/Berlin").unwrap();
        let p = offset_pieces(at(2026, 3, 1, 0, 0), at(2026, 11, 1, 0, 0), &berlin);
        assert_eq!(
            p,
            vec![
                (at(2026, 3, 1, 0, 0), at(2026, 3, 29, 1, 0), 3600),
                (at(2026, 3, 29, 1, 0), at(2026, 10, 25, 1, 0), 7200),
                (at(2026, 10, 25, 1, 0), at(2026, 11, 1, 0, 0), 3600),
            ]
        );
        let utc_zone = named("UTC").unwrap();
        assert_eq!(
            offset_pieces(at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0), &utc_zone),
            vec![(at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0), 0)]
        );
        assert!(
            named("Mars/Olympus_Mons")
                .unwrap_err()
                .contains("unknown time zone")
        );
    }
}
