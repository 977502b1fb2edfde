//! The system tray: icon (idle or active), title and tooltip with `⟳ N`
//! (the tooltip also names what runs), and a menu with the latest unviewed
//! generations, Pause/Resume, Show, Quit. A left click shows the window
//! (macOS: the menu, as its menu bar does).
//!
//! On Linux the tray is a StatusNotifierItem on the session bus (tray-icon's
//! `ksni` backend, see Cargo.toml): the title and the ToolTip property
//! carry `⟳ N`, Activate (a left click) shows the window, the menu is
//! exported over com.canonical.dbusmenu. Without a StatusNotifierWatcher
//! and a host (a panel) behind it, [`create`] fails and the app runs
//! without a tray (lib.rs logs it once).
//!
//! Where the platform shows no tray title (Windows; some panels), the count
//! is still in the tooltip and in the menu's first line.

use genqueue_core::model::{Counters, GenerationStatus, GenerationSummary};
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::texts::Texts;
use crate::window;

/// Tray id (on Linux also the StatusNotifierItem's `Id`).
pub const TRAY_ID: &str = "genqueue";
/// Menu item ids.
const SHOW: &str = "show";
const QUIT: &str = "quit";
const PAUSE: &str = "pause";
const RESUME: &str = "resume";
const COUNT_LINE: &str = "count";
/// Prefix of a generation's menu item id: `gen:<uuid>`.
const GEN_PREFIX: &str = "gen:";

const IDLE_ICON: &[u8] = include_bytes!("../../icons/tray-idle.png");
const ACTIVE_ICON: &[u8] = include_bytes!("../../icons/tray-active.png");

/// The `⟳ N` text: empty at zero, as in the header.
pub fn count_text(c: &Counters) -> String {
    if c.unviewed == 0 {
        String::new()
    } else {
        format!("⟳ {}", c.unviewed)
    }
}

fn status_mark(s: GenerationStatus) -> &'static str {
    match s {
        GenerationStatus::Pending | GenerationStatus::Processing => "⟳",
        GenerationStatus::Completed => "✓",
        GenerationStatus::Failed => "✗",
        GenerationStatus::Cancelled => "—",
    }
}

fn menu_label(g: &GenerationSummary) -> String {
    let mut p: String = g.prompt_excerpt.chars().take(40).collect();
    if g.prompt_excerpt.chars().count() > 40 {
        p.push('…');
    }
    let model = g.model_name.rsplit('/').next().unwrap_or(&g.model_name);
    format!("{} {p} ({model})", status_mark(g.status))
}

fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    c: &Counters,
    latest: &[GenerationSummary],
    paused: bool,
    texts: Texts,
) -> tauri::Result<Menu<R>> {
    let count_line = texts.count_line(c);
    let mut m = MenuBuilder::new(app).item(
        &MenuItemBuilder::with_id(COUNT_LINE, count_line)
            .enabled(false)
            .build(app)?,
    );
    for g in latest {
        m = m.item(
            &MenuItemBuilder::with_id(format!("{GEN_PREFIX}{}", g.id), menu_label(g)).build(app)?,
        );
    }
    m = m.separator();
    m = if paused {
        m.item(&MenuItemBuilder::with_id(RESUME, texts.resume()).build(app)?)
    } else {
        m.item(&MenuItemBuilder::with_id(PAUSE, texts.pause()).build(app)?)
    };
    m.item(&MenuItemBuilder::with_id(SHOW, texts.show_window()).build(app)?)
        .separator()
        .item(&MenuItemBuilder::with_id(QUIT, texts.quit()).build(app)?)
        .build()
}

/// The tooltip: [`Texts::tooltip`], then a line per running generation
/// (`⟳ prompt… (model)`, as in the menu).
pub fn tooltip(texts: Texts, c: &Counters, paused: bool, running: &[GenerationSummary]) -> String {
    let mut s = texts.tooltip(c, paused);
    for g in running {
        s.push('\n');
        s.push_str(&menu_label(g));
    }
    s
}

/// Whether a tray event is a left click (or a double click), which shows
/// the window.
fn is_left_click(event: &TrayIconEvent) -> bool {
    matches!(
        event,
        TrayIconEvent::Click {
            button: MouseButton::Left,
            button_state: MouseButtonState::Up,
            ..
        } | TrayIconEvent::DoubleClick {
            button: MouseButton::Left,
            ..
        }
    )
}

/// Creates the tray. Linux: fails without a StatusNotifierWatcher and a
/// host on the session bus (see the module doc).
pub fn create<R: Runtime>(app: &AppHandle<R>, texts: Texts) -> tauri::Result<TrayIcon<R>> {
    let c = Counters::default();
    let menu = build_menu(app, &c, &[], false, texts)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(IDLE_ICON)?)
        .tooltip(tooltip(texts, &c, false, &[]))
        .menu(&menu)
        .show_menu_on_left_click(cfg!(target_os = "macos"))
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if !cfg!(target_os = "macos") && is_left_click(&event) {
                window::show_main(tray.app_handle());
            }
        })
        .build(app)
}

/// Refreshes icon, title, tooltip and menu after a change; `running`: the
/// generations the tooltip names.
pub fn update<R: Runtime>(
    app: &AppHandle<R>,
    c: &Counters,
    latest: &[GenerationSummary],
    running: &[GenerationSummary],
    paused: bool,
    texts: Texts,
) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let icon = if c.active > 0 { ACTIVE_ICON } else { IDLE_ICON };
    tray.set_icon(Some(Image::from_bytes(icon)?))?;
    let text = count_text(c);
    tray.set_title(if text.is_empty() { None } else { Some(text) })?;
    tray.set_tooltip(Some(tooltip(texts, c, paused, running)))?;
    tray.set_menu(Some(build_menu(app, c, latest, paused, texts)?))?;
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        SHOW => window::show_main(app),
        QUIT => app.exit(0),
        PAUSE | RESUME => {
            let app = app.clone();
            let pause = id == PAUSE;
            tauri::async_runtime::spawn(async move {
                let state = app.state::<crate::state::AppState>();
                let q = state.queue().await;
                let r = if pause { q.pause() } else { q.resume() };
                if let Err(e) = r {
                    tracing::error!(error = %e, "pause/resume from the tray failed");
                }
            });
        }
        other => {
            if let Some(id) = other.strip_prefix(GEN_PREFIX).and_then(|s| s.parse().ok()) {
                window::open_result(app, id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_is_hidden_at_zero_and_shown_otherwise() {
        let mut c = Counters::default();
        assert_eq!(count_text(&c), "");
        c.unviewed = 3;
        assert_eq!(count_text(&c), "⟳ 3");
    }
}
