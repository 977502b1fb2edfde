//! The team's members as the SQLite store knows them (issue #15, "People"):
//! each member's counters and the list of members, both read from the
//! trigger-maintained `member_counters` table (migration 0013), one row per
//! `created_by`, so neither reads `generations`. PostgreSQL's twin is
//! `store/pg/members.rs`.

use super::generation_rows::counters_from_row;
use super::{Store, StoreError};
use crate::model::Counters;

/// The key of generations queued before creators were recorded.
pub(crate) const NO_MEMBER: &str = "";

impl Store {
    /// The counters of the generations `member` created, with the queue's
    /// own `seq` (it orders every counters event). A member with none: zeros.
    /// One primary-key lookup.
    pub fn member_counters(&self, member: &str) -> Result<Counters, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT coalesce(m.pending, 0) AS pending, \
                            coalesce(m.processing, 0) AS processing, \
                            coalesce(m.completed, 0) AS completed, \
                            coalesce(m.failed, 0) AS failed, \
                            coalesce(m.cancelled, 0) AS cancelled, \
                            coalesce(m.unviewed, 0) AS unviewed, c.seq AS seq \
                     FROM counters c LEFT JOIN member_counters m ON m.member = ?1 \
                     WHERE c.id = 1",
                )?
                .query_row([member], counters_from_row)?)
        })
    }

    /// The members who have a generation in the store, sorted (generations
    /// queued before creators were recorded name nobody and are left out).
    pub fn members(&self) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT member FROM member_counters WHERE member <> ?1 \
                 AND pending + processing + completed + failed + cancelled > 0 \
                 ORDER BY member",
            )?;
            let rows = stmt.query_map([NO_MEMBER], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
