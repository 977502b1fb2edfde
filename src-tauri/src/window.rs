//! The main window: bringing it forward, and asking it to show a page
//! (the `navigate` event). Used by the tray, the notifications and the
//! single-instance handler; it calls none of them.
//!
//! The window is created hidden (`"visible": false` in tauri.conf.json) and
//! shown when the page has painted its first frame (the `window_ready`
//! command, from `ui/src/mount.tsx`), so the user never sees a blank window.
//! A page that never calls it (broken, or too slow) is shown anyway after
//! [`SHOW_FALLBACK`], so the app is never invisible.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// How long after start the window is shown even if the page has not said
/// it painted.
pub const SHOW_FALLBACK: Duration = Duration::from_secs(5);

/// Whether the main window was shown once (by the page, or the fallback).
static SHOWN: AtomicBool = AtomicBool::new(false);

/// The page painted its first frame: show the window (once).
pub fn page_ready<R: Runtime>(app: &AppHandle<R>) {
    if !SHOWN.swap(true, Ordering::SeqCst) {
        tracing::debug!("first frame painted; showing the window");
        show_main(app);
    }
}

/// Shows the window after [`SHOW_FALLBACK`] if the page has not by then.
pub fn show_later_if_silent<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SHOW_FALLBACK).await;
        if !SHOWN.swap(true, Ordering::SeqCst) {
            tracing::warn!("the page did not report its first frame; showing the window anyway");
            show_main(&app);
        }
    });
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        SHOWN.store(true, Ordering::SeqCst);
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
