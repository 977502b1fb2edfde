//! Pages and reports on PostgreSQL: the history (PostgreSQL's full-text
//! search over FTS5's own tokens, see `store/fts_tokens.rs`), the distinct models, running times, a batch's
//! progress, the dispatch order, and the bulk deletions. Same answers as
//! SQLite's for the same rows; PostgreSQL's planner has statistics, so each
//! page is one query and the planner picks the index.
//!
//! Text is compared byte-wise (`COLLATE "C"`), as SQLite does, whatever the
//! database's own collation.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::rows::{self, Param, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::{BatchId, GenerationId, GenerationStatus, GenerationSummary};
use crate::store::codec::to_ms;
use crate::store::fts_tokens::pg_tsquery;
use crate::store::generations::MAX_LIST_LIMIT;
use crate::store::history::{DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, RUN_TIME_SAMPLES};
use crate::store::{BatchSummary, DeletedRow, HistoryPage, HistoryQuery, ModelRunTime, StoreError};

type Res<T> = Result<T, StoreError>;

/// The creation time of a cursor's row; a deleted row's UUID v7 carries it.
fn cursor_sql(params: &mut Vec<Param>, id: GenerationId) -> String {
    let uid = uuid::Uuid::from(id);
    let at = uid
        .get_timestamp()
        .map(|t| t.to_unix())
        .and_then(|(s, n)| DateTime::from_timestamp(s as i64, n))
        .map(to_ms)
        .unwrap_or_default();
    params.push(Box::new(uid));
    let n = params.len();
    params.push(Box::new(at));
    format!(
        "(created_at, id) < (coalesce((SELECT created_at FROM generations WHERE id = ${n}), ${}), ${n})",
        n + 1
    )
}

async fn summaries(
    c: &impl GenericClient,
    sql: &str,
    params: &[Param],
) -> Res<Vec<GenerationSummary>> {
    let found = c.query(sql, &refs(params)).await.map_err(pg_err)?;
    found.iter().map(rows::summary).collect()
}

impl PgStore {
    /// Runs a summary query outside any transaction.
    fn summaries(&self, sql: String, params: Vec<Param>) -> Res<Vec<GenerationSummary>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            summaries(&c, &sql, &params).await
        })
    }

    /// See [`crate::store::QueueStore::list_generations`].
    pub(super) fn list_page(&self, q: &crate::store::ListQuery) -> Res<Vec<GenerationSummary>> {
        let limit = q.limit.min(MAX_LIST_LIMIT);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {} FROM generations WHERE true",
            rows::summary_columns()
        );
        let mut params: Vec<Param> = Vec::new();
        if !q.statuses.is_empty() {
            let s: Vec<String> = q.statuses.iter().map(|s| s.as_str().to_owned()).collect();
            params.push(Box::new(s));
            sql.push_str(&format!(" AND status = ANY(${})", params.len()));
        }
        if q.unviewed_only {
            sql.push_str(" AND NOT viewed");
        }
        if let Some(member) = &q.created_by {
            params.push(Box::new(member.clone()));
            sql.push_str(&format!(" AND created_by = ${}", params.len()));
        }
        if let Some(before) = q.before {
            sql.push_str(&format!(" AND {}", cursor_sql(&mut params, before)));
        }
        params.push(Box::new(limit as i64));
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT ${}",
            params.len()
        ));
        self.summaries(sql, params)
    }

    /// See [`crate::store::QueueStore::history`].
    pub(super) fn history_page(&self, q: &HistoryQuery) -> Res<HistoryPage> {
        let limit = match q.limit {
            0 => DEFAULT_HISTORY_LIMIT,
            n => n.min(MAX_HISTORY_LIMIT),
        } as usize;
        let mut sql = format!(
            "SELECT {} FROM generations WHERE true",
            rows::summary_columns()
        );
        let mut params: Vec<Param> = Vec::new();
        sql.push_str(&history_filter(q, &mut params));
        if let Some(before) = q.before {
            sql.push_str(&format!(" AND {}", cursor_sql(&mut params, before)));
        }
        params.push(Box::new(limit as i64 + 1));
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT ${}",
            params.len()
        ));
        let mut items = self.summaries(sql, params)?;
        let next_before = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|g| g.id)
        } else {
            None
        };
        Ok(HistoryPage { items, next_before })
    }

    /// See [`crate::store::QueueStore::history_models`].
    pub(super) fn models(&self) -> Res<Vec<String>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    "SELECT DISTINCT model_name COLLATE \"C\" AS m FROM generations ORDER BY m",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            Ok(found.iter().map(|r| r.get(0)).collect())
        })
    }

    /// See [`crate::store::QueueStore::run_time_stats`]: the median (`percentile_cont(0.5)`,
    /// the mean of the two middle values for an even count, as SQLite's) of
    /// the last [`RUN_TIME_SAMPLES`] completed generations of each model.
    pub(super) fn run_times(&self) -> Res<Vec<ModelRunTime>> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    "SELECT model_name COLLATE \"C\" AS m, \
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS median, \
                       count(*) AS samples \
                     FROM (SELECT model_name, started_at, completed_at, \
                             extract(epoch FROM completed_at - started_at)::float8 AS secs, \
                             row_number() OVER (PARTITION BY model_name \
                               ORDER BY completed_at DESC NULLS LAST) AS n \
                           FROM generations WHERE status = 'completed') AS last \
                     WHERE n <= $1 AND started_at IS NOT NULL AND completed_at >= started_at \
                     GROUP BY model_name ORDER BY m",
                    &[&(RUN_TIME_SAMPLES as i64)],
                )
                .await
                .map_err(pg_err)?;
            Ok(found
                .iter()
                .map(|r| ModelRunTime {
                    model_name: r.get(0),
                    median_seconds: r.get(1),
                    samples: r.get::<_, i64>(2) as u32,
                })
                .collect())
        })
    }

    /// See [`crate::store::QueueStore::batch_summary`] (the counting is
    /// [`BatchSummary::from_latest`], shared with SQLite).
    pub(super) fn batch(&self, batch_id: BatchId) -> Res<BatchSummary> {
        let sql = format!(
            "SELECT {} FROM generations AS g WHERE g.batch_id = $1 AND NOT EXISTS ( \
               SELECT 1 FROM generations AS r WHERE r.retried_from = g.id AND r.batch_id = $1) \
             ORDER BY g.created_at, g.id",
            rows::summary_columns()
        );
        let generations = self.summaries(sql, vec![Box::new(uuid::Uuid::from(batch_id))])?;
        BatchSummary::from_latest(batch_id, generations)
    }

    /// See [`crate::store::QueueStore::list_dispatch_order`]: first the
    /// pending generations holding a token (oldest first), then the rest in
    /// dispatch order; `before` continues after a pending one without a token.
    pub(super) fn dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Res<Vec<GenerationSummary>> {
        let limit = limit.min(MAX_LIST_LIMIT) as i64;
        let cols = rows::summary_columns();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let mut out = Vec::new();
            let mut after = None;
            match before {
                None => {
                    let sql = format!(
                        "SELECT {cols} FROM generations WHERE token_id IS NOT NULL \
                         AND status = 'pending' ORDER BY created_at, id LIMIT $1"
                    );
                    out = summaries(&c, &sql, &[Box::new(limit) as Param]).await?;
                }
                Some(id) => {
                    let uid = uuid::Uuid::from(id);
                    after = c
                        .query_opt(
                            "SELECT priority, created_at, id FROM generations \
                             WHERE id = $1 AND status = 'pending' AND token_id IS NULL",
                            &[&uid],
                        )
                        .await
                        .map_err(pg_err)?
                        .map(|r| {
                            (
                                r.get::<_, i64>(0),
                                r.get::<_, DateTime<Utc>>(1),
                                r.get::<_, uuid::Uuid>(2),
                            )
                        });
                }
            }
            let rest = limit - out.len() as i64;
            if rest <= 0 {
                return Ok(out);
            }
            let mut params: Vec<Param> = Vec::new();
            let mut sql = format!(
                "SELECT {cols} FROM generations WHERE status = 'pending' AND token_id IS NULL"
            );
            if let Some((p, at, id)) = after {
                params.push(Box::new(p));
                params.push(Box::new(at));
                params.push(Box::new(id));
                sql.push_str(
                    " AND (priority < $1 OR (priority = $1 AND (created_at, id) > ($2, $3)))",
                );
            }
            params.push(Box::new(rest));
            sql.push_str(&format!(
                " ORDER BY priority DESC, created_at ASC, id ASC LIMIT ${}",
                params.len()
            ));
            out.extend(summaries(&c, &sql, &params).await?);
            Ok(out)
        })
    }

    /// Deletes with `sql` (which returns `id, output_files`) in one statement.
    pub(super) fn delete_returning(
        &self,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Res<Vec<DeletedRow>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c.query(sql, &refs(&params)).await.map_err(pg_err)?;
            found
                .iter()
                .map(|r| {
                    let files: String = r.try_get("output_files").map_err(pg_err)?;
                    Ok(DeletedRow {
                        id: GenerationId::from(r.try_get::<_, uuid::Uuid>("id").map_err(pg_err)?),
                        output_files: serde_json::from_str(&files).unwrap_or_default(),
                    })
                })
                .collect()
        })
    }
}

/// The History filter `q` (search, statuses, model, time range; not its
/// cursor or limit) as ` AND …` terms over `generations`, its parameters
/// pushed onto `params`. Shared by the page and its spend total.
pub(super) fn history_filter(q: &HistoryQuery, params: &mut Vec<Param>) -> String {
    let mut statuses = q.statuses.clone();
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    if statuses.len() == GenerationStatus::ALL.len() {
        statuses.clear();
    }
    let mut sql = String::new();
    if let Some(tq) = q.text.as_deref().and_then(pg_tsquery) {
        params.push(Box::new(tq));
        sql.push_str(&format!(
            " AND prompt_search @@ ${}::text::tsquery",
            params.len()
        ));
    }
    if !statuses.is_empty() {
        let s: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
        params.push(Box::new(s));
        sql.push_str(&format!(" AND status = ANY(${})", params.len()));
    }
    if let Some(m) = &q.model {
        params.push(Box::new(m.clone()));
        sql.push_str(&format!(" AND model_name = ${}", params.len()));
    }
    if let Some(member) = &q.created_by {
        params.push(Box::new(member.clone()));
        sql.push_str(&format!(" AND created_by = ${}", params.len()));
    }
    if let Some(from) = q.from {
        params.push(Box::new(to_ms(from)));
        sql.push_str(&format!(" AND created_at >= ${}", params.len()));
    }
    if let Some(to) = q.to {
        params.push(Box::new(to_ms(to)));
        sql.push_str(&format!(" AND created_at < ${}", params.len()));
    }
    sql
}
