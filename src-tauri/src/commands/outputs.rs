//! Fetching a generation's files into this machine's data folder when a
//! list shows them (issue #15, "Outputs for everyone"): a thumbnail in the
//! history, the dropdown or a batch whose file another machine saved.
//! The result page fetches in `get_generation`; both go through
//! `Queue::fetch_missing_outputs`.

use genqueue_core::model::GenerationId;
use genqueue_core::store::StoreError;
use tauri::State;
use tokio::sync::Semaphore;

use crate::error::CommandResult;
use crate::state::AppState;

/// Most fetches from the team database at once: a history page of missing
/// thumbnails queues here instead of taking every pooled connection.
pub const FETCHES_AT_ONCE: usize = 3;

static FETCHES: Semaphore = Semaphore::const_new(FETCHES_AT_ONCE);

/// Fetches generation `id`'s files missing from this machine's data folder
/// from the team database (on the blocking pool, at most
/// [`FETCHES_AT_ONCE`] at a time); `true` when at least one was fetched
/// (the window then shows it again). `false` at once on the folder's own
/// queue, or when nothing is missing or the database holds none.
/// Errors: `not_found`; the store's own.
#[tauri::command]
pub async fn fetch_outputs(state: State<'_, AppState>, id: GenerationId) -> CommandResult<bool> {
    let queue = state.queue().await;
    if !queue.store().shares_outputs() {
        return Ok(false);
    }
    let _turn = FETCHES
        .acquire()
        .await
        .expect("the fetch semaphore is never closed");
    let q = queue.clone();
    let fetched = tauri::async_runtime::spawn_blocking(move || {
        let g = q.get(id)?;
        Ok::<_, genqueue_core::queue::QueueError>(q.fetch_missing_outputs(&g)?)
    })
    .await
    .map_err(|e| StoreError::OutputFile {
        doing: "fetch",
        path: queue.data_dir().to_path_buf(),
        reason: e.to_string(),
    })??;
    Ok(!fetched.is_empty())
}
