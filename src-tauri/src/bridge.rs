//! The event bridge: the queue's events go to the window (batched by
//! `event_batch.rs`, waiting in `window_events.rs` until it takes them),
//! the tray (count, icon, menu, tooltip) and the notifications (`notify.rs`): a generation ended, and
//! the whole queue finished, as the `notifications` and
//! `notify_queue_finished` settings say (read at each notification, so a
//! change applies at once).
//!
//! The window never polls: it loads once, then takes events when told
//! (`queue-events-ready`).

use std::time::Duration;

use genqueue_core::events::Event;
use genqueue_core::model::{ErrorKind, GenerationStatus, GenerationSummary};

use genqueue_core::endings::{Decision, Endings, RunTally};
use genqueue_core::queue::Queue;
use genqueue_core::settings::{NotifyMode, Settings};
use genqueue_core::store::ListQuery;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::broadcast::error::RecvError;

use crate::event_batch::{EventBatch, WINDOW_BATCH};
use crate::notify::{Notice, Target};
use crate::window_events::{Put, QUEUE_EVENTS_READY, WindowEvents};

use crate::state::AppState;
use crate::texts::{Lang, Texts};
use crate::window::{NAVIGATE_EVENT, Navigate};

/// Tray refreshes are coalesced to at most one per this interval.
const TRAY_DEBOUNCE: Duration = Duration::from_millis(150);
/// Generations listed in the tray menu.
const TRAY_LATEST: usize = 5;
/// Running or queued generations named in the tray's tooltip.
const TRAY_RUNNING: usize = 3;

/// Runs for the life of the app, following queue swaps (the demo).
pub async fn run<R: Runtime>(app: AppHandle<R>) {
    let mut queues = app.state::<AppState>().watch_queue();
    loop {
        let queue = queues.borrow_and_update().clone();
        refresh_tray(&app, &queue);
        tokio::select! {
            _ = follow(&app, &queue) => {}
            changed = queues.changed() => {
                if changed.is_err() { return; }
                // A new queue: tell the window to reload everything.
                let _ = app.emit(NAVIGATE_EVENT, Navigate { path: String::new() });
            }
        }
    }
}

async fn follow<R: Runtime>(app: &AppHandle<R>, queue: &Queue) {
    let mut rx = queue.events().subscribe();
    let mut tray_due: Option<tokio::time::Instant> = None;
    let mut endings = Endings::of(queue);
    let mut budget = crate::budget_notice::BudgetNotice::default();
    let mut batch = EventBatch::new(WINDOW_BATCH);
    let send = |batch: &mut EventBatch<Event>| {
        let events = batch.take(std::time::Instant::now());
        let Some(waiting) = app.try_state::<WindowEvents>() else {
            return;
        };
        match waiting.put(events) {
            Put::Nothing => {}
            Put::Tell => {
                let _ = app.emit(QUEUE_EVENTS_READY, ());
            }
            Put::Reload => {
                tracing::warn!("the window stopped taking the queue's events; it reloads");
                let _ = app.emit(
                    NAVIGATE_EVENT,
                    Navigate {
                        path: String::new(),
                    },
                );
            }
        }
    };
    loop {
        let sleep = sleep_until(tray_due);
        let batch_due = sleep_until(batch.due().map(tokio::time::Instant::from_std));
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    match endings.on_event(&ev) {
                        Some(Decision::Ended(g)) => notify_end(app, queue, &g),
                        Some(Decision::QueueFinished(run)) => notify_queue_finished(app, queue, &run),
                        None => {}
                    }
                    if let Some(w) = budget.on_event(&ev) {
                        notify_budget(app, queue, &w);
                    }
                    if matches!(ev, Event::CountersChanged(_) | Event::QueueChanged { .. }) && tray_due.is_none() {
                        tray_due = Some(tokio::time::Instant::now() + TRAY_DEBOUNCE);
                    }
                    batch.push(ev);
                    if batch.ready(std::time::Instant::now()) {
                        send(&mut batch);
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    send(&mut batch);
                    tracing::warn!(missed = n, "the window fell behind the queue's events; it reloads");
                    let _ = app.emit(NAVIGATE_EVENT, Navigate { path: String::new() });
                    tray_due = Some(tokio::time::Instant::now());
                }
                Err(RecvError::Closed) => {
                    send(&mut batch);
                    return;
                }
            },
            _ = batch_due => send(&mut batch),
            _ = sleep => {
                tray_due = None;
                refresh_tray(app, queue);
            }
        }
    }
}

/// Sleeps until `t`; for ever when there is none.
async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Reads the counters, the latest unviewed and the language, and redraws the tray.
pub fn refresh_tray<R: Runtime>(app: &AppHandle<R>, queue: &Queue) {
    // The user's own (on a team's database: the member's; see Queue::own_member).
    let (Ok(c), Ok(paused)) = (queue.own_counters(), queue.is_paused()) else {
        return;
    };
    let mine = queue.own_member().map(str::to_owned);
    let latest = queue
        .list(&ListQuery {
            limit: TRAY_LATEST,
            statuses: vec![],
            unviewed_only: true,
            created_by: mine.clone(),
            before: None,
        })
        .unwrap_or_default();
    let running = queue
        .list(&ListQuery {
            limit: TRAY_RUNNING,
            statuses: vec![GenerationStatus::Processing, GenerationStatus::Pending],
            unviewed_only: false,
            created_by: mine,
            before: None,
        })
        .unwrap_or_default();
    let texts = texts_of(queue);
    if let Err(e) = crate::tray::update(app, &c, &latest, &running, paused, texts) {
        tracing::warn!(error = %e, "could not update the tray");
    }
}

fn focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false)
}

/// Whether a generation's end is shown, per the `notifications` setting.
pub fn should_notify_end(mode: NotifyMode, window_focused: bool) -> bool {
    match mode {
        NotifyMode::Always => true,
        NotifyMode::Unfocused => !window_focused,
        NotifyMode::Never => false,
    }
}

/// Whether "the queue has finished" is shown: `notify_queue_finished` on,
/// something completed or failed in this run (not only cancellations), and
/// the window not focused, unless `notifications` is `always`. (With
/// `notifications: never` this one still shows: it has its own switch.)
pub fn should_notify_queue_finished(s: &Settings, run: &RunTally, window_focused: bool) -> bool {
    s.notify_queue_finished
        && run.completed + run.failed > 0
        && (s.notifications == NotifyMode::Always || !window_focused)
}

/// The tray's and the notifications' words, in the language of the settings
/// (read each time, so a change applies at the next refresh).
pub fn texts_of(queue: &Queue) -> Texts {
    Texts(Lang::of(queue.settings().unwrap_or_default().language))
}

fn notify_queue_finished<R: Runtime>(app: &AppHandle<R>, queue: &Queue, run: &RunTally) {
    let s = queue.settings().unwrap_or_default();
    if !should_notify_queue_finished(&s, run, focused(app)) {
        return;
    }
    let texts = Texts(Lang::of(s.language));
    let (title, body) = texts.queue_finished(run);
    let target = match run.created_span() {
        Some((from, to)) => Target::Run { from, to },
        None => Target::History,
    };
    let notice = Notice {
        title,
        body,
        target,
        retry: None,
        image: None,
    };
    crate::notify::show(app, notice, texts);
}

/// The picture a result's notification shows, as a path: its first
/// picture, else its video's poster frame when one was made
/// (`engine::poster`); none for audio or text.
fn first_picture(data_dir: &std::path::Path, files: &[String]) -> Option<std::path::PathBuf> {
    use genqueue_core::engine::{OutputKind, output_kind};
    match files.iter().find(|f| output_kind(f) == OutputKind::Image) {
        Some(picture) => Some(genqueue_core::paths::resolve_output_path(data_dir, picture)),
        None => genqueue_core::engine::poster::saved_poster(data_dir, files),
    }
}

/// The start of a text-only result (`text.txt`), to show in its notification.
fn text_excerpt(queue: &Queue, g: &GenerationSummary) -> Option<String> {
    use genqueue_core::engine::{OutputKind, output_kind};
    let [only] = g.output_files.as_slice() else {
        return None;
    };
    if output_kind(only) != OutputKind::Text {
        return None;
    }
    let path = genqueue_core::paths::resolve_output_path(queue.data_dir(), only);
    let mut head = Vec::new();
    use std::io::Read;
    std::fs::File::open(path)
        .ok()?
        .take(2048)
        .read_to_end(&mut head)
        .ok()?;
    let text = String::from_utf8_lossy(&head);
    let excerpt: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(120)
        .collect();
    (!excerpt.is_empty()).then_some(excerpt)
}

/// One notification when a budget holds the queue (unless notifications are off).
fn notify_budget<R: Runtime>(
    app: &AppHandle<R>,
    queue: &Queue,
    w: &genqueue_core::wait::WaitReason,
) {
    let s = queue.settings().unwrap_or_default();
    if s.notifications == NotifyMode::Never {
        return;
    }
    let waiting = queue.counters().map(|c| c.pending).unwrap_or(0);
    let texts = Texts(Lang::of(s.language));
    let (title, body) = texts.budget_held(w, waiting);
    let notice = Notice {
        title,
        body,
        target: Target::Spend,
        retry: None,
        image: None,
    };
    crate::notify::show(app, notice, texts);
}

/// A native notification when a generation ends, per the `notifications` setting.
/// On a team's database only one's own generations notify (another
/// member's may end on this machine's engine).
fn notify_end<R: Runtime>(app: &AppHandle<R>, queue: &Queue, g: &GenerationSummary) {
    if !genqueue_core::team::is_own(&g.creator, queue.creator()) {
        return;
    }
    let s = queue.settings().unwrap_or_default();
    if !should_notify_end(s.notifications, focused(app)) {
        return;
    }
    let texts = Texts(Lang::of(s.language));
    let (title, body) = match g.status {
        GenerationStatus::Completed => (
            texts.ready_title_for(&g.output_files),
            text_excerpt(queue, g).unwrap_or_else(|| g.prompt_excerpt.chars().take(120).collect()),
        ),
        GenerationStatus::Failed => (
            texts.failed_title().to_owned(),
            texts.failure(g.error_kind.unwrap_or(ErrorKind::Other), g.error.as_deref()),
        ),
        _ => return,
    };
    let notice = Notice {
        title,
        body,
        target: Target::Result(g.id),
        retry: (g.status == GenerationStatus::Failed).then_some(g.id),
        image: (g.status == GenerationStatus::Completed)
            .then(|| first_picture(queue.data_dir(), &g.output_files))
            .flatten(),
    };
    crate::notify::show(app, notice, texts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_shows_the_first_picture_else_the_videos_poster() {
        let data = std::path::Path::new("/data");
        let files = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("outputs/g/{n}"))
                .collect::<Vec<_>>()
        };
        let picture = first_picture(data, &files(&["0.png", "1.png"])).unwrap();
        assert!(picture.ends_with("outputs/g/0.png"), "{picture:?}");
        assert!(picture.starts_with(data));
        assert_eq!(
            first_picture(data, &files(&["0.webm"])),
            None,
            "no poster made"
        );
        assert_eq!(first_picture(data, &files(&["text.txt"])), None);
        // A poster made beside the video.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("outputs/g")).unwrap();
        std::fs::write(dir.path().join("outputs/g/1-video.poster.png"), b"png").unwrap();
        let poster = first_picture(dir.path(), &files(&["0-audio.wav", "1-video.webm"]));
        assert_eq!(
            poster,
            Some(dir.path().join("outputs/g/1-video.poster.png"))
        );
        let mixed = first_picture(data, &files(&["0-video.webm", "1-poster.jpg"])).unwrap();
        assert!(mixed.ends_with("1-poster.jpg"));
    }

    #[test]
    fn notification_modes_follow_the_setting_and_the_focus() {
        assert!(should_notify_end(NotifyMode::Always, true));
        assert!(should_notify_end(NotifyMode::Unfocused, false));
        assert!(!should_notify_end(NotifyMode::Unfocused, true));
        assert!(!should_notify_end(NotifyMode::Never, false));
    }

    #[test]
    fn queue_finished_needs_its_switch_real_work_and_usually_no_focus() {
        let done = RunTally {
            completed: 3,
            failed: 1,
            ..RunTally::default()
        };
        let only_cancelled = RunTally {
            cancelled: 2,
            ..RunTally::default()
        };
        let on = Settings::default();
        assert!(should_notify_queue_finished(&on, &done, false));
        assert!(!should_notify_queue_finished(&on, &done, true));
        assert!(!should_notify_queue_finished(&on, &only_cancelled, false));
        let always = Settings {
            notifications: NotifyMode::Always,
            ..Settings::default()
        };
        assert!(should_notify_queue_finished(&always, &done, true));
        let off = Settings {
            notify_queue_finished: false,
            ..Settings::default()
        };
        assert!(!should_notify_queue_finished(&off, &done, false));
    }
}
