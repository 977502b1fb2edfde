//! Genqueue's desktop shell: glue between Tauri and `genqueue-core`.
//!
//! - [`commands`]: what the window calls;
//! - [`bridge`]: queue events to the window, the tray and notifications;
//! - [`tray`]: the system tray;
//! - [`demo`]: the offline demo (replicate-sim inside the app);
//! - [`state`]: the queue and engine the app holds;
//! - [`logging`]: the log file.

pub mod bindings;
pub mod bridge;
pub mod commands;
pub mod demo;
pub mod error;
pub mod logging;
pub mod state;
pub mod tray;

use std::sync::Arc;

use genqueue_core::paths::{APP_IDENTIFIER, default_data_dir};
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::KeyringSecretStore;
use tauri::Manager;

use crate::state::{AppState, Backend};

/// Environment variable overriding Replicate's base URL (a proxy, or a simulator).
pub const API_BASE_ENV: &str = "REPLICATE_API_BASE";

/// Builds and runs the app until the user quits.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second launch focuses the first window instead.
            tray::show_main(app);
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
            let api_base = std::env::var(API_BASE_ENV)
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| ReplicateClient::DEFAULT_BASE_URL.to_owned());
            tracing::info!(data_dir = %data_dir.display(), %api_base, "starting Genqueue");
            let secrets = Arc::new(KeyringSecretStore::new(APP_IDENTIFIER));
            let backend =
                Backend::start(data_dir.clone(), api_base, secrets, None).map_err(|e| {
                    format!(
                        "Genqueue cannot open its data folder {}: {}",
                        data_dir.display(),
                        e.message
                    )
                })?;
            allow_outputs(app.handle(), &data_dir);
            app.manage(AppState::new(backend));
            tray::create(app.handle())?;
            tauri::async_runtime::spawn(bridge::run(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_generations,
            commands::get_generation,
            commands::get_counters,
            commands::create_generation,
            commands::mark_viewed,
            commands::mark_all_viewed,
            commands::cancel_generation,
            commands::retry_generation,
            commands::delete_generation,
            commands::pause_queue,
            commands::resume_queue,
            commands::list_tokens,
            commands::add_token,
            commands::remove_token,
            commands::set_token_enabled,
            commands::revalidate_token,
            commands::list_presets,
            commands::get_model_form,
            commands::start_demo,
            commands::open_output_folder,
            commands::save_output_as,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Genqueue");
}

/// Lets the webview load images from `<data_dir>/outputs` and nothing else.
pub(crate) fn allow_outputs<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    data_dir: &std::path::Path,
) {
    let outputs = data_dir.join(genqueue_core::queue::OUTPUTS_DIR);
    let _ = std::fs::create_dir_all(&outputs);
    if let Err(e) = app.asset_protocol_scope().allow_directory(&outputs, true) {
        tracing::error!(error = %e, "cannot allow the outputs folder to the window");
    }
}
