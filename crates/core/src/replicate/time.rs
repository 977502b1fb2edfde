//! Tolerant timestamps.
//!
//! Replicate writes `created_at`, `started_at` and `completed_at` as ISO 8601
//! strings such as `2023-09-08T16:19:34.765994Z` (example from the HTTP API
//! docs, copied into replicate-python-beta's `resources/predictions.py`).
//! Real bodies vary: 0 to 9 fractional digits (sometimes more), `Z` or a
//! numeric offset, now and then a space instead of `T`, or no zone at all.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a Replicate timestamp into UTC; `None` when it is not one.
///
/// Accepts `YYYY-MM-DD[T| ]HH:MM[:SS[.f…]][Z|±HH[:MM]|±HHMM]`: any number of
/// fractional digits (digits after the ninth are dropped), `t`/`z` in either
/// case, and no zone (read as UTC).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    let b = s.as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4, 4)? as i32;
    p.expect(b'-')?;
    let month = p.digits(2, 2)?;
    p.expect(b'-')?;
    let day = p.digits(2, 2)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if p.done() {
        return Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?));
    }
    match p.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = p.digits(2, 2)?;
    p.expect(b':')?;
    let minute = p.digits(2, 2)?;
    let mut second = 0;
    let mut nanos = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2, 2)?;
        if matches!(p.peek(), Some(b'.') | Some(b',')) {
            p.i += 1;
            let start = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            let frac = &s[start..p.i];
            if frac.is_empty() {
                return None;
            }
            let kept: String = frac.chars().take(9).collect();
            nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        }
    }
    // A leap second (":60") is folded into the last nanosecond range chrono allows.
    let (second, nanos) = if second == 60 {
        (59, 1_000_000_000 + nanos.min(999_999_999))
    } else {
        (second, nanos)
    };
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let naive = NaiveDateTime::new(date, time);
    let offset = match p.next() {
        None => FixedOffset::east_opt(0)?,
        Some(b'Z' | b'z') => FixedOffset::east_opt(0)?,
        Some(sign @ (b'+' | b'-')) => {
            let h = p.digits(2, 2)? as i32;
            let m = match p.peek() {
                Some(b':') => {
                    p.i += 1;
                    p.digits(2, 2)? as i32
                }
                Some(c) if c.is_ascii_digit() => p.digits(2, 2)? as i32,
                _ => 0,
            };
            let secs = (h * 3600 + m * 60) * if sign == b'-' { -1 } else { 1 };
            FixedOffset::east_opt(secs)?
        }
        Some(_) => return None,
    };
    if !p.done() {
        return None;
    }
    let local = offset.from_local_datetime(&naive).single()?;
    Some(local.with_timezone(&Utc))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn ts(s: &str) -> DateTime<Utc> {
        parse_timestamp(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    #[test]
    fn reads_zero_to_nine_fractional_digits() {
        let base = ts("2023-09-08T16:19:34Z");
        assert_eq!(base.nanosecond(), 0);
        let digits = "123456789";
        for n in 1..=9 {
            let s = format!("2023-09-08T16:19:34.{}Z", &digits[..n]);
            let got = ts(&s);
            let want: u32 = digits[..n].parse::<u32>().unwrap() * 10u32.pow(9 - n as u32);
            assert_eq!(got.nanosecond(), want, "{s}");
            assert_eq!(got.timestamp(), base.timestamp());
        }
    }

    #[test]
    fn drops_digits_after_the_ninth() {
        assert_eq!(
            ts("2023-09-08T16:19:34.1234567891234Z").nanosecond(),
            123_456_789
        );
    }

    #[test]
    fn reads_docs_example() {
        // From Replicate's "get a prediction" example (replicate-python-beta).
        let t = ts("2023-09-08T16:19:34.765994Z");
        assert_eq!(t.to_rfc3339(), "2023-09-08T16:19:34.765994+00:00");
    }

    #[test]
    fn applies_offsets_in_every_spelling() {
        let utc = ts("2024-01-02T10:00:00Z");
        assert_eq!(ts("2024-01-02T12:00:00+02:00"), utc);
        assert_eq!(ts("2024-01-02T12:00:00+0200"), utc);
        assert_eq!(ts("2024-01-02T12:00:00+02"), utc);
        assert_eq!(ts("2024-01-02T05:30:00-04:30"), utc);
        assert_eq!(ts("2024-01-02t10:00:00z"), utc);
        assert_eq!(ts("2024-01-02 10:00:00+00:00"), utc);
        assert_eq!(ts("2024-01-02T10:00:00"), utc);
        assert_eq!(ts("2024-01-02T10:00Z"), utc);
        assert_eq!(ts(" 2024-01-02T10:00:00.000Z "), utc);
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for s in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-02T25:00:00Z",
            "2024-01-02T10:00:00.Z",
            "2024-01-02T10:00:00Zjunk",
            "2024-01-02X10:00:00Z",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s:?}");
        }
    }
}
