//! Batches on a [`Queue`]: a batch's progress, and cancelling or retrying
//! the whole of it. A batch is the generations sharing a `batch_id`
//! (see [`crate::store::batches`]).

use crate::ids::BatchId;

use crate::model::{Generation, GenerationStatus};
use crate::queue::{Queue, QueueError, Scope};
use crate::store::{BatchSummary, StoreError};

impl Queue {
    /// The batch's counts and generations, oldest first, latest attempts only.
    /// Errors: `not_found` when no generation carries this batch id.
    pub fn batch(&self, batch_id: BatchId) -> Result<BatchSummary, QueueError> {
        self.store().batch_summary(batch_id).map_err(|e| match e {
            StoreError::NotFound { .. } => QueueError::BatchNotFound(batch_id),
            e => e.into(),
        })
    }

    /// Cancels every pending or processing generation of the batch (as
    /// [`Queue::cancel`]); returns how many were cancelled. One that cannot be
    /// cancelled (Replicate unreachable) is logged and skipped; if none could
    /// be and some were active, the first error is returned. Only one's own
    /// generations of the batch are cancelled unless `scope` is everyone's
    /// ([`Scope`]).
    pub async fn cancel_batch(&self, batch_id: BatchId, scope: Scope) -> Result<usize, QueueError> {
        let b = self.batch(batch_id)?;
        let mut done = 0;
        let mut first_err = None;
        let touched = b
            .generations
            .iter()
            .filter(|g| g.status.is_active())
            .filter(|g| scope == Scope::Everyone || self.is_own(&g.creator));
        for g in touched {
            match self.cancel(g.id).await {
                Ok(_) => done += 1,
                // Ended meanwhile: nothing to cancel.
                Err(QueueError::CannotCancel { .. }) => {}
                Err(e) => {
                    tracing::warn!(generation = %g.id, error = %e, "could not cancel a batch's generation");
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) if done == 0 => Err(e),
            _ => Ok(done),
        }
    }

    /// Retries every failed or cancelled generation of the batch (latest
    /// attempts only, so nothing is retried twice); returns the new
    /// generations, in the batch's order. They keep the batch id.
    pub fn retry_batch(&self, batch_id: BatchId) -> Result<Vec<Generation>, QueueError> {
        let b = self.batch(batch_id)?;
        b.generations
            .iter()
            .filter(|g| {
                matches!(
                    g.status,
                    GenerationStatus::Failed | GenerationStatus::Cancelled
                )
            })
            .map(|g| self.retry(g.id))
            .collect()
    }
}
