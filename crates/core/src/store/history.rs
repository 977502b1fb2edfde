//! The history page: every generation, newest first, filtered by status,
//! model, date and words of the prompt (SQLite FTS5), paged by cursor; the
//! distinct models; recent running times per model; and the deletions behind
//! "Clear finished" and the retention setting.
//!
//! Each page is answered from index ranges of at most one page each (or from
//! a small FTS5 match set), whatever the number of rows: [`Store::history`]
//! names the index for each filter instead of leaving the choice to SQLite's
//! planner, which has no statistics to choose with.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use super::codec::{get_opt_ts, get_uuid, ts, uuid_text};
use super::generation_rows::{SUMMARY_COLUMNS, summary_from_row};
use super::{Store, StoreError};
use crate::model::{GenerationId, GenerationStatus, GenerationSummary, PROMPT_EXCERPT_CHARS};

/// Page size of [`HistoryQuery`] when the caller gives none.
pub const DEFAULT_HISTORY_LIMIT: u32 = 100;
/// Largest page [`Store::history`] returns.
pub const MAX_HISTORY_LIMIT: u32 = 500;
/// Completed generations per model that [`Store::run_time_stats`] looks at.
pub const RUN_TIME_SAMPLES: usize = 20;

/// With at most this many prompts matching the search, the page is read
/// from the match set and sorted; with more, the newest-first index is walked
/// and each row checked against the match set (it fills a page quickly).
const FTS_SORT_MAX: i64 = 4000;
/// What the history page asks for. Every filter is optional; they combine with AND.
///
/// JSON: `{text, statuses, model, from, to, before, limit}`; missing fields take
/// their defaults (no filter, `limit` 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryQuery {
    /// Words to find in prompts (FTS5, case- and accent-insensitive). Every
    /// word must appear, each as a word or the start of one (`ligh` finds
    /// "lighthouse"). Quotes, `*`, `-`, `:` and FTS5 keywords are plain text
    /// here: the words are quoted before they reach FTS5. `null`, empty or
    /// punctuation only: no text filter.
    pub text: Option<String>,
    /// Only these statuses; empty means all.
    pub statuses: Vec<GenerationStatus>,
    /// Only this model (`owner/name`, as in `model_name`).
    pub model: Option<String>,
    /// Created at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Created strictly before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only generations this member created (`creator.member`); `null`: everyone's.
    pub created_by: Option<String>,
    /// Cursor: the id of the last item shown; the page holds the items after
    /// it. If it was deleted meanwhile, its UUID v7 time stands in.
    pub before: Option<GenerationId>,
    /// Page size: default 100, at most 500 ([`DEFAULT_HISTORY_LIMIT`], [`MAX_HISTORY_LIMIT`]); 0 means the default.
    pub limit: u32,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        HistoryQuery {
            text: None,
            statuses: Vec::new(),
            model: None,
            from: None,
            to: None,
            created_by: None,
            before: None,
            limit: DEFAULT_HISTORY_LIMIT,
        }
    }
}

/// One page of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryPage {
    /// Newest first (`created_at` descending, then id descending).
    pub items: Vec<GenerationSummary>,
    /// The cursor of the next page (the last item's id), or `null` when this
    /// page is the last.
    pub next_before: Option<GenerationId>,
}

/// A model's recent running time, for ETAs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelRunTime {
    /// `owner/name`.
    pub model_name: String,
    /// Median of `completed_at - started_at`, in seconds, over the samples.
    pub median_seconds: f64,
    /// Completed generations measured (at most [`RUN_TIME_SAMPLES`], the latest).
    pub samples: u32,
}

/// A deleted generation's id and saved files (as stored in `output_files`),
/// for the caller to remove the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedRow {
    pub id: GenerationId,
    pub output_files: Vec<String>,
}

/// Turns what a person typed into a safe FTS5 query: each whitespace-separated
/// word becomes a quoted string with a prefix star (`"ligh"*`), inner quotes
/// doubled, so no character of the input is FTS5 syntax. Words without a
/// letter or digit (which the tokenizer would drop anyway) are left out.
/// `None` when nothing searchable remains.
pub fn fts_query(text: &str) -> Option<String> {
    // Control characters (NUL included) end an FTS5 string early: they become spaces.
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The index that holds one status's rows newest first.
fn status_index(s: GenerationStatus) -> &'static str {
    match s {
        GenerationStatus::Completed => "generations_completed_newest",
        GenerationStatus::Failed => "generations_failed_newest",
        GenerationStatus::Cancelled => "generations_cancelled_newest",
        // (status, created_at): the few rows with equal times are sorted by id.
        GenerationStatus::Pending | GenerationStatus::Processing => "generations_active",
    }
}

/// A WHERE clause under construction, with its parameters.
#[derive(Clone, Default)]
struct Where {
    terms: Vec<String>,
    params: Vec<Value>,
}

impl Where {
    fn push(&mut self, term: impl Into<String>, params: impl IntoIterator<Item = Value>) {
        self.terms.push(term.into());
        self.params.extend(params);
    }
    fn sql(&self) -> String {
        if self.terms.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.terms.join(" AND "))
        }
    }
}

/// The statuses `q` keeps, sorted; empty when it keeps all of them.
fn status_filter(q: &HistoryQuery) -> Vec<GenerationStatus> {
    let mut statuses = q.statuses.clone();
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    // All five statuses is no filter.
    if statuses.len() == GenerationStatus::ALL.len() {
        statuses.clear();
    }
    statuses
}

/// Every filter of `q` but the cursor (search, statuses, model, dates) as a
/// WHERE over `generations` without index hints: the few-matches page and
/// the filter's total cost ([`Store::history_spend`]) read the same rows.
fn filter_where(q: &HistoryQuery) -> Where {
    let mut w = Where::default();
    if let Some(m) = q.text.as_deref().and_then(fts_query) {
        w.push(FTS_SET, [m.into()]);
    }
    if let Some(from) = q.from {
        w.push("created_at >= ?", [ts(from).into()]);
    }
    if let Some(to) = q.to {
        w.push("created_at < ?", [ts(to).into()]);
    }
    let statuses = status_filter(q);
    if !statuses.is_empty() {
        let marks = vec!["?"; statuses.len()].join(", ");
        w.push(
            format!("+status IN ({marks})"),
            statuses.iter().map(|s| Value::from(s.as_str().to_owned())),
        );
    }
    if let Some(model) = &q.model {
        w.push("+model_name = ?", [model.clone().into()]);
    }
    if let Some(member) = &q.created_by {
        w.push("+created_by = ?", [member.clone().into()]);
    }
    w
}

/// [`filter_where`] as SQL text (` WHERE …`, or empty) and its parameters.
pub(super) fn filter_sql(q: &HistoryQuery) -> (String, Vec<Value>) {
    let w = filter_where(q);
    (w.sql(), w.params)
}

const FTS_SET: &str = "rowid IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?)";
const NEWEST: &str = " ORDER BY created_at DESC, id DESC LIMIT ?";
/// First chunk of the walk that checks many search matches against an
/// index range; each next chunk doubles, up to [`WALK_CHUNK_MAX`].
const WALK_CHUNK_MIN: usize = 256;
const WALK_CHUNK_MAX: usize = 8192;

/// The filters of a page other than the search, and the index that reads them.
struct Plan<'a> {
    statuses: &'a [GenerationStatus],
    model: Option<&'a str>,
    /// Only this member's generations.
    created_by: Option<&'a str>,
    /// `created_at` bounds (`from` inclusive, `to` exclusive), as stored text.
    from: Option<String>,
    to: Option<String>,
}

impl Plan<'_> {
    /// `SELECT <select> … ORDER BY created_at DESC, id DESC LIMIT ?` over the
    /// rows after `after` (a `(created_at, id)` cursor) that pass the
    /// filters, plus `extra` terms; read from the index that suits the filters:
    /// each status's own index (merged), else the model's, else the newest.
    fn sql(
        &self,
        select: &str,
        after: Option<&(String, String)>,
        extra: &Where,
        limit: usize,
    ) -> (String, Vec<Value>) {
        let mut common = Where::default();
        if let Some(from) = &self.from {
            common.push("created_at >= ?", [from.clone().into()]);
        }
        if let Some(to) = &self.to {
            common.push("created_at < ?", [to.clone().into()]);
        }
        if let Some(member) = self.created_by {
            // `+`: a filter on the rows the chosen index gives, not an index.
            common.push("+created_by = ?", [member.to_owned().into()]);
        }
        if let Some((c, id)) = after {
            common.push(
                "(created_at, id) < (?, ?)",
                [c.clone().into(), id.clone().into()],
            );
        }
        common.terms.extend(extra.terms.iter().cloned());
        common.params.extend(extra.params.iter().cloned());
        let fetch = Value::from(limit as i64);
        if self.statuses.is_empty() {
            let mut w = common;
            let index = match self.model {
                Some(m) => {
                    w.push("model_name = ?", [m.to_owned().into()]);
                    "generations_model_newest"
                }
                None => "generations_newest",
            };
            let sql = format!(
                "SELECT {select} FROM generations INDEXED BY {index}{}{NEWEST}",
                w.sql()
            );
            let mut p = w.params;
            p.push(fetch);
            return (sql, p);
        }
        let mut parts = Vec::new();
        let mut p = Vec::new();
        for s in self.statuses {
            let mut w = common.clone();
            // A literal, not a parameter: only then can SQLite use a partial index.
            w.push(format!("status = '{}'", s.as_str()), []);
            if s.is_active() {
                // SQLite sees that a query fits a partial index only when it
                // repeats the index's own WHERE term.
                w.push("status IN ('pending', 'processing')", []);
            }
            if let Some(m) = self.model {
                w.push("+model_name = ?", [m.to_owned().into()]);
            }
            parts.push(format!(
                "SELECT * FROM (SELECT {select} FROM generations INDEXED BY {}{}{NEWEST})",
                status_index(*s),
                w.sql()
            ));
            p.extend(w.params);
            p.push(fetch.clone());
        }
        p.push(fetch);
        (format!("{}{NEWEST}", parts.join(" UNION ALL ")), p)
    }
}

impl Store {
    /// One page of the history (see [`HistoryQuery`]); fast at any size.
    ///
    /// How each page is read (SQLite's planner has no statistics to choose with):
    /// - no search: one or more statuses read each status's own newest-first
    ///   index range (at most a page each), merged; a model, its index range;
    ///   otherwise the newest-first index;
    /// - a search matching few prompts (under 4,000): those rows by rowid,
    ///   filtered and sorted;
    /// - a search matching many: the same index ranges as without a search,
    ///   walked in growing chunks (rowid, time and id only, from the index);
    ///   each chunk keeps the rows FTS5 matches within the chunk's rowid
    ///   range, until a page is full. Many matches fill a page in a chunk or two.
    pub fn history(&self, q: &HistoryQuery) -> Result<HistoryPage, StoreError> {
        let limit = match q.limit {
            0 => DEFAULT_HISTORY_LIMIT,
            n => n.min(MAX_HISTORY_LIMIT),
        } as usize;
        let fts = q.text.as_deref().and_then(fts_query);
        let statuses = status_filter(q);
        let plan = Plan {
            statuses: &statuses,
            model: q.model.as_deref(),
            created_by: q.created_by.as_deref(),
            from: q.from.map(ts),
            to: q.to.map(ts),
        };
        let cols = SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string());
        self.with_reader(|conn| {
            let before = match q.before {
                Some(id) => Some((cursor_time(conn, id)?, uuid_text(id))),
                None => None,
            };
            let mut items: Vec<GenerationSummary> = match &fts {
                None => {
                    let (sql, params) =
                        plan.sql(&cols, before.as_ref(), &Where::default(), limit + 1);
                    let mut stmt = conn.prepare_cached(&sql)?;
                    stmt.query_map(params_from_iter(params), summary_from_row)?
                        .collect::<Result<_, _>>()?
                }
                Some(m) if count_matches(conn, m, FTS_SORT_MAX)? < FTS_SORT_MAX => {
                    // Few matches: read them by rowid, filter, sort.
                    let mut w = filter_where(q);
                    if let Some((c, id)) = &before {
                        w.push(
                            "(created_at, id) < (?, ?)",
                            [c.clone().into(), id.clone().into()],
                        );
                    }
                    let sql = format!(
                        "SELECT {cols} FROM generations NOT INDEXED{}{NEWEST}",
                        w.sql()
                    );
                    let mut params = w.params;
                    params.push((limit as i64 + 1).into());
                    let mut stmt = conn.prepare_cached(&sql)?;
                    stmt.query_map(params_from_iter(params), summary_from_row)?
                        .collect::<Result<_, _>>()?
                }
                Some(m) => {
                    let rowids = walk_matches(conn, &plan, m, before, limit + 1)?;
                    let mut stmt = conn.prepare_cached(&format!(
                        "SELECT {cols} FROM generations WHERE rowid = ?1"
                    ))?;
                    rowids
                        .into_iter()
                        .map(|r| stmt.query_row([r], summary_from_row))
                        .collect::<Result<_, _>>()?
                }
            };
            let next_before = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|g| g.id)
            } else {
                None
            };
            Ok(HistoryPage { items, next_before })
        })
    }

    /// The distinct `model_name` values (`owner/name`), sorted; one index
    /// seek per model, not a scan.
    pub fn history_models(&self) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "WITH RECURSIVE m(name) AS ( \
                   SELECT min(model_name) FROM generations \
                   UNION ALL \
                   SELECT (SELECT min(model_name) FROM generations WHERE model_name > m.name) \
                   FROM m WHERE m.name IS NOT NULL) \
                 SELECT name FROM m WHERE name IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Per model, the median running time (`completed_at - started_at`) of its
    /// last [`RUN_TIME_SAMPLES`] completed generations (by `completed_at`).
    /// Models without a measurable completed generation are left out.
    pub fn run_time_stats(&self) -> Result<Vec<ModelRunTime>, StoreError> {
        let models = self.history_models()?;
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT started_at, completed_at FROM generations INDEXED BY generations_model_done \
                 WHERE model_name = ?1 AND status = 'completed' \
                 ORDER BY completed_at DESC LIMIT ?2",
            )?;
            let mut out = Vec::new();
            for model in models {
                let mut secs: Vec<f64> = stmt
                    .query_map((model.as_str(), RUN_TIME_SAMPLES as i64), |r| {
                        Ok((
                            get_opt_ts(r, "started_at")?,
                            get_opt_ts(r, "completed_at")?,
                        ))
                    })?
                    .filter_map(|r| match r {
                        Ok((Some(a), Some(b))) if b >= a => {
                            Some(Ok((b - a).num_milliseconds() as f64 / 1000.0))
                        }
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    })
                    .collect::<Result<_, _>>()?;
                if secs.is_empty() {
                    continue;
                }
                secs.sort_by(f64::total_cmp);
                let n = secs.len();
                let median = if n % 2 == 1 {
                    secs[n / 2]
                } else {
                    (secs[n / 2 - 1] + secs[n / 2]) / 2.0
                };
                out.push(ModelRunTime {
                    model_name: model,
                    median_seconds: median,
                    samples: n as u32,
                });
            }
            Ok(out)
        })
    }

    /// Deletes every finished (completed, failed, cancelled) generation that
    /// has been viewed (only `created_by`'s when given), in one transaction;
    /// returns what was deleted so the caller removes the files.
    pub fn delete_finished_viewed(
        &self,
        created_by: Option<&str>,
    ) -> Result<Vec<DeletedRow>, StoreError> {
        self.delete_returning(
            "DELETE FROM generations \
             WHERE status IN ('completed', 'failed', 'cancelled') AND viewed = 1 \
             AND (?1 IS NULL OR created_by = ?1) \
             RETURNING id, output_files",
            vec![created_by.map(str::to_owned).into()],
        )
    }

    /// Deletes every finished generation that finished (`completed_at`, else
    /// `created_at`) before `cutoff`, viewed or not: the retention setting.
    pub fn delete_finished_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<DeletedRow>, StoreError> {
        self.delete_returning(
            "DELETE FROM generations \
             WHERE status IN ('completed', 'failed', 'cancelled') \
             AND coalesce(completed_at, created_at) < ?1 \
             RETURNING id, output_files",
            vec![ts(cutoff).into()],
        )
    }

    fn delete_returning(
        &self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<DeletedRow>, StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map(params_from_iter(params), |r| {
                let files: String = r.get("output_files")?;
                Ok(DeletedRow {
                    id: get_uuid(r, "id")?,
                    output_files: serde_json::from_str(&files).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Rebuilds the FTS5 index of prompts from the table (after a VACUUM,
    /// which may renumber rowids; see `migrations/0003_history.sql`).
    pub fn rebuild_search_index(&self) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.execute(
                "INSERT INTO generations_fts (generations_fts) VALUES ('rebuild')",
                [],
            )?;
            Ok(())
        })
    }
}

/// The rowids of the first `want` rows (newest first, after `before`) that
/// pass the plan's filters and match the search `m`: chunks of the plan's
/// index range, each checked against the matches within its rowid range.
fn walk_matches(
    conn: &Connection,
    plan: &Plan<'_>,
    m: &str,
    mut before: Option<(String, String)>,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::with_capacity(want);
    let mut chunk = WALK_CHUNK_MIN.max(want * 2);
    let mut in_range = conn.prepare_cached(
        "SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?1 \
         AND rowid >= ?2 AND rowid <= ?3",
    )?;
    loop {
        let (sql, params) = plan.sql(
            "rowid AS rid, created_at, id",
            before.as_ref(),
            &Where::default(),
            chunk,
        );
        let rows: Vec<(i64, String, String)> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let (Some(lo), Some(hi)) = (
            rows.iter().map(|r| r.0).min(),
            rows.iter().map(|r| r.0).max(),
        ) else {
            break;
        };
        let matched: std::collections::HashSet<i64> = in_range
            .query_map((m, lo, hi), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for (rowid, _, _) in &rows {
            if matched.contains(rowid) {
                out.push(*rowid);
                if out.len() == want {
                    return Ok(out);
                }
            }
        }
        if rows.len() < chunk {
            break;
        }
        before = rows.last().map(|(_, c, id)| (c.clone(), id.clone()));
        chunk = (chunk * 2).min(WALK_CHUNK_MAX);
    }
    Ok(out)
}

/// How many prompts match, counting no further than `cap`.
fn count_matches(conn: &Connection, m: &str, cap: i64) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM generations_fts \
             WHERE generations_fts MATCH ?1 LIMIT ?2)",
        )?
        .query_row((m, cap), |r| r.get(0))?)
}

/// The `created_at` text of a cursor: its row's, or its UUID v7 time if deleted.
pub(crate) fn cursor_time(conn: &Connection, id: GenerationId) -> Result<String, StoreError> {
    let created: Option<String> = conn
        .prepare_cached("SELECT created_at FROM generations WHERE id = ?1")?
        .query_row([uuid_text(id)], |r| r.get(0))
        .optional()?;
    Ok(created.unwrap_or_else(|| {
        let at = id
            .get_timestamp()
            .map(|t| t.to_unix())
            .and_then(|(s, n)| DateTime::from_timestamp(s as i64, n))
            .unwrap_or_default();
        ts(at)
    }))
}
