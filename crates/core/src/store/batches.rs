//! Batches: generations queued together (N variants of one prompt, or one per
//! line of several prompts) share a `batch_id`.
//!
//! A batch counts each of its generations once, by its latest attempt: a
//! failed generation that was retried (the retry carries the same
//! `batch_id` and `retried_from` = the failed one's id) is replaced by its
//! retry, so "3 of 10 done" stays out of 10.

use serde::{Deserialize, Serialize};

use super::codec::uuid_text;
use super::generation_rows::{SUMMARY_COLUMNS, summary_from_row};
use super::{Store, StoreError};
use crate::model::{BatchId, GenerationStatus, GenerationSummary, PROMPT_EXCERPT_CHARS};

/// A batch's progress and its generations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchSummary {
    pub batch_id: BatchId,
    /// Generations in the batch (latest attempts only, see the module doc).
    pub total: u32,
    pub completed: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// Pending or processing.
    pub active: u32,
    /// Oldest first (`created_at`, then id); latest attempts only.
    pub generations: Vec<GenerationSummary>,
}

impl Store {
    /// The batch `batch_id`: counts by status and its generations, oldest
    /// first, each by its latest attempt. Errors: [`StoreError::NotFound`]
    /// when no generation carries this batch id.
    pub fn batch_summary(&self, batch_id: BatchId) -> Result<BatchSummary, StoreError> {
        let generations: Vec<GenerationSummary> = self.with_conn(|conn| {
            let sql = format!(
                "SELECT {} FROM generations AS g INDEXED BY generations_batch \
                 WHERE g.batch_id = ?1 AND NOT EXISTS ( \
                   SELECT 1 FROM generations AS r WHERE r.retried_from = g.id AND r.batch_id = ?1) \
                 ORDER BY g.created_at, g.id",
                SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string())
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([uuid_text(batch_id)], summary_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?;
        BatchSummary::from_latest(batch_id, generations)
    }
}

impl BatchSummary {
    /// Counts a batch from its generations (each by its latest attempt, oldest
    /// first), as every store reads them. [`StoreError::NotFound`] when empty.
    pub(crate) fn from_latest(
        batch_id: BatchId,
        generations: Vec<GenerationSummary>,
    ) -> Result<BatchSummary, StoreError> {
        if generations.is_empty() {
            return Err(StoreError::not_found("batch", batch_id));
        }
        let count = |f: &dyn Fn(GenerationStatus) -> bool| {
            generations.iter().filter(|g| f(g.status)).count() as u32
        };
        Ok(BatchSummary {
            batch_id,
            total: generations.len() as u32,
            completed: count(&|s| s == GenerationStatus::Completed),
            failed: count(&|s| s == GenerationStatus::Failed),
            cancelled: count(&|s| s == GenerationStatus::Cancelled),
            active: count(&|s| s.is_active()),
            generations,
        })
    }
}
