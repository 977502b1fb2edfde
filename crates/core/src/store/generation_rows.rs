//! How a generation row is read and written: the column lists, row decoding,
//! inserts and full-row updates, and the counters row.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, ToSql};

use super::StoreError;
use super::codec::{
    get_json, get_opt_ts, get_opt_uuid, get_ts, get_u32, get_u64, get_uuid, json, opt_ts, to_ms,
    ts, uuid_text,
};
use crate::model::{
    Counters, ErrorKind, Generation, GenerationId, GenerationStatus, GenerationSummary,
    NewGeneration,
};
use crate::wait::WaitReason;

/// Every column of `generations`, in the order [`generation_from_row`] expects by name.
pub(crate) const GENERATION_COLUMNS: &str = "id, model_name, model, status, prompt, settings, \
    input, output_urls, output_files, created_at, started_at, completed_at, viewed, viewed_at, \
    prediction_id, token_id, replicate_status, error, error_kind, progress, priority, attempts, \
    next_attempt_at, wait_reason, create_sent_at, batch_id, retried_from, updated_at, \
    start_deadline_secs, run_deadline_secs";

/// The columns a [`GenerationSummary`] needs (no input, the prompt cut to
/// [`PROMPT_EXCERPT_CHARS`](crate::model::PROMPT_EXCERPT_CHARS) characters by SQLite's `substr`, which counts characters).
pub(crate) const SUMMARY_COLUMNS: &str = "id, model_name, status, created_at, output_urls, output_files, \
    substr(prompt, 1, ?PROMPT?) AS prompt_excerpt, started_at, completed_at, viewed, progress, \
    replicate_status, error, error_kind, wait_reason, next_attempt_at, priority, batch_id, \
    retried_from";

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
        wait_reason: wait_from_row(row)?,
        create_sent_at: get_opt_ts(row, "create_sent_at")?,
        batch_id: get_opt_uuid(row, "batch_id")?,
        retried_from: get_opt_uuid(row, "retried_from")?,
        updated_at: get_ts(row, "updated_at")?,
        deadlines: crate::model::Deadlines {
            start_deadline_secs: row.get("start_deadline_secs")?,
            run_deadline_secs: row.get("run_deadline_secs")?,
        },
    })
}

/// `wait_reason`: JSON (a code, a time, a detail), or an older version's sentence.
fn wait_from_row(row: &Row<'_>) -> rusqlite::Result<Option<WaitReason>> {
    Ok(row
        .get::<_, Option<String>>("wait_reason")?
        .map(|t| WaitReason::from_stored(&t)))
}

pub(crate) fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<GenerationSummary> {
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
        wait_reason: wait_from_row(row)?,
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

pub(crate) fn load_many(
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
pub(crate) fn new_row(new: &NewGeneration, now: DateTime<Utc>) -> Result<Generation, StoreError> {
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
        id: GenerationId::new(),
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
        deadlines: new.deadlines,
    })
}

/// Every column of a row as named SQL parameters (`:id`, `:model_name`, …),
/// the one place that says how a [`Generation`] is stored.
fn row_params(g: &Generation) -> Vec<(&'static str, Box<dyn ToSql + '_>)> {
    vec![
        (":id", Box::new(uuid_text(g.id))),
        (":model_name", Box::new(&g.model_name)),
        (":model", Box::new(json(&g.model))),
        (":status", Box::new(g.status.as_str())),
        (":prompt", Box::new(&g.prompt)),
        (":settings", Box::new(json(&g.settings))),
        (":input", Box::new(json(&g.input))),
        (":output_urls", Box::new(json(&g.output_urls))),
        (":output_files", Box::new(json(&g.output_files))),
        (":created_at", Box::new(ts(g.created_at))),
        (":started_at", Box::new(opt_ts(g.started_at))),
        (":completed_at", Box::new(opt_ts(g.completed_at))),
        (":viewed", Box::new(g.viewed)),
        (":viewed_at", Box::new(opt_ts(g.viewed_at))),
        (":prediction_id", Box::new(&g.prediction_id)),
        (":token_id", Box::new(g.token_id.map(uuid_text))),
        (":replicate_status", Box::new(&g.replicate_status)),
        (":error", Box::new(&g.error)),
        (":error_kind", Box::new(g.error_kind.map(ErrorKind::as_str))),
        (":progress", Box::new(g.progress)),
        (":priority", Box::new(g.priority)),
        (":attempts", Box::new(g.attempts)),
        (":next_attempt_at", Box::new(opt_ts(g.next_attempt_at))),
        (
            ":wait_reason",
            Box::new(g.wait_reason.as_ref().map(WaitReason::to_stored)),
        ),
        (":create_sent_at", Box::new(opt_ts(g.create_sent_at))),
        (":batch_id", Box::new(g.batch_id.map(uuid_text))),
        (":retried_from", Box::new(g.retried_from.map(uuid_text))),
        (":updated_at", Box::new(ts(g.updated_at))),
        (
            ":start_deadline_secs",
            Box::new(g.deadlines.start_deadline_secs),
        ),
        (
            ":run_deadline_secs",
            Box::new(g.deadlines.run_deadline_secs),
        ),
    ]
}

/// Binds `params` but the ones named in `skip` and runs `stmt`.
fn execute_with(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: &[(&'static str, Box<dyn ToSql + '_>)],
    skip: &[&str],
) -> Result<(), StoreError> {
    let bound: Vec<(&str, &dyn ToSql)> = params
        .iter()
        .filter(|(name, _)| !skip.contains(name))
        .map(|(name, value)| (*name, value.as_ref() as &dyn ToSql))
        .collect();
    stmt.execute(bound.as_slice())?;
    Ok(())
}

/// Inserts a new row.
pub(crate) fn insert_row(conn: &Connection, g: &Generation) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO generations ({GENERATION_COLUMNS}) VALUES (:id, :model_name, :model, \
         :status, :prompt, :settings, :input, :output_urls, :output_files, :created_at, \
         :started_at, :completed_at, :viewed, :viewed_at, :prediction_id, :token_id, \
         :replicate_status, :error, :error_kind, :progress, :priority, :attempts, \
         :next_attempt_at, :wait_reason, :create_sent_at, :batch_id, :retried_from, :updated_at, \
         :start_deadline_secs, :run_deadline_secs)"
    );
    execute_with(&mut conn.prepare_cached(&sql)?, &row_params(g), &[])
}

/// Writes every column but `id` and `created_at`.
pub(crate) fn write_row(conn: &Connection, g: &Generation) -> Result<(), StoreError> {
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
         updated_at = :updated_at, start_deadline_secs = :start_deadline_secs, \
         run_deadline_secs = :run_deadline_secs WHERE id = :id",
    )?;
    execute_with(&mut stmt, &row_params(g), &[":created_at"])
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
