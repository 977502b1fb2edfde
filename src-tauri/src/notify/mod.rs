//! Native notifications that lead somewhere: a generation's end opens its
//! result (and marks it viewed), "the queue finished" opens the history
//! filtered to that run.
//!
//! - Linux and the BSDs ([`xdg`]): sent straight to the notification server
//!   (`org.freedesktop.Notifications`, through notify-rust), because the
//!   notification plugin's desktop `show()` sends no actions. When the
//!   server advertises `actions` (`GetCapabilities`), the notification
//!   carries a `default` action (a click on it) and the buttons "Open" and,
//!   for a failure, "Retry"; the answer (`ActionInvoked`) is waited for on
//!   the notification's own thread and carried to the main thread. A server
//!   without actions gets the same notification, without them.
//! - Windows and macOS: the notification plugin, as before (a plain
//!   notification; its click only brings the app forward).
//!
//! The bridge decides *whether* to notify (`bridge.rs`, `endings.rs`); this
//! module decides what a notification carries and what its answer does.

#[cfg(all(unix, not(target_os = "macos")))]
mod xdg;

use chrono::{DateTime, SecondsFormat, Utc};
use genqueue_core::model::GenerationId;
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;
use crate::texts::Texts;
use crate::window;

/// Where a notification's click leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The result page of this generation (which it marks viewed).
    Result(GenerationId),
    /// The history, filtered to generations created at or after `from` and
    /// strictly before `to` (the history query's bounds): one run of the
    /// queue.
    Run {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// The history, unfiltered (a run whose times are unknown).
    History,
    /// The Spend page (a budget holds the queue).
    Spend,
}

impl Target {
    /// The window's route for this target (what [`window::show_page`] takes):
    /// `/result/<id>`, or `/history?from=<RFC 3339>&to=<RFC 3339>` to the
    /// millisecond (the store's `created_at` precision), or `/history`.
    pub fn path(&self) -> String {
        match self {
            Target::Result(id) => format!("/result/{id}"),
            Target::Run { from, to } => format!(
                "/history?from={}&to={}",
                from.to_rfc3339_opts(SecondsFormat::Millis, true),
                to.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
            Target::History => "/history".into(),
            Target::Spend => "/spend".into(),
        }
    }
}

/// One notification: its words, where its click leads, the generation
/// its "Retry" button queues again (a failure's), and a picture to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub target: Target,
    pub retry: Option<GenerationId>,
    /// A saved picture the server may show beside the text (the spec's
    /// `image-path` hint): the result's first picture. A video-only result
    /// has none: no poster frame is made (decoding a frame would take a video
    /// library such as GStreamer's bindings or ffmpeg; the window's lists
    /// draw the first frame in the webview instead).
    pub image: Option<std::path::PathBuf>,
}

/// What an answer to a notification asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Click {
    Open(Target),
    Retry(GenerationId),
}

/// Action keys sent with a notification (the spec's `actions` list pairs
/// each key with its label; `default` is a click on the notification
/// itself and has no button).
pub const ACTION_DEFAULT: &str = "default";
pub const ACTION_OPEN: &str = "open";
pub const ACTION_RETRY: &str = "retry";

impl Notice {
    /// The actions to send, as (key, label) pairs, in the words of `texts`.
    pub fn actions(&self, texts: Texts) -> Vec<(&'static str, &'static str)> {
        let mut a = vec![(ACTION_DEFAULT, texts.open()), (ACTION_OPEN, texts.open())];
        if self.retry.is_some() {
            a.push((ACTION_RETRY, texts.retry()));
        }
        a
    }

    /// What the server's answer `action` (an `ActionInvoked` key) asks for;
    /// `None` for anything else (notify-rust's `__closed` when it closed).
    pub fn click(&self, action: &str) -> Option<Click> {
        match action {
            ACTION_DEFAULT | ACTION_OPEN => Some(Click::Open(self.target.clone())),
            ACTION_RETRY => self.retry.map(Click::Retry),
            _ => None,
        }
    }
}

/// Shows `notice` (see the module doc for how, per platform).
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: Notice, texts: Texts) {
    #[cfg(all(unix, not(target_os = "macos")))]
    xdg::show(app, notice, texts);
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        use tauri_plugin_notification::NotificationExt;
        let _ = texts;
        if let Err(e) = app
            .notification()
            .builder()
            .title(notice.title)
            .body(notice.body)
            .show()
        {
            tracing::warn!(error = %e, "could not show a notification");
        }
    }
}

/// Does what a click asks, the window's part on the main thread.
pub fn perform<R: Runtime>(app: &AppHandle<R>, click: Click) {
    match click {
        Click::Open(target) => {
            let handle = app.clone();
            let r = app.run_on_main_thread(move || match target {
                Target::Result(id) => window::open_result(&handle, id),
                other => window::show_page(&handle, &other.path()),
            });
            if let Err(e) = r {
                tracing::warn!(error = %e, "could not open what a notification points to");
            }
        }
        Click::Retry(id) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let queue = app.state::<AppState>().queue().await;
                match queue.retry(id) {
                    Ok(g) => tracing::info!(from = %id, new = %g.id, "retried from a notification"),
                    Err(e) => tracing::warn!(error = %e, "could not retry from a notification"),
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::Lang;

    fn id(n: u128) -> GenerationId {
        uuid::Uuid::from_u128(n).into()
    }

    #[test]
    fn a_click_or_open_leads_to_the_target_and_retry_only_on_a_failure() {
        let ready = Notice {
            title: "Generation ready: 1 image".into(),
            body: "a fox".into(),
            target: Target::Result(id(1)),
            retry: None,
            image: None,
        };
        assert_eq!(
            ready.click("default"),
            Some(Click::Open(Target::Result(id(1))))
        );
        assert_eq!(
            ready.click("open"),
            Some(Click::Open(Target::Result(id(1))))
        );
        assert_eq!(ready.click("retry"), None);
        assert_eq!(ready.click("__closed"), None);
        let keys: Vec<_> = ready.actions(Texts(Lang::En)).iter().map(|a| a.0).collect();
        assert_eq!(keys, ["default", "open"]);

        let failed = Notice {
            retry: Some(id(2)),
            target: Target::Result(id(2)),
            ..ready
        };
        assert_eq!(failed.click("retry"), Some(Click::Retry(id(2))));
        assert_eq!(
            failed.actions(Texts(Lang::Ru)),
            [
                ("default", "Открыть"),
                ("open", "Открыть"),
                ("retry", "Повторить")
            ]
        );
    }

    #[test]
    fn a_run_opens_the_history_between_its_first_and_last_creation() {
        let from = "2026-12-02T18:00:00.123Z".parse().unwrap();
        let to = "2026-12-02T18:05:01Z".parse().unwrap();
        assert_eq!(
            Target::Run { from, to }.path(),
            "/history?from=2026-12-02T18:00:00.123Z&to=2026-12-02T18:05:01.000Z"
        );
        assert_eq!(Target::Result(id(7)).path(), format!("/result/{}", id(7)));
    }
}
