//! Telegram in the desktop app: one core [`Relay`] for the queue the app
//! shows (a new one when the demo swaps the queue), and its status sent to
//! the window as the `telegram-status` event, so Settings shows a failure
//! once and what waits to be sent without polling.

use genqueue_core::telegram::{Relay, RelayConfig, TelegramStatus};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Mutex;

use crate::state::AppState;

/// Name of the event carrying [`TelegramStatus`] to the window.
pub const TELEGRAM_STATUS_EVENT: &str = "telegram-status";

/// Tauri-managed: the relay of the current queue.
#[derive(Default)]
pub struct TelegramRelay(Mutex<Option<Relay>>);

impl TelegramRelay {
    /// The status now (the default before the relay started).
    pub async fn status(&self) -> TelegramStatus {
        match &*self.0.lock().await {
            Some(r) => r.status().borrow().clone(),
            None => TelegramStatus::default(),
        }
    }

    /// Forgets the failure Settings showed.
    pub async fn dismiss_failure(&self) {
        if let Some(r) = &*self.0.lock().await {
            r.dismiss_failure();
        }
    }
}

/// Runs for the life of the app: a relay per queue, its status to the window.
pub async fn run<R: Runtime>(app: AppHandle<R>) {
    let mut queues = app.state::<AppState>().watch_queue();
    loop {
        let queue = queues.borrow_and_update().clone();
        let relay = Relay::start(queue, RelayConfig::default());
        let mut status = relay.status();
        // The previous relay (if any) stops when replaced.
        *app.state::<TelegramRelay>().0.lock().await = Some(relay);
        loop {
            tokio::select! {
                changed = status.changed() => {
                    if changed.is_err() { break; }
                    let s = status.borrow_and_update().clone();
                    let _ = app.emit(TELEGRAM_STATUS_EVENT, &s);
                }
                changed = queues.changed() => {
                    if changed.is_err() { return; }
                    break;
                }
            }
        }
    }
}
