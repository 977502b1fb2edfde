//! What a set of generations cost, summed by SQLite: the History page's
//! current filter ("37 generations · $4.12, 3 unknown") and a batch (the
//! dropdown, the result page). Ended generations count their final figure
//! (one that ended without a prediction cost nothing), the queued and
//! running ones their estimate; an unknown price is counted apart, never as $0.

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::codec::uuid_text;
use super::history::filter_sql;
use super::{HistoryQuery, Store, StoreError};
use crate::model::BatchId;
use crate::spend::Usd;

/// The cost of a set of generations. Money in micro-dollars (USD).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpendTotal {
    /// Generations in the set.
    pub generations: u64,
    /// Sum of the final figures of those whose prediction ended.
    pub spent: Usd,
    /// Sum of the estimates of those not ended yet (pending, processing).
    pub estimated: Usd,
    /// Generations of unknown cost (no price for the model, or queued before
    /// costs were kept): in neither sum.
    pub unknown: u64,
}

/// Whether a generation's cost is settled (`g`: generations, `s`: its spend
/// row, maybe absent): its prediction ended, or it ended without ever getting
/// a prediction (cancelled while queued, refused before it was sent), which
/// Replicate never billed.
///
/// Written for both stores (SQLite reads `TRUE` as 1, PostgreSQL's `ended`
/// is a boolean): the one rule for settled costs.
pub(crate) const ENDED: &str = "(s.ended = TRUE OR (g.status IN ('completed', 'failed', 'cancelled') \
     AND g.prediction_id IS NULL))";
/// The settled cost under [`ENDED`] (micro-dollars; NULL = unknown).
pub(crate) const FINAL: &str = "(CASE WHEN s.ended = TRUE THEN s.final \
     WHEN g.status IN ('completed', 'failed', 'cancelled') AND g.prediction_id IS NULL THEN 0 END)";

/// The sums over `ids`, a `SELECT id, status, prediction_id FROM
/// generations …` in the store's own dialect: columns `n`, `spent`,
/// `estimated`, `unknown`, all 64-bit integers. Both stores run this text.
pub(crate) fn total_sql(ids: &str) -> String {
    format!(
        "SELECT COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN {ENDED} THEN {FINAL} END), 0) AS BIGINT) AS spent, \
         CAST(COALESCE(SUM(CASE WHEN NOT {ENDED} AND g.status IN ('pending', 'processing') \
                           THEN s.estimate END), 0) AS BIGINT) AS estimated, \
         CAST(COALESCE(SUM(CASE WHEN {ENDED} THEN (CASE WHEN {FINAL} IS NULL THEN 1 ELSE 0 END) \
                           WHEN g.status IN ('pending', 'processing') \
                           THEN (CASE WHEN s.estimate IS NULL THEN 1 ELSE 0 END) \
                           ELSE 1 END), 0) AS BIGINT) AS unknown \
         FROM ({ids}) AS g LEFT JOIN spend AS s ON s.generation_id = g.id"
    )
}

impl Store {
    fn spend_total(&self, ids: &str, params: Vec<Value>) -> Result<SpendTotal, StoreError> {
        self.with_reader(|conn| {
            let sql = total_sql(ids);
            Ok(conn
                .prepare_cached(&sql)?
                .query_row(params_from_iter(params), |r| {
                    Ok(SpendTotal {
                        generations: r.get::<_, i64>("n")? as u64,
                        spent: Usd(r.get("spent")?),
                        estimated: Usd(r.get("estimated")?),
                        unknown: r.get::<_, i64>("unknown")? as u64,
                    })
                })?)
        })
    }

    /// What every generation the History filter `q` shows cost (all pages:
    /// `before` and `limit` are ignored). Reads each matching row once.
    pub fn history_spend(&self, q: &HistoryQuery) -> Result<SpendTotal, StoreError> {
        let (filter, params) = filter_sql(q);
        self.spend_total(
            &format!("SELECT id, status, prediction_id FROM generations{filter}"),
            params,
        )
    }

    /// What a batch cost: every generation carrying `batch_id`, retried
    /// attempts included (their runs were paid for too).
    pub fn batch_spend(&self, batch_id: BatchId) -> Result<SpendTotal, StoreError> {
        self.spend_total(
            "SELECT id, status, prediction_id FROM generations INDEXED BY generations_batch \
             WHERE batch_id = ?",
            vec![uuid_text(batch_id).into()],
        )
    }
}
