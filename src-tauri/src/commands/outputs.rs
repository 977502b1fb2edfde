//! Fetching a listed generation's files into this machine's data folder
//! (issue #15, "Outputs for everyone"): a thumbnail in the history, the
//! dropdown or a batch whose file another machine saved. The result page
//! fetches in `get_generation`; both go through
//! `Queue::fetch_missing_outputs`.

use genqueue_core::model::GenerationId;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Fetches generation `id`'s files missing here from the team database, a
/// few generations at a time (`Queue::fetch_shown_outputs`); `true` when
/// one was fetched (the window then shows it again); `false` at once on the
/// folder's own queue. Errors: `not_found`; the store's own.
#[tauri::command]
pub async fn fetch_outputs(state: State<'_, AppState>, id: GenerationId) -> CommandResult<bool> {
    let queue = state.queue().await;
    Ok(queue.fetch_shown_outputs(id).await?)
}
