//! Genqueue's desktop shell: glue between Tauri and `genqueue-core`.
//!
//! - [`commands`]: what the window calls; [`ipc`]: the one list of them;
//! - [`bridge`]: queue events to the window, the tray and notifications;
//! - [`tray`]: the system tray;
//! - [`team`]: which queue the app opens (the folder's, or a team's database);
//! - [`telegram`]: the Telegram relay of the queue, its status to the window;
//! - [`notify`]: notifications, and what their clicks open;
//! - [`demo`]: the offline demo (replicate-sim inside the app);
//! - [`state`]: the queue and engine the app holds;
//! - [`logging`]: the log file.

pub mod bindings;
pub mod bridge;
pub mod budget_notice;
pub mod commands;
pub mod demo;
pub mod error;
pub mod event_batch;
pub mod heap;
pub mod ipc;
pub mod logging;
pub mod notify;
pub mod state;
pub mod team;
pub mod telegram;
pub mod texts;
pub mod tray;
pub mod webkit_env;
pub mod window;
pub mod window_events;

use genqueue_core::paths::default_data_dir;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::settings::Settings;
use tauri::Manager;

use crate::state::AppState;

/// Environment variable overriding Replicate's base URL (a proxy, or a simulator).
pub const API_BASE_ENV: &str = "REPLICATE_API_BASE";

/// Builds and runs the app until the user quits.
pub fn run() {
    webkit_env::prefer_cpu_painting();
    webkit_env::interpret_javascript();
    heap::limit_arenas();
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second launch focuses the first window instead.
            window::show_main(app);
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let log_dir = app
                .path()
                .app_log_dir()
                .unwrap_or_else(|_| default_data_dir().join("logs"));
            logging::init(&log_dir);
            let data_dir = default_data_dir();
            let settings = read_settings(&data_dir);
            let api_base = api_base(&settings);
            tracing::info!(data_dir = %data_dir.display(), %api_base, "starting Genqueue");
            let backend = team::start_backend(data_dir.clone(), api_base).map_err(|e| {
                format!(
                    "Genqueue cannot open its data folder {}: {}",
                    data_dir.display(),
                    e
                )
            })?;
            allow_outputs(app.handle(), &data_dir);
            allow_output_folder(app.handle(), &settings);
            app.manage(AppState::new(backend));
            if let Err(e) = tray::create(
                app.handle(),
                texts::Texts(texts::Lang::of(settings.language)),
            ) {
                // Linux: no StatusNotifierWatcher, or no host (panel) behind it.
                tracing::warn!(error = %e, "no system tray here; Genqueue runs without one");
            }
            app.manage(window_events::WindowEvents::default());
            tauri::async_runtime::spawn(bridge::run(app.handle().clone()));
            tauri::async_runtime::spawn(heap::trim_after_bursts(app.handle().clone()));
            webkit_env::document_viewer_cache(app.handle());
            window::show_later_if_silent(app.handle());
            app.manage(telegram::TelegramRelay::default());
            tauri::async_runtime::spawn(telegram::run(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(ipc::handler())
        .build(tauri::generate_context!())
        .expect("error while building Genqueue")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Stop the engine so its clean shutdown is recorded (else the
                // next start would count as "after a crash").
                if let Some(state) = app.try_state::<AppState>() {
                    tauri::async_runtime::block_on(state.shutdown());
                }
            }
        });
}

/// The settings stored in `data_dir`, or the defaults if they cannot be read
/// (the queue's own open reports that error).
fn read_settings(data_dir: &std::path::Path) -> Settings {
    genqueue_core::store::Store::open(&data_dir.join(genqueue_core::paths::DB_FILE))
        .and_then(|s| s.settings())
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the settings; using the defaults");
            Settings::default()
        })
}

/// Replicate's base URL: `$REPLICATE_API_BASE` if set, else the `api_base`
/// setting, else Replicate's own.
pub(crate) fn api_base(settings: &Settings) -> String {
    std::env::var(API_BASE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| settings.api_base.clone())
        .unwrap_or_else(|| ReplicateClient::DEFAULT_BASE_URL.to_owned())
}

/// Lets the webview load images from the `output_folder` setting, if any
/// (output files saved there are stored with absolute paths).
pub(crate) fn allow_output_folder<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    settings: &Settings,
) {
    let Some(dir) = &settings.output_folder else {
        return;
    };
    if let Err(e) = app.asset_protocol_scope().allow_directory(dir, true) {
        tracing::error!(error = %e, folder = %dir, "cannot allow the output folder to the window");
    }
}

/// Lets the webview load images from `<data_dir>/outputs` and
/// `<data_dir>/inputs` (the input files generations keep) and nothing else.
pub(crate) fn allow_outputs<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    data_dir: &std::path::Path,
) {
    use genqueue_core::paths::{INPUTS_DIR, OUTPUTS_DIR};
    for sub in [OUTPUTS_DIR, INPUTS_DIR] {
        let dir = data_dir.join(sub);
        let _ = std::fs::create_dir_all(&dir);
        if let Err(e) = app.asset_protocol_scope().allow_directory(&dir, true) {
            tracing::error!(error = %e, folder = sub, "cannot allow a data folder to the window");
        }
    }
}
