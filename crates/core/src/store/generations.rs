//! Generation rows: queueing, lists, counters, and the engine's write path
//! ([`Store::update_generation`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, named_params, params_from_iter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codec::{
    get_json, get_opt_ts, get_opt_uuid, get_ts, get_u32, get_u64, get_uuid, json, opt_ts, to_ms,
    ts, uuid_text,
};
use super::{Store, StoreError};
use crate::model::{
    Counters, ErrorKind, Generation, GenerationId, GenerationStatus, GenerationSummary,
    NewGeneration, PROMPT_EXCERPT_CHARS,
};

/// Every column of `generations`, in the order [`generation_from_row`] expects by name.
pub(crate) const GENERATION_COLUMNS: &str = "id, model_name, model, status, prompt, settings, \
    input, output_urls, output_files, created_at, started_at, completed_at, viewed, viewed_at, \
    prediction_id, token_id, replicate_status, error, error_kind, progress, priority, attempts, \
    next_attempt_at, wait_reason, create_sent_at, batch_id, retried_from, updated_at";

/// The columns a [`GenerationSummary`] needs (no input, the prompt cut to
/// [`PROMPT_EXCERPT_CHARS`] characters by SQLite's `substr`, which counts characters).
const SUMMARY_COLUMNS: &str = "id, model_name, status, created_at, output_urls, output_files, \
    substr(prompt, 1, ?PROMPT?) AS prompt_excerpt, started_at, completed_at, viewed, progress, \
    replicate_status, error, error_kind, wait_reason, next_attempt_at, priority, batch_id, \
    retried_from";

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
            before: None,
        }
    }
}

fn status_from_row(row: &Row<'_>) -> rusqlite::Result<GenerationStatus> {
    let raw: String = row.get("status")?;
    raw.parse().map_err(|e: crate::model::UnknownStatus| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn error_kind_from_row(row: &Row<'_>) -> rusqlite::Result<Option<ErrorKind>> {
    Ok(row
        .get::<_, Option<String>>("error_kind")?
        .map(|s| ErrorKind::parse(&s)))
}

fn progress_from_row(row: &Row<'_>) -> rusqlite::Result<Option<u8>> {
    Ok(row
        .get::<_, Option<i64>>("progress")?
        .map(|p| p.clamp(0, 100) as u8))
}

/// Decodes a row selected with [`GENERATION_COLUMNS`].
pub(crate) fn generation_from_row(row: &Row<'_>) -> rusqlite::Result<Generation> {
    Ok(Generation {
        id: get_uuid(row, "id")?,
        model_name: row.get("model_name")?,
        model: get_json(row, "model")?,
        status: status_from_row(row)?,
        prompt: row.get("prompt")?,
        settings: get_json(row, "settings")?,
        input: get_json(row, "input")?,
        output_urls: get_json(row, "output_urls")?,
        output_files: get_json(row, "output_files")?,
        created_at: get_ts(row, "created_at")?,
        started_at: get_opt_ts(row, "started_at")?,
        completed_at: get_opt_ts(row, "completed_at")?,
        viewed: row.get("viewed")?,
        viewed_at: get_opt_ts(row, "viewed_at")?,
        prediction_id: row.get("prediction_id")?,
        token_id: get_opt_uuid(row, "token_id")?,
        replicate_status: row.get("replicate_status")?,
        error: row.get("error")?,
        error_kind: error_kind_from_row(row)?,
        progress: progress_from_row(row)?,
        priority: row.get("priority")?,
        attempts: get_u32(row, "attempts")?,
        next_attempt_at: get_opt_ts(row, "next_attempt_at")?,
        wait_reason: row.get("wait_reason")?,
        create_sent_at: get_opt_ts(row, "create_sent_at")?,
        batch_id: get_opt_uuid(row, "batch_id")?,
        retried_from: get_opt_uuid(row, "retried_from")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<GenerationSummary> {
    Ok(GenerationSummary {
        id: get_uuid(row, "id")?,
        model_name: row.get("model_name")?,
        status: status_from_row(row)?,
        created_at: get_ts(row, "created_at")?,
        output_urls: get_json(row, "output_urls")?,
        output_files: get_json(row, "output_files")?,
        prompt_excerpt: row.get("prompt_excerpt")?,
        started_at: get_opt_ts(row, "started_at")?,
        completed_at: get_opt_ts(row, "completed_at")?,
        viewed: row.get("viewed")?,
        progress: progress_from_row(row)?,
        replicate_status: row.get("replicate_status")?,
        error: row.get("error")?,
        error_kind: error_kind_from_row(row)?,
        wait_reason: row.get("wait_reason")?,
        next_attempt_at: get_opt_ts(row, "next_attempt_at")?,
        priority: row.get("priority")?,
        batch_id: get_opt_uuid(row, "batch_id")?,
        retried_from: get_opt_uuid(row, "retried_from")?,
    })
}

/// Loads one generation.
pub(crate) fn load(conn: &Connection, id: GenerationId) -> Result<Option<Generation>, StoreError> {
    let sql = format!("SELECT {GENERATION_COLUMNS} FROM generations WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([uuid_text(id)], generation_from_row)
        .optional()?)
}

fn load_many(
    conn: &Connection,
    where_order_limit: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Generation>, StoreError> {
    let sql = format!("SELECT {GENERATION_COLUMNS} FROM generations {where_order_limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, generation_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The row a new generation starts as.
fn new_row(new: &NewGeneration, now: DateTime<Utc>) -> Result<Generation, StoreError> {
    let settings = match &new.input {
        serde_json::Value::Object(map) => {
            let mut map = map.clone();
            map.remove("prompt");
            serde_json::Value::Object(map)
        }
        _ => {
            return Err(StoreError::Invalid(
                "the input of a generation must be a JSON object (Replicate's `input`)".into(),
            ));
        }
    };
    let now = to_ms(now);
    Ok(Generation {
        id: Uuid::now_v7(),
        model_name: new.model.name_path(),
        model: new.model.clone(),
        status: GenerationStatus::Pending,
        prompt: new.prompt.clone(),
        settings,
        input: new.input.clone(),
        output_urls: Vec::new(),
        output_files: Vec::new(),
        created_at: now,
        started_at: None,
        completed_at: None,
        viewed: false,
        viewed_at: None,
        prediction_id: None,
        token_id: None,
        replicate_status: None,
        error: None,
        error_kind: None,
        progress: None,
        priority: new.priority,
        attempts: 0,
        next_attempt_at: None,
        wait_reason: None,
        create_sent_at: None,
        batch_id: new.batch_id,
        retried_from: new.retried_from,
        updated_at: now,
    })
}

fn insert_row(conn: &Connection, g: &Generation) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO generations ({GENERATION_COLUMNS}) VALUES (:id, :model_name, :model, \
         :status, :prompt, :settings, :input, :output_urls, :output_files, :created_at, \
         :started_at, :completed_at, :viewed, :viewed_at, :prediction_id, :token_id, \
         :replicate_status, :error, :error_kind, :progress, :priority, :attempts, \
         :next_attempt_at, :wait_reason, :create_sent_at, :batch_id, :retried_from, :updated_at)"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.execute(named_params! {
        ":id": uuid_text(g.id),
        ":model_name": g.model_name,
        ":model": json(&g.model),
        ":status": g.status.as_str(),
        ":prompt": g.prompt,
        ":settings": json(&g.settings),
        ":input": json(&g.input),
        ":output_urls": json(&g.output_urls),
        ":output_files": json(&g.output_files),
        ":created_at": ts(g.created_at),
        ":started_at": opt_ts(g.started_at),
        ":completed_at": opt_ts(g.completed_at),
        ":viewed": g.viewed,
        ":viewed_at": opt_ts(g.viewed_at),
        ":prediction_id": g.prediction_id,
        ":token_id": g.token_id.map(uuid_text),
        ":replicate_status": g.replicate_status,
        ":error": g.error,
        ":error_kind": g.error_kind.map(ErrorKind::as_str),
        ":progress": g.progress,
        ":priority": g.priority,
        ":attempts": g.attempts,
        ":next_attempt_at": opt_ts(g.next_attempt_at),
        ":wait_reason": g.wait_reason,
        ":create_sent_at": opt_ts(g.create_sent_at),
        ":batch_id": g.batch_id.map(uuid_text),
        ":retried_from": g.retried_from.map(uuid_text),
        ":updated_at": ts(g.updated_at),
    })?;
    Ok(())
}

/// Writes every column but `id` and `created_at`.
fn write_row(conn: &Connection, g: &Generation) -> Result<(), StoreError> {
    if g.progress.is_some_and(|p| p > 100) {
        return Err(StoreError::Invalid(format!(
            "progress must be 0–100, not {}",
            g.progress.unwrap_or_default()
        )));
    }
    let mut stmt = conn.prepare_cached(
        "UPDATE generations SET model_name = :model_name, model = :model, status = :status, \
         prompt = :prompt, settings = :settings, input = :input, output_urls = :output_urls, \
         output_files = :output_files, started_at = :started_at, completed_at = :completed_at, \
         viewed = :viewed, viewed_at = :viewed_at, prediction_id = :prediction_id, \
         token_id = :token_id, replicate_status = :replicate_status, error = :error, \
         error_kind = :error_kind, progress = :progress, priority = :priority, \
         attempts = :attempts, next_attempt_at = :next_attempt_at, wait_reason = :wait_reason, \
         create_sent_at = :create_sent_at, batch_id = :batch_id, retried_from = :retried_from, \
         updated_at = :updated_at WHERE id = :id",
    )?;
    stmt.execute(named_params! {
        ":id": uuid_text(g.id),
        ":model_name": g.model_name,
        ":model": json(&g.model),
        ":status": g.status.as_str(),
        ":prompt": g.prompt,
        ":settings": json(&g.settings),
        ":input": json(&g.input),
        ":output_urls": json(&g.output_urls),
        ":output_files": json(&g.output_files),
        ":started_at": opt_ts(g.started_at),
        ":completed_at": opt_ts(g.completed_at),
        ":viewed": g.viewed,
        ":viewed_at": opt_ts(g.viewed_at),
        ":prediction_id": g.prediction_id,
        ":token_id": g.token_id.map(uuid_text),
        ":replicate_status": g.replicate_status,
        ":error": g.error,
        ":error_kind": g.error_kind.map(ErrorKind::as_str),
        ":progress": g.progress,
        ":priority": g.priority,
        ":attempts": g.attempts,
        ":next_attempt_at": opt_ts(g.next_attempt_at),
        ":wait_reason": g.wait_reason,
        ":create_sent_at": opt_ts(g.create_sent_at),
        ":batch_id": g.batch_id.map(uuid_text),
        ":retried_from": g.retried_from.map(uuid_text),
        ":updated_at": ts(g.updated_at),
    })?;
    Ok(())
}

/// Reads the counters row (kept exact by triggers; O(1)).
pub(crate) fn read_counters(conn: &Connection) -> Result<Counters, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT pending, processing, completed, failed, cancelled, unviewed, seq \
             FROM counters WHERE id = 1",
        )?
        .query_row([], |r| {
            let pending = get_u64(r, "pending")?;
            let processing = get_u64(r, "processing")?;
            Ok(Counters {
                active: pending + processing,
                unviewed: get_u64(r, "unviewed")?,
                pending,
                processing,
                completed: get_u64(r, "completed")?,
                failed: get_u64(r, "failed")?,
                cancelled: get_u64(r, "cancelled")?,
                seq: get_u64(r, "seq")?,
            })
        })?)
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
            if let Some(before) = q.before {
                let created: Option<String> = conn
                    .prepare_cached("SELECT created_at FROM generations WHERE id = ?1")?
                    .query_row([uuid_text(before)], |r| r.get(0))
                    .optional()?;
                let created = created.unwrap_or_else(|| uuid_v7_time(before));
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

    /// Marks every unviewed generation viewed; returns the ids that changed.
    pub fn mark_all_viewed(&self, now: DateTime<Utc>) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE generations SET viewed = 1, viewed_at = ?1, updated_at = ?1 \
                 WHERE viewed = 0 RETURNING id",
            )?;
            let ids = stmt.query_map([ts(now)], |r| get_uuid(r, "id"))?;
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
            load_many(
                conn,
                "WHERE status = 'pending' AND token_id IS NULL \
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

    /// What a restart must resume or reconcile, oldest first: every generation
    /// processing, and every pending one holding a token (a create claimed or
    /// sent whose answer was not stored; see `create_sent_at`).
    pub fn in_flight(&self) -> Result<Vec<Generation>, StoreError> {
        self.with_conn(|conn| {
            load_many(
                conn,
                "WHERE status IN ('pending', 'processing') \
                 AND (status = 'processing' OR token_id IS NOT NULL) \
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
