//! [`Relay`]: sends the queue's endings to Telegram without ever holding
//! the queue up.
//!
//! Two tasks. The listener follows the queue's events through
//! [`Endings`] (one decision per ending, one "queue finished" per run),
//! reads the `telegram` settings and puts what is to be sent in a bounded
//! outbox (the oldest item is dropped, and counted, when it is full). The
//! sender takes the oldest item, reads the bot token (keyring) and the
//! settings at that moment, and sends it; on a 429 it waits the
//! `retry_after` Telegram gave, on a 5xx or no connection it retries with
//! exponential, jittered backoff, the item staying first so order is kept;
//! on a refusal (bad token, unknown chat, unreadable file) the item is
//! dropped and the failure kept in [`TelegramStatus::last_failure`] for
//! Settings to show once. The queue, the store and the engine never wait
//! for Telegram and never see its failures.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;
use tokio::sync::{Notify, broadcast::error::RecvError, watch};
use tokio::task::JoinHandle;

use super::message::{self, Outgoing};
use super::{BotApi, DEFAULT_BASE_URL, TelegramError, Upload, token};
use crate::endings::{Decision, Endings};
use crate::model::GenerationStatus;
use crate::queue::Queue;
use crate::settings::TelegramSettings;

/// Tuning of a [`Relay`].
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Items kept while Telegram cannot be reached; beyond it the oldest go.
    pub outbox_capacity: usize,
    /// First retry delay after a 5xx or no connection (doubles, jittered).
    pub retry_base: Duration,
    /// Longest delay between retries (a 429's `retry_after` may be longer).
    pub retry_cap: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            outbox_capacity: 500,
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(120),
        }
    }
}

/// A failure that dropped a message, kept until dismissed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TelegramFailure {
    /// What went wrong, for people (never the token).
    pub message: String,
    pub at: DateTime<Utc>,
}

/// How sending to Telegram goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TelegramStatus {
    /// Messages waiting in the outbox.
    pub pending: u32,
    /// Messages sent since the app started.
    pub sent: u64,
    /// Messages dropped because the outbox was full.
    pub dropped: u64,
    /// While a message is being retried: why (Telegram unreachable, 429…).
    pub retrying: Option<String>,
    /// The last refusal that dropped a message, until dismissed.
    pub last_failure: Option<TelegramFailure>,
}

struct Shared {
    queue: Queue,
    config: RelayConfig,
    /// (sequence number, item): the sender removes by number, so an item
    /// dropped from a full outbox while it was being sent is not mistaken.
    outbox: Mutex<VecDeque<(u64, Outgoing)>>,
    next_seq: Mutex<u64>,
    wake: Notify,
    status: watch::Sender<TelegramStatus>,
}

/// The running relay of one queue. Dropping it stops its tasks.
pub struct Relay {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Relay {
    /// Starts following `queue` (call inside a tokio runtime).
    pub fn start(queue: Queue, config: RelayConfig) -> Relay {
        let (status, _) = watch::channel(TelegramStatus::default());
        let shared = Arc::new(Shared {
            queue,
            config,
            outbox: Mutex::new(VecDeque::new()),
            next_seq: Mutex::new(0),
            wake: Notify::new(),
            status,
        });
        // Subscribe before returning, so no ending after `start` is missed.
        let rx = shared.queue.events().subscribe();
        let endings = Endings::of(&shared.queue);
        let tasks = vec![
            tokio::spawn(listen(shared.clone(), rx, endings)),
            tokio::spawn(send_loop(shared.clone())),
        ];
        Relay { shared, tasks }
    }

    /// The status now and each change.
    pub fn status(&self) -> watch::Receiver<TelegramStatus> {
        self.shared.status.subscribe()
    }

    /// Forgets the last failure (Settings showed it).
    pub fn dismiss_failure(&self) {
        self.shared.status.send_modify(|s| s.last_failure = None);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The bot of the settings and the keyring, and the chat id (if set).
/// Blocking parts (the keyring) run on the blocking pool.
///
/// Errors: [`TelegramError::NotConfigured`] without a bot token; the
/// keyring's failure as `NotConfigured` too (its message says what to do);
/// a bad base URL.
pub async fn configured_bot(queue: &Queue) -> Result<(BotApi, TelegramSettings), TelegramError> {
    let settings = queue
        .settings()
        .map_err(|e| TelegramError::NotConfigured(e.to_string()))?
        .telegram;
    let secrets = queue.secrets();
    let token = tokio::task::spawn_blocking(move || token::load(secrets.as_ref()))
        .await
        .map_err(|e| TelegramError::NotConfigured(e.to_string()))?
        .map_err(|e| TelegramError::NotConfigured(e.to_string()))?
        .ok_or_else(|| {
            TelegramError::NotConfigured(
                "no Telegram bot token is set; paste the one @BotFather gave in Settings → Telegram"
                    .into(),
            )
        })?;
    let base = settings.api_base.as_deref().unwrap_or(DEFAULT_BASE_URL);
    Ok((BotApi::new(base, token)?, settings))
}

/// The chat id of the settings, or [`TelegramError::NotConfigured`].
pub fn chat_of(settings: &TelegramSettings) -> Result<String, TelegramError> {
    settings.chat_id.clone().ok_or_else(|| {
        TelegramError::NotConfigured(
            "no Telegram chat is set; write to your bot, then use \"Find my chat\"".into(),
        )
    })
}

async fn listen(
    shared: Arc<Shared>,
    mut rx: tokio::sync::broadcast::Receiver<crate::events::Event>,
    mut endings: Endings,
) {
    loop {
        match rx.recv().await {
            Ok(ev) => {
                if let Some(d) = endings.on_event(&ev) {
                    shared.enqueue(d);
                }
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "the Telegram relay fell behind the queue's events"
                );
            }
            Err(RecvError::Closed) => return,
        }
    }
}

impl Shared {
    /// What a decision sends, per the settings, into the outbox.
    fn enqueue(&self, d: Decision) {
        let Ok(settings) = self.queue.settings() else {
            return;
        };
        let tg = &settings.telegram;
        if tg.chat_id.is_none() {
            return;
        }
        let ru = message::russian(settings.language);
        let items: Vec<Outgoing> = match d {
            Decision::Ended(g) => {
                let wanted = match g.status {
                    GenerationStatus::Completed => tg.send_completed,
                    GenerationStatus::Failed => tg.send_failed,
                    _ => false,
                };
                if !wanted {
                    return;
                }
                let Ok(full) = self.queue.get(g.id) else {
                    return;
                };
                if g.status == GenerationStatus::Completed {
                    message::for_completion(&full, self.queue.data_dir(), ru)
                } else {
                    vec![message::for_failure(&full, ru)]
                }
            }
            Decision::QueueFinished(run) => {
                if !tg.send_queue_finished || run.completed + run.failed == 0 {
                    return;
                }
                vec![message::for_queue_finished(&run, ru)]
            }
        };
        let mut dropped = 0;
        let pending = {
            let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
            let mut seq = self.next_seq.lock().unwrap_or_else(|p| p.into_inner());
            for item in items {
                if outbox.len() >= self.config.outbox_capacity {
                    outbox.pop_front();
                    dropped += 1;
                }
                *seq += 1;
                outbox.push_back((*seq, item));
            }
            outbox.len()
        };
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "the Telegram outbox is full; the oldest messages were dropped"
            );
        }
        self.status.send_modify(|s| {
            s.pending = pending as u32;
            s.dropped += dropped;
        });
        self.wake.notify_one();
    }

    fn front(&self) -> Option<(u64, Outgoing)> {
        self.outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .front()
            .cloned()
    }

    fn remove(&self, seq: u64) -> usize {
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        outbox.retain(|(s, _)| *s != seq);
        outbox.len()
    }

    /// Sends one item with the token and settings of now.
    async fn send(&self, item: &Outgoing) -> Result<(), TelegramError> {
        let (bot, settings) = configured_bot(&self.queue).await?;
        let chat = chat_of(&settings)?;
        match item {
            Outgoing::Text(text) => bot.send_message(&chat, text).await,
            Outgoing::Photo { file, caption } => {
                bot.send_photo(&chat, read(file).await?, caption).await
            }
            Outgoing::Document { file, caption } => {
                bot.send_document(&chat, read(file).await?, caption).await
            }
            Outgoing::Album { files, caption } => {
                let mut photos = Vec::with_capacity(files.len());
                for f in files {
                    photos.push(read(f).await?);
                }
                bot.send_media_group(&chat, photos, caption).await
            }
        }
    }

    fn backoff(&self, failures: u32) -> Duration {
        let exp = self
            .config
            .retry_base
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
            .min(self.config.retry_cap);
        // Full jitter on the upper half: [exp/2, exp].
        let half = exp / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

/// Reads an output file to upload.
async fn read(path: &std::path::Path) -> Result<Upload, TelegramError> {
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        TelegramError::File(format!(
            "cannot read the output file {}: {e}",
            path.display()
        ))
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    Ok(Upload { file_name, bytes })
}

async fn send_loop(shared: Arc<Shared>) {
    let mut failures: u32 = 0;
    loop {
        let Some((seq, item)) = shared.front() else {
            shared.wake.notified().await;
            continue;
        };
        match shared.send(&item).await {
            Ok(()) => {
                failures = 0;
                let pending = shared.remove(seq);
                shared.status.send_modify(|s| {
                    s.pending = pending as u32;
                    s.sent += 1;
                    s.retrying = None;
                });
            }
            Err(e) if e.is_retryable() => {
                failures += 1;
                let wait = e.retry_after().unwrap_or_else(|| shared.backoff(failures));
                tracing::info!(error = %e, wait_ms = wait.as_millis() as u64, "Telegram: retrying");
                shared
                    .status
                    .send_modify(|s| s.retrying = Some(e.to_string()));
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                failures = 0;
                tracing::warn!(error = %e, "Telegram: a message was not sent");
                let pending = shared.remove(seq);
                let at = shared.queue.now();
                shared.status.send_modify(|s| {
                    s.pending = pending as u32;
                    s.retrying = None;
                    s.last_failure = Some(TelegramFailure {
                        message: e.to_string(),
                        at,
                    });
                });
            }
        }
    }
}
