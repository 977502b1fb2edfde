//! Predictions a generation held and let go of (Replicate interrupted them
//! and the generation was queued again): still taken, so that reconciling a
//! later lost create never adopts one (migration 0010).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction};

use super::codec::{ts, uuid_text};
use super::{Store, StoreError};
use crate::model::Generation;

impl Store {
    /// Whether prediction `prediction_id` is taken: a generation holds it
    /// now, or held it and gave it up. A reconcile or a held create's look
    /// adopts only a prediction that is not.
    pub fn prediction_taken(&self, prediction_id: &str) -> Result<bool, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM generations WHERE prediction_id = ?1
                     UNION ALL
                     SELECT 1 FROM given_up_predictions WHERE prediction_id = ?1
                     LIMIT 1",
                    [prediction_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        })
    }
}

/// The prediction a transition from `before` to `after` lets go of: the one
/// `before` named and `after` no longer does (a requeue after an
/// interruption). Both stores record it with the transition.
pub(crate) fn given_up<'a>(before: &'a Generation, after: &Generation) -> Option<&'a str> {
    let old = before.prediction_id.as_deref()?;
    (after.prediction_id.as_deref() != Some(old)).then_some(old)
}

/// Records, in the transition's transaction `tx`, the prediction the
/// transition gave up ([`given_up`]), if any.
pub(super) fn record_in(
    tx: &Transaction<'_>,
    before: &Generation,
    after: &Generation,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(old) = given_up(before, after) else {
        return Ok(());
    };
    tx.execute(
        "INSERT OR IGNORE INTO given_up_predictions (prediction_id, generation_id, given_up_at)
         VALUES (?1, ?2, ?3)",
        (old, uuid_text(before.id), ts(now)),
    )?;
    Ok(())
}
