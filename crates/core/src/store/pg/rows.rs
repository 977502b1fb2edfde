//! How generation and token rows are read from and written to PostgreSQL:
//! the same columns as SQLite's (`GENERATION_COLUMNS`), in PostgreSQL types.
//! Timestamps are written with millisecond precision, as SQLite keeps them,
//! so both stores give back the same values.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::super::StoreError;
use super::super::codec::{Col, json, to_ms};
use super::super::generation_rows::{G, GENERATION_COLUMNS, S, SUMMARY_COLUMNS};
use crate::model::{Deadlines, ErrorKind, Generation, GenerationStatus, GenerationSummary, Token};
use crate::wait::WaitReason;

/// A parameter that can cross to the driver's task.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// The token columns, with `in_flight` computed from the slots in use.
pub(crate) const TOKEN_SELECT: &str = "SELECT t.id, t.label, t.fingerprint, t.active, \
    t.disabled_reason, t.disabled_at, t.last_used_at, t.request_count, t.error_count, \
    t.rate_limited_count, t.cooldown_until, t.max_concurrency, t.created_at, \
    (SELECT count(*) FROM generations g WHERE g.token_id = t.id \
       AND g.status IN ('pending', 'processing')) AS in_flight \
    FROM tokens t";

/// The columns of a summary (SQLite's list, the prompt cut to `PROMPT_EXCERPT_CHARS` characters).
pub(crate) fn summary_columns() -> String {
    SUMMARY_COLUMNS.replace("?PROMPT?", &crate::model::PROMPT_EXCERPT_CHARS.to_string())
}

pub(crate) fn data(col: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Data {
        path: Default::default(),
        reason: format!("column `{col}`: {what}"),
    }
}

pub(crate) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    col: impl Col,
) -> Result<T, StoreError> {
    row.try_get(col.index()).map_err(|e| data(col.name(), e))
}

pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    row: &Row,
    col: impl Col,
) -> Result<T, StoreError> {
    let raw: String = get(row, col)?;
    serde_json::from_str(&raw).map_err(|_| {
        let shown: String = raw.chars().take(80).collect();
        data(col.name(), format!("not the expected JSON: {shown:?}"))
    })
}

fn get_count<T: TryFrom<i64>>(row: &Row, col: impl Col) -> Result<T, StoreError> {
    let v: i64 = get(row, col)?;
    T::try_from(v).map_err(|_| data(col.name(), format!("out of range: {v}")))
}

fn get_secs(row: &Row, col: impl Col) -> Result<Option<u32>, StoreError> {
    get::<Option<i64>>(row, col)?
        .map(|v| u32::try_from(v).map_err(|_| data(col.name(), format!("out of range: {v}"))))
        .transpose()
}

fn status(row: &Row, col: impl Col) -> Result<GenerationStatus, StoreError> {
    let raw: String = get(row, col)?;
    raw.parse().map_err(|e| data("status", e))
}

fn error_kind(row: &Row, col: impl Col) -> Result<Option<ErrorKind>, StoreError> {
    Ok(get::<Option<String>>(row, col)?.map(|s| ErrorKind::parse(&s)))
}

fn progress(row: &Row, col: impl Col) -> Result<Option<u8>, StoreError> {
    Ok(get::<Option<i16>>(row, col)?.map(|p| p.clamp(0, 100) as u8))
}

fn wait(row: &Row, col: impl Col) -> Result<Option<WaitReason>, StoreError> {
    Ok(get::<Option<String>>(row, col)?.map(|t| WaitReason::from_stored(&t)))
}

fn uuid<T: From<uuid::Uuid>>(row: &Row, col: impl Col) -> Result<T, StoreError> {
    get::<uuid::Uuid>(row, col).map(T::from)
}

fn opt_uuid<T: From<uuid::Uuid>>(row: &Row, col: impl Col) -> Result<Option<T>, StoreError> {
    Ok(get::<Option<uuid::Uuid>>(row, col)?.map(T::from))
}

/// Decodes a row selected with `GENERATION_COLUMNS`, by position.
pub(crate) fn generation(row: &Row) -> Result<Generation, StoreError> {
    Ok(Generation {
        id: uuid(row, G::id)?,
        model_name: get(row, G::model_name)?,
        model: get_json(row, G::model)?,
        status: status(row, G::status)?,
        prompt: get(row, G::prompt)?,
        settings: get_json(row, G::settings)?,
        input: get_json(row, G::input)?,
        output_urls: get_json(row, G::output_urls)?,
        output_files: get_json(row, G::output_files)?,
        created_at: get(row, G::created_at)?,
        started_at: get(row, G::started_at)?,
        completed_at: get(row, G::completed_at)?,
        viewed: get(row, G::viewed)?,
        viewed_at: get(row, G::viewed_at)?,
        prediction_id: get(row, G::prediction_id)?,
        token_id: opt_uuid(row, G::token_id)?,
        replicate_status: get(row, G::replicate_status)?,
        error: get(row, G::error)?,
        error_kind: error_kind(row, G::error_kind)?,
        progress: progress(row, G::progress)?,
        priority: get(row, G::priority)?,
        attempts: get_count(row, G::attempts)?,
        next_attempt_at: get(row, G::next_attempt_at)?,
        wait_reason: wait(row, G::wait_reason)?,
        create_sent_at: get(row, G::create_sent_at)?,
        batch_id: opt_uuid(row, G::batch_id)?,
        retried_from: opt_uuid(row, G::retried_from)?,
        updated_at: get(row, G::updated_at)?,
        deadlines: Deadlines {
            start_deadline_secs: get_secs(row, G::start_deadline_secs)?,
            run_deadline_secs: get_secs(row, G::run_deadline_secs)?,
        },
        creator: crate::model::Creator {
            member: get(row, G::created_by)?,
            machine: get(row, G::created_on)?,
        },
    })
}

/// Decodes a row selected with [`summary_columns`], by position.
pub(crate) fn summary(row: &Row) -> Result<GenerationSummary, StoreError> {
    Ok(GenerationSummary {
        id: uuid(row, S::id)?,
        model_name: get(row, S::model_name)?,
        status: status(row, S::status)?,
        created_at: get(row, S::created_at)?,
        output_urls: get_json(row, S::output_urls)?,
        output_files: get_json(row, S::output_files)?,
        prompt_excerpt: get(row, S::prompt_excerpt)?,
        started_at: get(row, S::started_at)?,
        completed_at: get(row, S::completed_at)?,
        viewed: get(row, S::viewed)?,
        progress: progress(row, S::progress)?,
        replicate_status: get(row, S::replicate_status)?,
        error: get(row, S::error)?,
        error_kind: error_kind(row, S::error_kind)?,
        wait_reason: wait(row, S::wait_reason)?,
        next_attempt_at: get(row, S::next_attempt_at)?,
        priority: get(row, S::priority)?,
        batch_id: opt_uuid(row, S::batch_id)?,
        retried_from: opt_uuid(row, S::retried_from)?,
        creator: crate::model::Creator {
            member: get(row, S::created_by)?,
            machine: get(row, S::created_on)?,
        },
    })
}

/// Decodes a row selected with [`TOKEN_SELECT`].
pub(crate) fn token(row: &Row) -> Result<Token, StoreError> {
    Ok(Token {
        id: uuid(row, "id")?,
        label: get(row, "label")?,
        fingerprint: get(row, "fingerprint")?,
        active: get(row, "active")?,
        disabled_reason: get(row, "disabled_reason")?,
        disabled_at: get(row, "disabled_at")?,
        last_used_at: get(row, "last_used_at")?,
        request_count: get_count(row, "request_count")?,
        error_count: get_count(row, "error_count")?,
        rate_limited_count: get_count(row, "rate_limited_count")?,
        cooldown_until: get(row, "cooldown_until")?,
        max_concurrency: get::<i32>(row, "max_concurrency")? as u32,
        in_flight: get_count(row, "in_flight")?,
        created_at: get(row, "created_at")?,
    })
}

fn ms(t: Option<DateTime<Utc>>) -> Param {
    Box::new(t.map(to_ms))
}

/// Every column of `g`, in the order of `GENERATION_COLUMNS`.
pub(crate) fn values(g: &Generation) -> Vec<Param> {
    vec![
        Box::new(uuid::Uuid::from(g.id)),
        Box::new(g.model_name.clone()),
        Box::new(json(&g.model)),
        Box::new(g.status.as_str().to_owned()),
        Box::new(g.prompt.clone()),
        Box::new(json(&g.settings)),
        Box::new(json(&g.input)),
        Box::new(json(&g.output_urls)),
        Box::new(json(&g.output_files)),
        Box::new(to_ms(g.created_at)),
        ms(g.started_at),
        ms(g.completed_at),
        Box::new(g.viewed),
        ms(g.viewed_at),
        Box::new(g.prediction_id.clone()),
        Box::new(g.token_id.map(uuid::Uuid::from)),
        Box::new(g.replicate_status.clone()),
        Box::new(g.error.clone()),
        Box::new(g.error_kind.map(|k| k.as_str().to_owned())),
        Box::new(g.progress.map(i16::from)),
        Box::new(g.priority),
        Box::new(i64::from(g.attempts)),
        ms(g.next_attempt_at),
        Box::new(g.wait_reason.as_ref().map(WaitReason::to_stored)),
        ms(g.create_sent_at),
        Box::new(g.batch_id.map(uuid::Uuid::from)),
        Box::new(g.retried_from.map(uuid::Uuid::from)),
        Box::new(to_ms(g.updated_at)),
        Box::new(g.deadlines.start_deadline_secs.map(i64::from)),
        Box::new(g.deadlines.run_deadline_secs.map(i64::from)),
        Box::new(g.creator.member.clone()),
        Box::new(g.creator.machine.clone()),
    ]
}

fn column_names() -> Vec<&'static str> {
    GENERATION_COLUMNS.split(',').map(str::trim).collect()
}

/// `INSERT` of every column and the prompt's search index, parameters as
/// [`insert_values`].
pub(crate) fn insert_sql() -> String {
    let n = column_names().len();
    let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO generations ({GENERATION_COLUMNS}, prompt_search) VALUES ({}, ${}::text::tsvector)",
        marks.join(", "),
        n + 1
    )
}

/// [`values`] and the prompt's search index (FTS5's tokens, see
/// `store/fts_tokens.rs`): the parameters of [`insert_sql`].
pub(crate) fn insert_values(g: &Generation) -> Vec<Param> {
    let mut v = values(g);
    v.push(Box::new(crate::store::fts_tokens::pg_tsvector(&g.prompt)));
    v
}

/// `UPDATE` of every column but `id` (`$1`) and `created_at`, parameters as [`update_values`].
pub(crate) fn update_sql() -> String {
    let sets: Vec<String> = column_names()
        .into_iter()
        .filter(|c| *c != "created_at")
        .enumerate()
        .filter(|(_, c)| *c != "id")
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!("UPDATE generations SET {} WHERE id = $1", sets.join(", "))
}

/// [`values`] without `created_at`, which never changes.
pub(crate) fn update_values(g: &Generation) -> Vec<Param> {
    let created = column_names()
        .iter()
        .position(|c| *c == "created_at")
        .unwrap_or(9);
    let mut v = values(g);
    v.remove(created);
    v
}

/// The parameters as the driver takes them.
pub(crate) fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}
