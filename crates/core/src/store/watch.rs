//! What the engine needs to notice other processes' writes and to reconcile
//! lost creates.

use chrono::{DateTime, Utc};

use super::codec::ts;
use super::generation_rows::load_many;
use super::{Store, StoreError};
use crate::model::Generation;

/// Most rows [`Store::recently_changed`] returns.
pub const RECENT_LIMIT: usize = 500;

impl Store {
    /// SQLite's `PRAGMA data_version`: it changes when another connection
    /// (another process) commits to the file, not for this store's own
    /// writes. A cheap local read, polled by the engine.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.with_conn(|conn| Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?))
    }

    /// Generations changed at or after `since` (by `updated_at`), newest
    /// change first, at most [`RECENT_LIMIT`].
    pub fn recently_changed(&self, since: DateTime<Utc>) -> Result<Vec<Generation>, StoreError> {
        self.with_conn(|conn| {
            load_many(
                conn,
                "WHERE updated_at >= ?1 ORDER BY updated_at DESC LIMIT ?2",
                (ts(since), RECENT_LIMIT as i64),
            )
        })
    }

    /// Processing generations without a token: their token row was removed
    /// (before removal was refused while in flight), so no account can follow
    /// their prediction any more.
    pub fn orphaned_processing(&self) -> Result<Vec<Generation>, StoreError> {
        self.with_conn(|conn| {
            load_many(conn, "WHERE status = 'processing' AND token_id IS NULL", [])
        })
    }

    /// The generation that holds Replicate prediction `prediction_id`, if any.
    pub fn generation_by_prediction(
        &self,
        prediction_id: &str,
    ) -> Result<Option<Generation>, StoreError> {
        self.with_conn(|conn| {
            Ok(
                load_many(conn, "WHERE prediction_id = ?1 LIMIT 1", [prediction_id])?
                    .into_iter()
                    .next(),
            )
        })
    }
}
