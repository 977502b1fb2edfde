//! The history page's commands: pages and search, the models filter, bulk
//! actions, "Clear finished", running times for ETAs.

use genqueue_core::history::{BulkAction, BulkResult};
use genqueue_core::model::GenerationId;
use genqueue_core::store::{HistoryPage, HistoryQuery, ModelRunTime};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// One page of the history, newest first: `{items, next_before}`. Pass
/// `next_before` back as `query.before` for the next page; `null` means the
/// end. Search words are quoted before reaching FTS5, so any text is safe.
#[tauri::command]
pub async fn list_history(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> CommandResult<HistoryPage> {
    let q = state.queue().await;
    Ok(
        tauri::async_runtime::spawn_blocking(move || q.history(&query))
            .await
            .map_err(join_error)??,
    )
}

/// Every `model_name` (`owner/name`) that has a generation, sorted.
#[tauri::command]
pub async fn history_models(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    Ok(state.queue().await.history_models()?)
}

/// Applies `action` (`retry`, `delete`, `mark_viewed`, `cancel`) to each id:
/// `{done, failed: [{id, message}]}`; one failure does not stop the others.
#[tauri::command]
pub async fn bulk_generations(
    state: State<'_, AppState>,
    ids: Vec<GenerationId>,
    action: BulkAction,
) -> CommandResult<BulkResult> {
    Ok(state.queue().await.bulk(&ids, action).await)
}

/// Deletes every completed, failed or cancelled generation already viewed,
/// with its files; returns how many.
#[tauri::command]
pub async fn clear_finished(state: State<'_, AppState>) -> CommandResult<usize> {
    let q = state.queue().await;
    Ok(
        tauri::async_runtime::spawn_blocking(move || q.clear_finished())
            .await
            .map_err(join_error)??,
    )
}

/// Per model, the median running time in seconds of its latest 20 completed
/// generations (`completed_at - started_at`) and how many were measured.
#[tauri::command]
pub async fn run_time_stats(state: State<'_, AppState>) -> CommandResult<Vec<ModelRunTime>> {
    Ok(state.queue().await.run_time_stats()?)
}

pub(crate) fn join_error(e: tauri::Error) -> crate::error::CommandError {
    crate::error::CommandError::from(e)
}
