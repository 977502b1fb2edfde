//! The team's members on PostgreSQL, as SQLite's `store/members.rs`: each
//! member's counters and the list of members, read from the
//! trigger-maintained `member_counters` table (migration 0013).

use super::{PgStore, pg_err, pool_err};
use crate::model::Counters;
use crate::store::StoreError;

/// The key of generations queued before creators were recorded.
const NO_MEMBER: &str = "";

/// [`Counters`] from a row of `pending, processing, completed, failed,
/// cancelled, unviewed, seq` (bigints; a negative one reads as 0).
pub(super) fn counters_of(r: &tokio_postgres::Row) -> Counters {
    let n = |i: usize| r.get::<_, i64>(i).max(0) as u64;
    Counters {
        active: n(0) + n(1),
        unviewed: n(5),
        pending: n(0),
        processing: n(1),
        completed: n(2),
        failed: n(3),
        cancelled: n(4),
        seq: n(6),
    }
}

impl PgStore {
    /// See [`crate::store::QueueStore::member_counters`].
    pub(super) fn member_counters_pg(&self, member: &str) -> Result<Counters, StoreError> {
        let member = member.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(
                    "SELECT coalesce(m.pending, 0), coalesce(m.processing, 0), \
                            coalesce(m.completed, 0), coalesce(m.failed, 0), \
                            coalesce(m.cancelled, 0), coalesce(m.unviewed, 0), c.seq \
                     FROM counters c LEFT JOIN member_counters m ON m.member = $1 \
                     WHERE c.id = 1",
                    &[&member],
                )
                .await
                .map_err(pg_err)?;
            Ok(counters_of(&r))
        })
    }

    /// See [`crate::store::QueueStore::members`].
    pub(super) fn members_pg(&self) -> Result<Vec<String>, StoreError> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT member FROM member_counters WHERE member <> $1 \
                     AND pending + processing + completed + failed + cancelled > 0 \
                     ORDER BY member",
                    &[&NO_MEMBER],
                )
                .await
                .map_err(pg_err)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}
