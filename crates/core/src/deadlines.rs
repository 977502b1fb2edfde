//! Deadlines of a generation (issue #12): how long its prediction may stay
//! `starting`, and how long it may take in all.
//!
//! - **Time to start** (ours): Replicate has no such deadline (its
//!   `Cancel-After` also counts the run). A prediction still `starting`
//!   this long after it was created is cancelled by the engine with the
//!   token that owns it, and the generation fails with
//!   [`ErrorKind::StartTimeout`](crate::model::ErrorKind::StartTimeout):
//!   nothing ran, so nothing is billed (Replicate bills the time a
//!   prediction ran; docs, "Prediction lifecycle", billing). Per generation
//!   (`start_deadline_secs`), else the setting `start_deadline_minutes`
//!   (default [`DEFAULT_START_DEADLINE`]).
//! - **Run deadline** (Replicate's): sent as the create's `Cancel-After`
//!   header. Replicate counts it from the prediction's creation, so it
//!   includes queueing and cold boot; past it the prediction ends `aborted`
//!   (it had not started; not billed) or `canceled` (billed for the time it
//!   ran). Minimum 5 s (Replicate answers 422 below). Sources: Replicate's
//!   changelog 2025-10-16 "Set deadlines for predictions", docs
//!   "Prediction lifecycle", the OpenAPI `Cancel-After` header parameter
//!   (`cancel_after` in replicate-python's generated client).
//!
//! The failures a deadline ends in are codes ([`crate::failure::ErrorKind`]
//! `start_timeout*`, `run_deadline*`) with the deadline as their detail
//! ([`human`]).

use std::time::Duration;

/// The time-to-start deadline when neither the create nor the settings say.
pub const DEFAULT_START_DEADLINE: Duration = Duration::from_secs(15 * 60);
/// Shortest time-to-start deadline accepted (a cold boot alone often takes
/// 30–120 s; less would cancel healthy predictions).
pub const MIN_START_DEADLINE: Duration = Duration::from_secs(60);
/// Longest time-to-start deadline accepted (one day).
pub const MAX_START_DEADLINE: Duration = Duration::from_secs(24 * 3600);
/// Replicate's shortest `Cancel-After`.
pub const MIN_RUN_DEADLINE: Duration = Duration::from_secs(5);
/// Longest run deadline accepted (one day; Replicate stops a prediction
/// after 30 minutes of running anyway, but queueing may be long).
pub const MAX_RUN_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// Which deadline a value is for (errors, messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    Start,
    Run,
}

impl DeadlineKind {
    fn name(self) -> &'static str {
        match self {
            Self::Start => "time-to-start deadline",
            Self::Run => "run deadline",
        }
    }

    fn range(self) -> (Duration, Duration) {
        match self {
            Self::Start => (MIN_START_DEADLINE, MAX_START_DEADLINE),
            Self::Run => (MIN_RUN_DEADLINE, MAX_RUN_DEADLINE),
        }
    }
}

/// A deadline refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("cannot read {text:?} as a {}: write it like 90s, 15m or 1h30m", .kind.name())]
    Unreadable { kind: DeadlineKind, text: String },
    #[error("a {} must be {} to {}, not {}", .kind.name(), human(.kind.range().0), human(.kind.range().1), human(*.value))]
    OutOfRange { kind: DeadlineKind, value: Duration },
}

/// Checks that `d` is within the range of `kind`.
pub fn check(kind: DeadlineKind, d: Duration) -> Result<Duration, DeadlineError> {
    let (lo, hi) = kind.range();
    if d < lo || d > hi {
        return Err(DeadlineError::OutOfRange { kind, value: d });
    }
    Ok(d)
}

/// Parses a deadline written like Replicate's `Cancel-After`: `90s`, `15m`,
/// `1h30m`, or a bare number of seconds; then checks its range.
pub fn parse(kind: DeadlineKind, text: &str) -> Result<Duration, DeadlineError> {
    let bad = || DeadlineError::Unreadable {
        kind,
        text: text.to_owned(),
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return check(kind, Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit = match &rest[digits..digits + unit_len] {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(bad()),
        };
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        rest = &rest[digits + unit_len..];
    }
    check(kind, Duration::from_secs(total))
}

/// A duration for people: `15 min`, `90 s`, `1 h 30 min`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if sec > 0 || parts.is_empty() {
        parts.push(format!("{sec} s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_read_like_cancel_after() {
        let p = |t| parse(DeadlineKind::Run, t);
        assert_eq!(p("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(p("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(p("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(p(" 45 "), Ok(Duration::from_secs(45)));
        assert!(matches!(p("5x"), Err(DeadlineError::Unreadable { .. })));
        assert!(matches!(p("m"), Err(DeadlineError::Unreadable { .. })));
        assert!(matches!(p(""), Err(DeadlineError::Unreadable { .. })));
    }

    #[test]
    fn a_run_deadline_under_five_seconds_is_refused_as_replicate_does() {
        let e = parse(DeadlineKind::Run, "4s").unwrap_err();
        assert_eq!(e.to_string(), "a run deadline must be 5 s to 24 h, not 4 s");
        assert_eq!(parse(DeadlineKind::Run, "5s"), Ok(MIN_RUN_DEADLINE));
    }

    #[test]
    fn a_time_to_start_deadline_keeps_room_for_a_cold_boot() {
        assert!(parse(DeadlineKind::Start, "30s").is_err());
        assert_eq!(
            parse(DeadlineKind::Start, "15m"),
            Ok(DEFAULT_START_DEADLINE)
        );
        assert!(parse(DeadlineKind::Start, "25h").is_err());
    }

    #[test]
    fn the_failure_reason_says_how_long_and_that_nothing_was_billed() {
        assert_eq!(
            crate::failure::ErrorKind::StartTimeout.english(Some(&human(DEFAULT_START_DEADLINE))),
            "No GPU became free in 15 min; cancelled, not billed"
        );
        assert_eq!(human(Duration::from_secs(5430)), "1 h 30 min 30 s");
    }
}
