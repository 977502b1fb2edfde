//! A listed generation's files, fetched when a list shows them (issue #15,
//! "Outputs for everyone": each machine caches what it shows). A history
//! row, the dropdown or a batch panel whose thumbnail another machine saved
//! asks for it here; the files come through [`Queue::fetch_missing_outputs`]
//! (the result page's path too), a few generations at a time.

use tokio::sync::Semaphore;

use super::{Queue, QueueError};
use crate::model::GenerationId;
use crate::store::StoreError;

/// Most generations whose files are fetched at once (per process): a page
/// of missing thumbnails waits its turn instead of taking every pooled
/// connection or blocking thread.
pub const SHOWN_FETCHES_AT_ONCE: usize = 3;

static SHOWN_FETCHES: Semaphore = Semaphore::const_new(SHOWN_FETCHES_AT_ONCE);

impl Queue {
    /// Fetches generation `id`'s files missing from this machine's data
    /// folder from the store, on the blocking pool, at most
    /// [`SHOWN_FETCHES_AT_ONCE`] generations at a time; `true` when at least
    /// one file was fetched (a list then shows it again). `false` at once on
    /// a store that shares no outputs (SQLite), and when nothing is missing
    /// or the store holds none of it.
    /// Errors: `not_found`; the store's own.
    pub async fn fetch_shown_outputs(&self, id: GenerationId) -> Result<bool, QueueError> {
        if !self.store().shares_outputs() {
            return Ok(false);
        }
        let _turn = SHOWN_FETCHES
            .acquire()
            .await
            .expect("the fetch semaphore is never closed");
        let q = self.clone();
        let fetched = tokio::task::spawn_blocking(move || {
            let g = q.get(id)?;
            Ok::<_, QueueError>(q.fetch_missing_outputs(&g)?)
        })
        .await
        .map_err(|e| StoreError::OutputFile {
            doing: "fetch",
            path: self.data_dir().to_path_buf(),
            reason: e.to_string(),
        })??;
        Ok(!fetched.is_empty())
    }
}
