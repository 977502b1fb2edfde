//! The model browser's commands: search Replicate's public models, list its
//! collections, open one (`genqueue_core::browse`).

use genqueue_core::browse::SEARCH_LIMIT;
use genqueue_core::replicate::browse::{Collection, CollectionSummary, ModelSearch};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Public models matching `query`, best first (at most 20), and the
/// collections it matches. A blank query answers nothing.
#[tauri::command]
pub async fn search_models(
    state: State<'_, AppState>,
    query: String,
) -> CommandResult<ModelSearch> {
    Ok(state
        .queue()
        .await
        .search_models(&query, SEARCH_LIMIT)
        .await?)
}

/// Replicate's collections of models (`{slug, name, description}`).
#[tauri::command]
pub async fn list_collections(state: State<'_, AppState>) -> CommandResult<Vec<CollectionSummary>> {
    Ok(state.queue().await.list_collections().await?)
}

/// One collection with its models; `not_found` for an unknown slug.
#[tauri::command]
pub async fn get_collection(state: State<'_, AppState>, slug: String) -> CommandResult<Collection> {
    Ok(state.queue().await.collection(&slug).await?)
}
