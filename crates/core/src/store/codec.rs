//! How values are written to and read from SQLite columns.
//!
//! - Timestamps: UTC text with fixed millisecond precision, `YYYY-MM-DDTHH:MM:SS.sssZ`,
//!   so that text order is time order (`next_attempt_at <= ?`, `ORDER BY created_at`).
//!   Sub-millisecond digits are dropped.
//! - UUIDs: lowercase hyphenated text.
//! - JSON: serde_json text.
//! - Booleans: 0/1.
//!
//! Decoding failures become `FromSqlConversionFailure` errors naming the column,
//! which [`StoreError`](super::StoreError) reports as `Data`.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;
use rusqlite::types::Type;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The stored form of a timestamp: `2026-05-01T14:02:10.123Z`.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The stored form of an optional timestamp.
pub(crate) fn opt_ts(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(ts)
}

/// `t` without its sub-millisecond part: what reading it back gives.
pub(crate) fn to_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// The stored form of a UUID.
pub(crate) fn uuid_text(id: impl Into<Uuid>) -> String {
    id.into().hyphenated().to_string()
}

/// JSON text of a value (cannot fail for the model's types).
pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// A column as a reader names it: by name (`"id"`, looked up in the row on each read),
/// or by position in a select list (an enum made by `generation_rows::column_list!`,
/// no lookup), with its name for error messages. Both stores' rows take either.
pub(crate) trait Col: Copy {
    type Index: rusqlite::RowIndex + tokio_postgres::row::RowIndex + std::fmt::Display;
    /// What the driver is given.
    fn index(self) -> Self::Index;
    /// The column's name, for messages.
    fn name(self) -> &'static str;
}

impl Col for &'static str {
    type Index = &'static str;
    fn index(self) -> &'static str {
        self
    }
    fn name(self) -> &'static str {
        self
    }
}

fn bad(row: &Row<'_>, col: impl Col, what: &str, raw: &str) -> rusqlite::Error {
    let col = col.name();
    let idx = row.as_ref().column_index(col).unwrap_or(0);
    // `raw` is database content, never a secret (no secret is stored).
    let shown: String = raw.chars().take(80).collect();
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        Type::Text,
        format!("column `{col}`: {what} {shown:?}").into(),
    )
}

fn parse_ts(row: &Row<'_>, col: impl Col, raw: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad(row, col, "not an RFC 3339 timestamp:", raw))
}

/// Reads a non-null timestamp column.
pub(crate) fn get_ts(row: &Row<'_>, col: impl Col) -> rusqlite::Result<DateTime<Utc>> {
    let raw: String = row.get(col.index())?;
    parse_ts(row, col, &raw)
}

/// Reads a nullable timestamp column.
pub(crate) fn get_opt_ts(row: &Row<'_>, col: impl Col) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let raw: Option<String> = row.get(col.index())?;
    raw.map(|r| parse_ts(row, col, &r)).transpose()
}

fn parse_uuid(row: &Row<'_>, col: impl Col, raw: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| bad(row, col, "not a UUID:", raw))
}

/// Reads a non-null UUID column.
pub(crate) fn get_uuid<T: From<Uuid>>(row: &Row<'_>, col: impl Col) -> rusqlite::Result<T> {
    let raw: String = row.get(col.index())?;
    parse_uuid(row, col, &raw).map(T::from)
}

/// Reads a nullable UUID column.
pub(crate) fn get_opt_uuid<T: From<Uuid>>(
    row: &Row<'_>,
    col: impl Col,
) -> rusqlite::Result<Option<T>> {
    let raw: Option<String> = row.get(col.index())?;
    raw.map(|r| parse_uuid(row, col, &r).map(T::from))
        .transpose()
}

/// Reads a JSON text column into `T`.
pub(crate) fn get_json<T: DeserializeOwned>(row: &Row<'_>, col: impl Col) -> rusqlite::Result<T> {
    let raw: String = row.get(col.index())?;
    serde_json::from_str(&raw).map_err(|_| bad(row, col, "not the expected JSON:", &raw))
}

/// Reads a non-negative integer column as `u64`.
pub(crate) fn get_u64(row: &Row<'_>, col: impl Col) -> rusqlite::Result<u64> {
    let v: i64 = row.get(col.index())?;
    u64::try_from(v).map_err(|_| bad(row, col, "negative count:", &v.to_string()))
}

/// Reads a non-negative integer column as `u32`.
pub(crate) fn get_u32(row: &Row<'_>, col: impl Col) -> rusqlite::Result<u32> {
    let v: i64 = row.get(col.index())?;
    u32::try_from(v).map_err(|_| bad(row, col, "out of range:", &v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_have_fixed_millisecond_precision_and_sort_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 5, 1, 14, 2, 10).unwrap();
        assert_eq!(ts(a), "2026-05-01T14:02:10.000Z");
        let b = a + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(ts(b), "2026-05-01T14:02:10.123Z");
        assert_eq!(to_ms(b), a + chrono::Duration::milliseconds(123));
        let c = a + chrono::Duration::milliseconds(999);
        assert!(ts(a) < ts(b) && ts(b) < ts(c));
    }
}
