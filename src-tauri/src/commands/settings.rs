//! Settings commands. The settings live in the store; setting them applies
//! them: the output folder joins the window's asset scope, and a new API
//! base reopens the queue on it (as the demo does).

use genqueue_core::settings::Settings;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::state::{AppState, Backend};

/// The settings, defaults filled in.
#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.queue().await.settings()?)
}

/// Validates, stores and applies the settings; returns them as stored
/// (blank strings as `null`, the URL without a trailing `/`). No event: the
/// window keeps what this returns.
///
/// Errors: `invalid_settings` (relative or uncreatable output folder, a URL
/// that is not http(s), retention outside 1–36500 days).
#[tauri::command]
pub async fn set_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    let queue = state.queue().await;
    let before = queue.settings()?;
    let stored = queue.set_settings(settings)?;
    if stored.output_folder != before.output_folder {
        crate::allow_output_folder(&app, &stored);
    }
    if stored.language != before.language {
        // The tray speaks the new language at once, not at the next change.
        crate::bridge::refresh_tray(&app, &queue);
    }
    let (demo, current_base, data_dir, team) = {
        let b = state.backend().await;
        (
            b.demo.is_some(),
            b.api_base.clone(),
            b.data_dir.clone(),
            b.team.clone(),
        )
    };
    let base = crate::api_base(&stored);
    // The demo keeps its simulator; the new base applies when it ends.
    if !demo && base != current_base {
        tracing::info!(api_base = %base, "reopening the queue on a new API base");
        let secrets = queue.secrets();
        state
            .swap(move || Backend::start(data_dir, base, secrets, None, team))
            .await?;
    }
    Ok(stored)
}
