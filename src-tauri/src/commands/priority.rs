//! Priority commands: moving pending generations in the order they run.

use genqueue_core::model::{GenerationId, GenerationSummary};
use genqueue_core::store::MoveTo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Moves a pending generation: `top`, `up`, `down` or `next` (top, and any
/// retry delay dropped). Returns its summary after the move.
/// Errors: `not_found`; `invalid_state` when it is not pending.
#[tauri::command]
pub async fn move_generation(
    state: State<'_, AppState>,
    id: GenerationId,
    to: MoveTo,
) -> CommandResult<GenerationSummary> {
    Ok(state.queue().await.move_generation(id, to)?)
}

/// Drag and drop: the given pending ids run exactly in this order, from the
/// place of the earliest of them (send the pending list as shown, first to
/// run first). Persists. Errors: `not_found`; `invalid_state` when one is not
/// pending (then nothing changes).
#[tauri::command]
pub async fn reorder_pending(
    state: State<'_, AppState>,
    ids: Vec<GenerationId>,
) -> CommandResult<()> {
    Ok(state.queue().await.reorder_pending(&ids)?)
}
