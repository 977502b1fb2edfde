//! How a generation row is read and written: the column lists, row decoding,
//! inserts and full-row updates, and the counters row.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, ToSql};

use super::StoreError;
use super::codec::{
    Col, get_json, get_opt_ts, get_opt_uuid, get_ts, get_u32, get_u64, get_uuid, json, opt_ts,
    to_ms, ts, uuid_text,
};
use crate::model::{
    Counters, ErrorKind, Generation, GenerationId, GenerationStatus, GenerationSummary,
    NewGeneration,
};
use crate::wait::WaitReason;

/// Declares a select list once: `$list`, the SQL text (`a, b, expr AS c`), and `$enum`,
/// one variant per column in that order, so a reader reads column `$enum::a` by its
/// position (no lookup by name) and the two cannot drift apart.
macro_rules! column_list {
    (@sql $col:ident) => { stringify!($col) };
    (@sql $col:ident = $sql:literal) => { $sql };
    ($(#[$doc:meta])* $list:ident, $enum:ident:
        $first:ident $(= $fsql:literal)? $(, $col:ident $(= $sql:literal)?)* $(,)?) => {
        $(#[$doc])*
        pub(crate) const $list: &str =
            concat!(column_list!(@sql $first $(= $fsql)?) $(, ", ", column_list!(@sql $col $(= $sql)?))*);

        /// The columns of
        #[doc = concat!("[`", stringify!($list), "`]")]
        /// by position.
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone, Copy, Debug)]
        pub(crate) enum $enum { $first $(, $col)* }

        impl $enum {
            /// The names the driver reports for the columns, in order.
            #[allow(dead_code)]
            pub(crate) const NAMES: &[&str] = &[stringify!($first) $(, stringify!($col))*];
        }

        impl Col for $enum {
            type Index = usize;
            fn index(self) -> usize {
                self as usize
            }
            fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }
        }
    };
}

column_list! {
    /// Every column of `generations`, in the order [`generation_from_row`] reads by position ([`G`]).
    GENERATION_COLUMNS, G:
    id, model_name, model, status, prompt, settings, input, output_urls, output_files,
    created_at, started_at, completed_at, viewed, viewed_at, prediction_id, token_id,
    replicate_status, error, error_kind, progress, priority, attempts, next_attempt_at,
    wait_reason, create_sent_at, batch_id, retried_from, updated_at, start_deadline_secs,
    run_deadline_secs, created_by, created_on
}

column_list! {
    /// The columns a [`GenerationSummary`] needs (no input, the prompt cut to
    /// [`PROMPT_EXCERPT_CHARS`](crate::model::PROMPT_EXCERPT_CHARS) characters by SQLite's `substr`,
    /// which counts characters; `?PROMPT?` is replaced by that number), read by position ([`S`]).
    SUMMARY_COLUMNS, S:
    id, model_name, status, created_at, output_urls, output_files,
    prompt_excerpt = "substr(prompt, 1, ?PROMPT?) AS prompt_excerpt", started_at, completed_at,
    viewed, progress, replicate_status, error, error_kind, wait_reason, next_attempt_at, priority,
    batch_id, retried_from, created_by, created_on
}

fn status_from_row(row: &Row<'_>, col: impl Col) -> rusqlite::Result<GenerationStatus> {
    let raw: String = row.get(col.index())?;
    raw.parse().map_err(|e: crate::model::UnknownStatus| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn error_kind_from_row(row: &Row<'_>, col: impl Col) -> rusqlite::Result<Option<ErrorKind>> {
    Ok(row
        .get::<_, Option<String>>(col.index())?
        .map(|s| ErrorKind::parse(&s)))
}

fn progress_from_row(row: &Row<'_>, col: impl Col) -> rusqlite::Result<Option<u8>> {
    Ok(row
        .get::<_, Option<i64>>(col.index())?
        .map(|p| p.clamp(0, 100) as u8))
}

/// Decodes a row selected with [`GENERATION_COLUMNS`].
pub(crate) fn generation_from_row(row: &Row<'_>) -> rusqlite::Result<Generation> {
    Ok(Generation {
        id: get_uuid(row, G::id)?,
        model_name: row.get(G::model_name as usize)?,
        model: get_json(row, G::model)?,
        status: status_from_row(row, G::status)?,
        prompt: row.get(G::prompt as usize)?,
        settings: get_json(row, G::settings)?,
        input: get_json(row, G::input)?,
        output_urls: get_json(row, G::output_urls)?,
        output_files: get_json(row, G::output_files)?,
        created_at: get_ts(row, G::created_at)?,
        started_at: get_opt_ts(row, G::started_at)?,
        completed_at: get_opt_ts(row, G::completed_at)?,
        viewed: row.get(G::viewed as usize)?,
        viewed_at: get_opt_ts(row, G::viewed_at)?,
        prediction_id: row.get(G::prediction_id as usize)?,
        token_id: get_opt_uuid(row, G::token_id)?,
        replicate_status: row.get(G::replicate_status as usize)?,
        error: row.get(G::error as usize)?,
        error_kind: error_kind_from_row(row, G::error_kind)?,
        progress: progress_from_row(row, G::progress)?,
        priority: row.get(G::priority as usize)?,
        attempts: get_u32(row, G::attempts)?,
        next_attempt_at: get_opt_ts(row, G::next_attempt_at)?,
        wait_reason: wait_from_row(row, G::wait_reason)?,
        create_sent_at: get_opt_ts(row, G::create_sent_at)?,
        batch_id: get_opt_uuid(row, G::batch_id)?,
        retried_from: get_opt_uuid(row, G::retried_from)?,
        updated_at: get_ts(row, G::updated_at)?,
        deadlines: crate::model::Deadlines {
            start_deadline_secs: row.get(G::start_deadline_secs as usize)?,
            run_deadline_secs: row.get(G::run_deadline_secs as usize)?,
        },
        creator: crate::model::Creator {
            member: row.get(G::created_by as usize)?,
            machine: row.get(G::created_on as usize)?,
        },
    })
}

/// `wait_reason`: JSON (a code, a time, a detail), or an older version's sentence.
fn wait_from_row(row: &Row<'_>, col: impl Col) -> rusqlite::Result<Option<WaitReason>> {
    Ok(row
        .get::<_, Option<String>>(col.index())?
        .map(|t| WaitReason::from_stored(&t)))
}

pub(crate) fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<GenerationSummary> {
    Ok(GenerationSummary {
        id: get_uuid(row, S::id)?,
        model_name: row.get(S::model_name as usize)?,
        status: status_from_row(row, S::status)?,
        created_at: get_ts(row, S::created_at)?,
        output_urls: get_json(row, S::output_urls)?,
        output_files: get_json(row, S::output_files)?,
        prompt_excerpt: row.get(S::prompt_excerpt as usize)?,
        started_at: get_opt_ts(row, S::started_at)?,
        completed_at: get_opt_ts(row, S::completed_at)?,
        viewed: row.get(S::viewed as usize)?,
        progress: progress_from_row(row, S::progress)?,
        replicate_status: row.get(S::replicate_status as usize)?,
        error: row.get(S::error as usize)?,
        error_kind: error_kind_from_row(row, S::error_kind)?,
        wait_reason: wait_from_row(row, S::wait_reason)?,
        next_attempt_at: get_opt_ts(row, S::next_attempt_at)?,
        priority: row.get(S::priority as usize)?,
        batch_id: get_opt_uuid(row, S::batch_id)?,
        retried_from: get_opt_uuid(row, S::retried_from)?,
        creator: crate::model::Creator {
            member: row.get(S::created_by as usize)?,
            machine: row.get(S::created_on as usize)?,
        },
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
        creator: new.creator.clone(),
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
        (":created_by", Box::new(&g.creator.member)),
        (":created_on", Box::new(&g.creator.machine)),
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
         :start_deadline_secs, :run_deadline_secs, :created_by, :created_on)"
    );
    execute_with(&mut conn.prepare_cached(&sql)?, &row_params(g), &[])
}

/// Writes every column but `id`, `created_at` and the creator (none ever change).
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
    execute_with(
        &mut stmt,
        &row_params(g),
        &[":created_at", ":created_by", ":created_on"],
    )
}

/// Reads the counters row (kept exact by triggers; O(1)).
pub(crate) fn read_counters(conn: &Connection) -> Result<Counters, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT pending, processing, completed, failed, cancelled, unviewed, seq \
             FROM counters WHERE id = 1",
        )?
        .query_row([], counters_from_row)?)
}

/// [`Counters`] from a row with the columns `pending`, `processing`,
/// `completed`, `failed`, `cancelled`, `unviewed` and `seq`.
pub(crate) fn counters_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Counters> {
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
}
