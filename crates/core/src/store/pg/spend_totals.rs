//! What a set of generations cost, summed by PostgreSQL: the History
//! filter's total and a batch's, with the same SQL text as SQLite's
//! (`store/spend_totals.rs`, [`total_sql`]); only the set's own `SELECT`
//! is PostgreSQL's.

use super::pages::history_filter;
use super::rows::{Param, get, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::BatchId;
use crate::spend::Usd;
use crate::store::spend_totals::total_sql;
use crate::store::{HistoryQuery, SpendTotal, StoreError};

type Res<T> = Result<T, StoreError>;

impl PgStore {
    fn spend_total(&self, ids: String, params: Vec<Param>) -> Res<SpendTotal> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(&total_sql(&ids), &refs(&params))
                .await
                .map_err(pg_err)?;
            Ok(SpendTotal {
                generations: get::<i64>(&r, "n")? as u64,
                spent: Usd(get(&r, "spent")?),
                estimated: Usd(get(&r, "estimated")?),
                unknown: get::<i64>(&r, "unknown")? as u64,
            })
        })
    }

    /// See [`crate::store::QueueStore::history_spend`]: every page of the filter.
    pub(super) fn history_spend_pg(&self, q: &HistoryQuery) -> Res<SpendTotal> {
        let mut params = Vec::new();
        let filter = history_filter(q, &mut params);
        self.spend_total(
            format!("SELECT id, status, prediction_id FROM generations WHERE true{filter}"),
            params,
        )
    }

    /// See [`crate::store::QueueStore::batch_spend`]: retried attempts included.
    pub(super) fn batch_spend_pg(&self, batch_id: BatchId) -> Res<SpendTotal> {
        self.spend_total(
            "SELECT id, status, prediction_id FROM generations WHERE batch_id = $1".to_owned(),
            vec![Box::new(uuid::Uuid::from(batch_id))],
        )
    }
}
