//! The history page's commands: pages and search, the models filter, bulk
//! actions, "Clear finished", running times for ETAs.

use genqueue_core::history::{BulkAction, BulkResult};
use genqueue_core::model::GenerationId;
use genqueue_core::queue::Scope;
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

/// Every member (`creator.member`) who has a generation here, sorted: the
/// History's filter for one member (on a team's database).
#[tauri::command]
pub async fn history_members(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    Ok(state.queue().await.members()?)
}

/// Applies `action` (`retry`, `delete`, `mark_viewed`, `cancel`) to each id:
/// `{done, failed: [{id, message}]}`; one failure does not stop the others.
/// On a team's database another member's generation fails unless `scope`
/// is `"everyone"` (default `"mine"`).
#[tauri::command]
pub async fn bulk_generations(
    state: State<'_, AppState>,
    ids: Vec<GenerationId>,
    action: BulkAction,
    scope: Option<Scope>,
) -> CommandResult<BulkResult> {
    Ok(state
        .queue()
        .await
        .bulk(&ids, action, scope.unwrap_or_default())
        .await)
}

/// Deletes every completed, failed or cancelled generation already viewed,
/// with its files; returns how many. On a team's database only the user's
/// own unless `scope` is `"everyone"` (default `"mine"`).
#[tauri::command]
pub async fn clear_finished(
    state: State<'_, AppState>,
    scope: Option<Scope>,
) -> CommandResult<usize> {
    let q = state.queue().await;
    let scope = scope.unwrap_or_default();
    Ok(
        tauri::async_runtime::spawn_blocking(move || q.clear_finished(scope))
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
