//! Generation rows: queueing, lists, counters, and the engine's write path
//! ([`Store::update_generation`]).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params_from_iter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codec::{get_uuid, ts, uuid_text};
use super::generation_rows::{
    SUMMARY_COLUMNS, insert_row, load, load_many, new_row, read_counters, summary_from_row,
    write_row,
};
use super::{Store, StoreError};
use crate::model::{
    Counters, Generation, GenerationId, GenerationStatus, GenerationSummary, NewGeneration,
    PROMPT_EXCERPT_CHARS,
};

/// Largest page [`Store::list_generations`] returns.
pub const MAX_LIST_LIMIT: usize = 1000;

/// What [`Store::list_generations`] returns: newest first (`created_at` descending,
/// then id descending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Page size; default 50, at most [`MAX_LIST_LIMIT`]. 0 returns nothing.
    pub limit: usize,
    /// Only these statuses; empty means all.
    pub statuses: Vec<GenerationStatus>,
    /// Only generations not opened yet (the `⟳ N` dropdown).
    pub unviewed_only: bool,
    /// Only generations this member created (`creator.member`); `None`:
    /// everyone's. On a team's database the dropdown and the tray list the
    /// user's own ([`crate::queue::Queue::own_member`]).
    pub created_by: Option<String>,
    /// Cursor: only items older than this one (the last id of the previous page).
    /// If that generation was deleted meanwhile, its UUID v7 timestamp stands in
    /// for its `created_at`.
    pub before: Option<GenerationId>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            limit: 50,
            statuses: Vec::new(),
            unviewed_only: false,
            created_by: None,
            before: None,
        }
    }
}

impl Store {
    /// Queues one generation: a new UUID v7 id, status pending, `settings` = the
    /// input without `"prompt"`, `created_at` = `updated_at` = `now` (to the millisecond).
    ///
    /// Errors: [`StoreError::Invalid`] if `input` is not a JSON object.
    pub fn insert_generation(
        &self,
        new: &NewGeneration,
        now: DateTime<Utc>,
    ) -> Result<Generation, StoreError> {
        let g = new_row(new, now)?;
        self.write(|tx| insert_row(tx, &g))?;
        Ok(g)
    }

    /// Queues several generations in one transaction (a batch): all or none.
    /// Ids grow in the order given, so with equal `created_at` the last is the newest.
    pub fn insert_generations(
        &self,
        new: &[NewGeneration],
        now: DateTime<Utc>,
    ) -> Result<Vec<Generation>, StoreError> {
        let rows = new
            .iter()
            .map(|n| new_row(n, now))
            .collect::<Result<Vec<_>, _>>()?;
        self.write(|tx| rows.iter().try_for_each(|g| insert_row(tx, g)))?;
        Ok(rows)
    }

    /// One generation, or `None` if there is no such id.
    pub fn get_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError> {
        self.with_conn(|conn| load(conn, id))
    }

    /// A page of summaries, newest first (see [`ListQuery`]).
    pub fn list_generations(&self, q: &ListQuery) -> Result<Vec<GenerationSummary>, StoreError> {
        let limit = q.limit.min(MAX_LIST_LIMIT);
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.with_conn(|conn| {
            let mut sql = format!(
                "SELECT {} FROM generations WHERE 1 = 1",
                SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string())
            );
            let mut params: Vec<rusqlite::types::Value> = Vec::new();
            if !q.statuses.is_empty() {
                let marks = vec!["?"; q.statuses.len()].join(", ");
                sql.push_str(&format!(" AND status IN ({marks})"));
                params.extend(q.statuses.iter().map(|s| s.as_str().to_owned().into()));
            }
            if q.unviewed_only {
                sql.push_str(" AND viewed = 0");
            }
            if let Some(member) = &q.created_by {
                sql.push_str(" AND created_by = ?");
                params.push(member.clone().into());
            }
            if let Some(before) = q.before {
                let created: Option<String> = conn
                    .prepare_cached("SELECT created_at FROM generations WHERE id = ?1")?
                    .query_row([uuid_text(before)], |r| r.get(0))
                    .optional()?;
                let created = created.unwrap_or_else(|| uuid_v7_time(before.into()));
                sql.push_str(" AND (created_at, id) < (?, ?)");
                params.push(created.into());
                params.push(uuid_text(before).into());
            }
            sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
            params.push((limit as i64).into());
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params), summary_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The queue's counters (active, unviewed, per status, `seq`), read from
    /// the trigger-maintained `counters` row: O(1) whatever the queue's size.
    pub fn counters(&self) -> Result<Counters, StoreError> {
        self.with_conn(|conn| read_counters(conn))
    }

    /// Marks a generation viewed (`viewed_at = now`) and returns it; idempotent
    /// (an already viewed row keeps its first `viewed_at` and is not written).
    /// `None` if there is no such id.
    pub fn mark_viewed(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<Option<Generation>, StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE generations SET viewed = 1, viewed_at = ?2, updated_at = ?2 \
                 WHERE id = ?1 AND viewed = 0",
            )?
            .execute([uuid_text(id), ts(now)])?;
            load(tx, id)
        })
    }

    /// Marks every unviewed generation viewed (only `created_by`'s when
    /// given); returns the ids that changed.
    pub fn mark_all_viewed(
        &self,
        now: DateTime<Utc>,
        created_by: Option<&str>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE generations SET viewed = 1, viewed_at = ?1, updated_at = ?1 \
                 WHERE viewed = 0 AND (?2 IS NULL OR created_by = ?2) RETURNING id",
            )?;
            let ids = stmt.query_map((ts(now), created_by), |r| get_uuid(r, "id"))?;
            Ok(ids.collect::<Result<_, _>>()?)
        })
    }

    /// Deletes a generation and returns the deleted row (the caller removes its
    /// files under `outputs/<id>/`); `None` if there was no such id.
    pub fn delete_generation(&self, id: GenerationId) -> Result<Option<Generation>, StoreError> {
        self.write(|tx| {
            let row = load(tx, id)?;
            if row.is_some() {
                tx.prepare_cached("DELETE FROM generations WHERE id = ?1")?
                    .execute([uuid_text(id)])?;
            }
            Ok(row)
        })
    }

    /// [`Store::update_generation_at`] with `now` = the wall clock.
    pub fn update_generation(
        &self,
        id: GenerationId,
        f: impl FnOnce(&mut Generation),
    ) -> Result<Generation, StoreError> {
        self.update_generation_at(id, Utc::now(), f)
    }

    /// The engine's write path: reads the generation, lets `f` change it, and
    /// writes every column back, all in one write transaction (`BEGIN
    /// IMMEDIATE`), so nothing can change the row in between. Returns the row
    /// as stored (timestamps to the millisecond).
    ///
    /// `id` and `created_at` cannot change (edits to them are ignored).
    /// `updated_at` becomes `now` unless `f` set it itself. If `f` changed
    /// nothing, nothing is written (no `seq` bump, `updated_at` unchanged).
    /// `f` runs while the store is locked: it must not call the store.
    ///
    /// Errors: [`StoreError::NotFound`] if there is no such id;
    /// [`StoreError::Invalid`] for a progress above 100.
    pub fn update_generation_at(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Generation),
    ) -> Result<Generation, StoreError> {
        self.write(|tx| {
            let before = load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))?;
            let mut g = before.clone();
            f(&mut g);
            g.id = before.id;
            g.created_at = before.created_at;
            if g == before {
                return Ok(before);
            }
            if g.updated_at == before.updated_at {
                g.updated_at = now;
            }
            write_row(tx, &g)?;
            load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))
        })
    }

    /// Up to `limit` generations ready to dispatch: pending, holding no token,
    /// and `next_attempt_at` unset or not after `now`; highest priority first,
    /// then oldest (`created_at`, then id).
    pub fn next_dispatchable(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Generation>, StoreError> {
        self.with_conn(|conn| {
            // Named: the per-status history index would otherwise tempt the planner into a sort.
            load_many(
                conn,
                "INDEXED BY generations_dispatch \
                 WHERE status = 'pending' AND token_id IS NULL \
                 AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) \
                 ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?2",
                (ts(now), i64::try_from(limit).unwrap_or(i64::MAX)),
            )
        })
    }

    /// The earliest `next_attempt_at` among pending generations holding no
    /// token (it may be in the past): when the engine should wake to dispatch.
    pub fn earliest_next_attempt(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.with_conn(|conn| {
            let raw: Option<String> = conn
                .prepare_cached(
                    "SELECT min(next_attempt_at) FROM generations \
                     WHERE status = 'pending' AND token_id IS NULL \
                     AND next_attempt_at IS NOT NULL",
                )?
                .query_row([], |r| r.get(0))?;
            raw.map(|r| {
                DateTime::parse_from_rfc3339(&r)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| StoreError::Data {
                        path: Default::default(),
                        reason: format!("column `next_attempt_at`: bad timestamp {r:?}"),
                    })
            })
            .transpose()
        })
    }

    /// What a restart must resume or reconcile, oldest first: every active
    /// generation holding a token — processing, or pending with a create
    /// claimed or sent whose answer was not stored (see `create_sent_at`).
    ///
    /// Reads through the token-slots index, so it costs the number of slots
    /// in use, not the number of pending generations (the engine calls it at
    /// every dispatch pass). A processing generation whose token was removed
    /// has no owner to follow it with and is not listed.
    pub fn in_flight(&self) -> Result<Vec<Generation>, StoreError> {
        self.with_conn(|conn| {
            load_many(
                conn,
                "INDEXED BY generations_token_slots \
                 WHERE token_id IS NOT NULL AND status IN ('pending', 'processing') \
                 ORDER BY created_at ASC, id ASC",
                [],
            )
        })
    }
}

/// The `created_at` text a deleted cursor stands for: its UUID v7 time.
fn uuid_v7_time(id: Uuid) -> String {
    let at = id
        .get_timestamp()
        .map(|t| t.to_unix())
        .and_then(|(s, n)| DateTime::from_timestamp(s as i64, n))
        .unwrap_or_default();
    ts(at)
}
