//! The dispatch order on SQLite: the rows [`priority`](super::priority)'s
//! algorithm reads and writes, and the [`Store`] methods that run it in one
//! write transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::codec::{get_uuid, ts, uuid_text};
use super::generation_rows::{SUMMARY_COLUMNS, summary_from_row};
use super::priority::{Key, MoveTo, OrderRows, move_pending, ready, reorder};
use super::{Store, StoreError};
use crate::model::{GenerationId, GenerationStatus, GenerationSummary, PROMPT_EXCERPT_CHARS};

const DISPATCHABLE: &str = "status = 'pending' AND token_id IS NULL";

/// SQLite's rows: `created_at` as stored text (fixed-width, so text order is time order).
struct SqliteOrder<'c>(&'c Connection);

type SKey = Key<String>;

fn key_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SKey> {
    Ok(Key {
        id: get_uuid(r, "id")?,
        priority: r.get("priority")?,
        created_at: r.get("created_at")?,
    })
}

impl OrderRows for SqliteOrder<'_> {
    type At = String;

    async fn pending_key(&self, id: GenerationId) -> Result<Option<SKey>, StoreError> {
        let row = self
            .0
            .prepare_cached(
                "SELECT id, priority, created_at, status, token_id FROM generations WHERE id = ?1",
            )?
            .query_row([uuid_text(id)], |r| {
                Ok((
                    key_from_row(r)?,
                    r.get::<_, String>("status")?,
                    r.get::<_, Option<String>>("token_id")?,
                ))
            })
            .optional()?;
        let Some((key, status, token)) = row else {
            return Err(StoreError::not_found("generation", id));
        };
        if status != GenerationStatus::Pending.as_str() {
            return Err(StoreError::NotPending {
                id: id.into(),
                status: status.parse().unwrap_or(GenerationStatus::Processing),
            });
        }
        Ok(token.is_none().then_some(key))
    }

    async fn keys_after(&self, k: Option<&SKey>, n: usize) -> Result<Vec<SKey>, StoreError> {
        let conn = self.0;
        let n = n as i64;
        let Some(k) = k else {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                 ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?1"
            ))?;
            return Ok(stmt
                .query_map([n], key_from_row)?
                .collect::<Result<_, _>>()?);
        };
        let mut out: Vec<SKey> = conn
            .prepare_cached(&format!(
                "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                 AND priority = ?1 AND (created_at, id) > (?2, ?3) \
                 ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?4"
            ))?
            .query_map(
                (k.priority, &k.created_at, uuid_text(k.id), n),
                key_from_row,
            )?
            .collect::<Result<_, _>>()?;
        let rest = n - out.len() as i64;
        if rest > 0 {
            let more: Vec<SKey> = conn
                .prepare_cached(&format!(
                    "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                     AND priority < ?1 ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?2"
                ))?
                .query_map((k.priority, rest), key_from_row)?
                .collect::<Result<_, _>>()?;
            out.extend(more);
        }
        Ok(out)
    }

    async fn key_before(&self, k: &SKey) -> Result<Option<SKey>, StoreError> {
        let conn = self.0;
        let same = conn
            .prepare_cached(&format!(
                "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                 AND priority = ?1 AND (created_at, id) < (?2, ?3) \
                 ORDER BY priority ASC, created_at DESC, id DESC LIMIT 1"
            ))?
            .query_row((k.priority, &k.created_at, uuid_text(k.id)), key_from_row)
            .optional()?;
        if same.is_some() {
            return Ok(same);
        }
        Ok(conn
            .prepare_cached(&format!(
                "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                 AND priority > ?1 ORDER BY priority ASC, created_at DESC, id DESC LIMIT 1"
            ))?
            .query_row([k.priority], key_from_row)
            .optional()?)
    }

    async fn raise_ahead(
        &self,
        k: &SKey,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        let mut stmt = self.0.prepare_cached(&format!(
            "UPDATE generations INDEXED BY generations_dispatch SET priority = priority + ?1, updated_at = ?2 \
             WHERE {DISPATCHABLE} AND (priority > ?3 \
             OR (priority = ?3 AND (created_at, id) < (?4, ?5))) RETURNING id"
        ))?;
        let raised = stmt.query_map(
            (by, ts(now), k.priority, &k.created_at, uuid_text(k.id)),
            |r| get_uuid(r, "id"),
        )?;
        Ok(raised.collect::<Result<_, _>>()?)
    }

    async fn set_priority(
        &self,
        id: GenerationId,
        p: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .0
            .prepare_cached(
                "UPDATE generations SET priority = ?2, updated_at = ?3 WHERE id = ?1 AND priority != ?2",
            )?
            .execute((uuid_text(id), p, ts(now)))?;
        Ok(n > 0)
    }

    async fn drop_retry_delay(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .0
            .prepare_cached(
                "UPDATE generations SET next_attempt_at = NULL, wait_reason = NULL, \
                 updated_at = ?2 WHERE id = ?1 AND next_attempt_at IS NOT NULL",
            )?
            .execute([uuid_text(id), ts(now)])?;
        Ok(n > 0)
    }
}

impl Store {
    /// Pending generations in the order they will run, at most `limit`
    /// (capped at [`MAX_LIST_LIMIT`](super::generations::MAX_LIST_LIMIT)):
    /// first those holding a token (their create is under way), oldest first,
    /// then the rest in dispatch order. `before` is a cursor: the id of the
    /// last item of the previous page (a pending one without a token).
    pub fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Result<Vec<GenerationSummary>, StoreError> {
        let limit = limit.min(super::generations::MAX_LIST_LIMIT);
        let cols = SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string());
        self.with_conn(|conn| {
            let mut out: Vec<GenerationSummary> = Vec::new();
            let after = match before {
                None => {
                    let mut stmt = conn.prepare_cached(&format!(
                        "SELECT {cols} FROM generations INDEXED BY generations_token_slots \
                         WHERE token_id IS NOT NULL AND status IN ('pending', 'processing') \
                         AND status = 'pending' ORDER BY created_at, id LIMIT ?1"
                    ))?;
                    out.extend(
                        stmt.query_map([limit as i64], summary_from_row)?
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                    None
                }
                Some(id) => match ready(SqliteOrder(conn).pending_key(id)) {
                    Ok(Some(k)) => Some(k),
                    // A cursor that has run or gone meanwhile: start over.
                    _ => None,
                },
            };
            let keys = ready(
                SqliteOrder(conn).keys_after(after.as_ref(), limit.saturating_sub(out.len())),
            )?;
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {cols} FROM generations WHERE id = ?1"))?;
            for k in keys {
                out.push(stmt.query_row([uuid_text(k.id)], summary_from_row)?);
            }
            Ok(out)
        })
    }

    /// Gives the listed pending generations priorities so that they run
    /// exactly in the given order, at the place of the earliest of them in
    /// the current order (see [`super::priority`]); returns the ids whose priority
    /// changed (the listed ones and any raised ahead of them).
    ///
    /// Duplicates count once; listed generations already holding a token
    /// (their create is under way) are left as they are.
    /// Errors: [`StoreError::NotFound`], [`StoreError::NotPending`] (nothing changes).
    pub fn reorder_pending(
        &self,
        ids: &[GenerationId],
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| ready(reorder(&SqliteOrder(tx), ids, now)))
    }

    /// Moves one pending generation in the dispatch order (see [`MoveTo`]);
    /// returns the ids whose row changed. Errors as [`Store::reorder_pending`].
    pub fn move_pending(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| ready(move_pending(&SqliteOrder(tx), id, to, now)))
    }
}
