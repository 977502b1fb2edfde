//! Token rows: label, fingerprint, flags and counters. Never the secret: it
//! lives in the OS keyring under the token's id (see [`crate::secrets`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row};

use super::codec::{get_opt_ts, get_ts, get_u32, get_u64, get_uuid, to_ms, ts, uuid_text};
use super::{Store, StoreError};
use crate::model::{Token, TokenId};

/// Longest label accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// Allowed values of a token's `max_concurrency`.
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u32> = 1..=16;

/// How a request sent with a token ended, for its counters ([`Store::record_request`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    /// A 2xx answer (or a 404, which says nothing bad about the token).
    Ok,
    /// An HTTP error other than 404 and 429, or a transport error.
    Error,
    /// A 429 answer (counted as an error too).
    RateLimited,
}

impl RequestOutcome {
    /// What it adds to `(error_count, rate_limited_count)` (both stores).
    pub(crate) fn counts(self) -> (i64, i64) {
        match self {
            RequestOutcome::Ok => (0, 0),
            RequestOutcome::Error => (1, 0),
            RequestOutcome::RateLimited => (1, 1),
        }
    }
}

/// Token columns plus `in_flight`: generations holding one of its slots
/// (status pending or processing with this `token_id`).
pub(crate) const TOKEN_SELECT: &str = "SELECT t.id, t.label, t.fingerprint, t.active, \
    t.disabled_reason, t.disabled_at, t.last_used_at, t.request_count, t.error_count, \
    t.rate_limited_count, t.cooldown_until, t.max_concurrency, t.created_at, \
    (SELECT count(*) FROM generations g WHERE g.token_id = t.id \
       AND g.status IN ('pending', 'processing')) AS in_flight \
    FROM tokens t";

/// Decodes a row selected with [`TOKEN_SELECT`].
pub(crate) fn token_from_row(row: &Row<'_>) -> rusqlite::Result<Token> {
    Ok(Token {
        id: get_uuid(row, "id")?,
        label: row.get("label")?,
        fingerprint: row.get("fingerprint")?,
        active: row.get("active")?,
        disabled_reason: row.get("disabled_reason")?,
        disabled_at: get_opt_ts(row, "disabled_at")?,
        last_used_at: get_opt_ts(row, "last_used_at")?,
        request_count: get_u64(row, "request_count")?,
        error_count: get_u64(row, "error_count")?,
        rate_limited_count: get_u64(row, "rate_limited_count")?,
        cooldown_until: get_opt_ts(row, "cooldown_until")?,
        max_concurrency: get_u32(row, "max_concurrency")?,
        in_flight: get_u32(row, "in_flight")?,
        created_at: get_ts(row, "created_at")?,
    })
}

/// Loads one token, with `in_flight`.
pub(crate) fn load_token(conn: &Connection, id: TokenId) -> Result<Option<Token>, StoreError> {
    let sql = format!("{TOKEN_SELECT} WHERE t.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([uuid_text(id)], token_from_row)
        .optional()?)
}

/// Every token, oldest first.
pub(crate) fn load_tokens(conn: &Connection) -> Result<Vec<Token>, StoreError> {
    let sql = format!("{TOKEN_SELECT} ORDER BY t.created_at, t.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], token_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn clean_label(label: &str) -> Result<String, StoreError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(StoreError::Invalid("a token needs a label".into()));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(StoreError::Invalid(format!(
            "a token label is at most {MAX_LABEL_CHARS} characters"
        )));
    }
    if label.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "a token label cannot contain control characters".into(),
        ));
    }
    Ok(label.to_owned())
}

impl Store {
    /// Runs `sql` (with `?1` = the token id, then `params`) on one token and
    /// returns the token after it, in one write transaction.
    fn update_token(
        &self,
        id: TokenId,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Token, StoreError> {
        self.write(|tx| update_token_in(tx, id, sql, params))
    }

    /// Adds a token row: a new UUID v4 id, active, `max_concurrency` 1. The
    /// caller stores the secret in the keyring under the returned id.
    ///
    /// `label` is trimmed; errors: [`StoreError::Invalid`] if it is empty,
    /// longer than [`MAX_LABEL_CHARS`] or holds control characters.
    pub fn insert_token(
        &self,
        label: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        let label = clean_label(label)?;
        let id = TokenId::new();
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO tokens (id, label, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute((uuid_text(id), &label, fingerprint, ts(to_ms(now))))?;
            load_token(tx, id)?.ok_or_else(|| StoreError::not_found("token", id))
        })
    }

    /// Every token, oldest first, each with `in_flight` computed.
    pub fn list_tokens(&self) -> Result<Vec<Token>, StoreError> {
        self.with_conn(|conn| load_tokens(conn))
    }

    /// One token, or `None`.
    pub fn get_token(&self, id: TokenId) -> Result<Option<Token>, StoreError> {
        self.with_conn(|conn| load_token(conn, id))
    }

    /// Removes a token row; `true` if it existed. Generations that held it keep
    /// their status and lose their `token_id` (`ON DELETE SET NULL`). The caller
    /// deletes the secret from the keyring.
    pub fn remove_token(&self, id: TokenId) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM tokens WHERE id = ?1")?
                .execute([uuid_text(id)])?
                > 0)
        })
    }

    /// Renames a token (label rules as in [`Store::insert_token`]).
    pub fn rename_token(&self, id: TokenId, label: &str) -> Result<Token, StoreError> {
        let label = clean_label(label)?;
        self.update_token(id, "UPDATE tokens SET label = ?2 WHERE id = ?1", &[&label])
    }

    /// How many generations the token may run at once, in [`CONCURRENCY_RANGE`]
    /// (1..=16); [`StoreError::Invalid`] otherwise. Lowering it below the
    /// current `in_flight` only stops new claims until enough finish.
    pub fn set_max_concurrency(&self, id: TokenId, n: u32) -> Result<Token, StoreError> {
        if !CONCURRENCY_RANGE.contains(&n) {
            return Err(StoreError::Invalid(format!(
                "a token runs 1 to 16 generations at once, not {n}"
            )));
        }
        self.update_token(
            id,
            "UPDATE tokens SET max_concurrency = ?2 WHERE id = ?1",
            &[&n],
        )
    }

    /// Makes a token usable again: active, with no disabled reason, time or cooldown.
    pub fn enable_token(&self, id: TokenId, _now: DateTime<Utc>) -> Result<Token, StoreError> {
        self.update_token(
            id,
            "UPDATE tokens SET active = 1, disabled_reason = NULL, disabled_at = NULL, \
             cooldown_until = NULL WHERE id = ?1",
            &[],
        )
    }

    /// Disables a token with a reason shown to the user ("Replicate refused this
    /// token (401): …"); the pool skips it until [`Store::enable_token`].
    /// Generations already running on it keep it (their prediction belongs to it).
    pub fn disable_token(
        &self,
        id: TokenId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        self.update_token(
            id,
            "UPDATE tokens SET active = 0, disabled_reason = ?2, disabled_at = ?3 WHERE id = ?1",
            &[&reason, &ts(now)],
        )
    }

    /// Counts one request sent with the token: `request_count += 1`, plus
    /// `error_count` for [`RequestOutcome::Error`] and both `error_count` and
    /// `rate_limited_count` for [`RequestOutcome::RateLimited`] (a 429 is an
    /// error too). `last_used_at` moves to `now` if that is later.
    pub fn record_request(
        &self,
        id: TokenId,
        outcome: RequestOutcome,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        self.write(|tx| record_request_in(tx, id, outcome, now))
    }

    /// No claim of this token before `until` (a 429's announced reset). A later
    /// cooldown already set is kept: two 429s never shorten each other.
    /// [`Store::enable_token`] clears it.
    pub fn set_cooldown(&self, id: TokenId, until: DateTime<Utc>) -> Result<Token, StoreError> {
        self.update_token(
            id,
            "UPDATE tokens SET cooldown_until = max(coalesce(cooldown_until, ''), ?2) WHERE id = ?1",
            &[&ts(until)],
        )
    }
}

/// Runs `sql` (`?1` = the token's id, then `params`) on one token row inside
/// `tx` and returns the row; [`StoreError::NotFound`] if there is no such token.
fn update_token_in(
    tx: &Connection,
    id: TokenId,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Token, StoreError> {
    let id_text = uuid_text(id);
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id_text];
    all.extend_from_slice(params);
    let changed = tx.prepare_cached(sql)?.execute(all.as_slice())?;
    if changed == 0 {
        return Err(StoreError::not_found("token", id));
    }
    load_token(tx, id)?.ok_or_else(|| StoreError::not_found("token", id))
}

/// [`Store::record_request`] inside the caller's write transaction (also
/// used by [`Store::write_step`](super::step)).
pub(super) fn record_request_in(
    tx: &Connection,
    id: TokenId,
    outcome: RequestOutcome,
    now: DateTime<Utc>,
) -> Result<Token, StoreError> {
    let (errors, limited) = outcome.counts();
    update_token_in(
        tx,
        id,
        "UPDATE tokens SET request_count = request_count + 1, \
         error_count = error_count + ?2, rate_limited_count = rate_limited_count + ?3, \
         last_used_at = max(coalesce(last_used_at, ''), ?4) WHERE id = ?1",
        &[&errors, &limited, &ts(now)],
    )
}
