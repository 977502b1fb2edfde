//! The main window: bringing it forward, and asking it to show a page
//! (the `navigate` event). Used by the tray, the notifications and the
//! single-instance handler; it calls none of them.

use genqueue_core::model::GenerationId;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

/// Label of the main window (tauri.conf.json).
const MAIN: &str = "main";

/// Name of the event asking the window to show a page (`{"path": "/result/<id>"}`;
/// an empty path reloads everything).
pub const NAVIGATE_EVENT: &str = "navigate";

/// Payload of [`NAVIGATE_EVENT`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Navigate {
    pub path: String,
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Shows the window on a page: a route of the window, such as
/// `/history?from=…&to=…` (see [`NAVIGATE_EVENT`]).
pub fn show_page<R: Runtime>(app: &AppHandle<R>, path: &str) {
    show_main(app);
    let _ = app.emit(
        NAVIGATE_EVENT,
        Navigate {
            path: path.to_owned(),
        },
    );
}

/// Shows the window on a generation's result page and marks it viewed.
pub fn open_result<R: Runtime>(app: &AppHandle<R>, id: GenerationId) {
    show_page(app, &format!("/result/{id}"));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let q = app.state::<AppState>().queue().await;
        if let Err(e) = q.mark_viewed(id) {
            tracing::warn!(error = %e, "could not mark a generation viewed");
        }
    });
}
