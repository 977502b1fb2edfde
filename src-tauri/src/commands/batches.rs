//! Batch commands: a batch's progress, cancelling or retrying all of it.
//! (Queueing a batch is `create_generation` with `count` > 1 or `prompts`.)

use genqueue_core::model::BatchId;
use genqueue_core::model::{Generation, GenerationSummary};
use genqueue_core::queue::Scope;
use genqueue_core::store::BatchSummary;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// `{batch_id, total, completed, failed, cancelled, active, generations}`,
/// generations oldest first; a retried generation counts by its retry.
/// Errors: `not_found`.
#[tauri::command]
pub async fn get_batch(
    state: State<'_, AppState>,
    batch_id: BatchId,
) -> CommandResult<BatchSummary> {
    Ok(state.queue().await.batch(batch_id)?)
}

/// Cancels the batch's pending and processing generations; returns how
/// many. On a team's database only the user's own unless `scope` is
/// `"everyone"` (default `"mine"`).
#[tauri::command]
pub async fn cancel_batch(
    state: State<'_, AppState>,
    batch_id: BatchId,
    scope: Option<Scope>,
) -> CommandResult<usize> {
    Ok(state
        .queue()
        .await
        .cancel_batch(batch_id, scope.unwrap_or_default())
        .await?)
}

/// Retries the batch's failed and cancelled generations; answers the new ones' summaries.
#[tauri::command]
pub async fn retry_batch(
    state: State<'_, AppState>,
    batch_id: BatchId,
) -> CommandResult<Vec<GenerationSummary>> {
    let again = state.queue().await.retry_batch(batch_id)?;
    Ok(again.iter().map(Generation::summary).collect())
}
