//! A bare Tauri 2 app: one page, a tray icon with a menu, the notification
//! plugin — what a minimal Tauri desktop app carries. Scenario 7 of
//! BENCHMARKS.md launches it beside Genqueue in the same run (same Xvfb,
//! D-Bus session, window size and Tauri build) to measure what Genqueue's
//! window costs over Tauri + WebKitGTK themselves: memory (PSS of the
//! process tree) and launch → first painted frame.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::Manager;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;

fn main() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let show = MenuItem::with_id(app, "show", "Show", true, None::<&str>)?;
            let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&show, &quit])?;
            let icon = app
                .default_window_icon()
                .cloned()
                .ok_or("the bundle has no icon")?;
            // Without a StatusNotifierWatcher on the bus the tray cannot
            // register: the app runs on without it, as Genqueue does.
            let tray = TrayIconBuilder::with_id("bare")
                .icon(icon)
                .tooltip("Bare Tauri")
                .menu(&menu)
                .on_menu_event(|app, event| match event.id.as_ref() {
                    "show" => {
                        if let Some(w) = app.get_webview_window("main") {
                            let _ = w.show();
                            let _ = w.set_focus();
                        }
                    }
                    "quit" => app.exit(0),
                    _ => {}
                })
                .build(app);
            if let Err(e) = tray {
                eprintln!("bare-tauri: no tray: {e}");
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the bare app failed to start");
}
