//! Following a running prediction through its `urls.stream` (server-sent
//! events, see [`crate::replicate::stream`]) as a hint, while status reads
//! stay the truth (issue 12):
//!
//! - [`Live::open`] opens the stream of a running prediction, if it has one
//!   and fewer than [`StreamConfig::max_open`] are open in this engine;
//! - its `logs` events update the generation's progress at once (the same
//!   tqdm reading as status reads: [`crate::replicate::parse_progress`]);
//! - `done`, `error` or the server ending the stream wake the follower, who
//!   reads the prediction at once ([`Live::sleep`] returns [`Wake::Ended`]);
//! - a connection that drops is resumed with `Last-Event-ID` a few times;
//!   a stream that cannot be opened or keeps breaking is given up
//!   ([`Wake::Broken`]) and the follower goes back to its read schedule.
//!
//! While a stream is open the follower still reads every
//! [`StreamConfig::check`] (a stream can go silent without closing).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinHandle;

use super::Shared;
use super::schedule::jittered_backoff;
use crate::lifecycle::Transition;
use crate::model::GenerationId;
use crate::replicate::{ApiErrorKind, Prediction, StreamEvent, parse_progress};

/// How the engine uses prediction streams.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Streams open at once in one engine (each holds a connection); the
    /// predictions beyond it are read on the schedule. 0 turns streams off.
    pub max_open: usize,
    /// Longest gap between two status reads while a stream is open.
    pub check: Duration,
    /// Connections (opens and resumes) one stream may use before it is
    /// given up for the schedule; each one is a request.
    pub max_connects: u32,
    /// Longest wait for the next byte of an open stream (the `: hi` comment
    /// included) before it counts as broken.
    pub idle: Duration,
    /// How long a create may be held (`Prefer: wait`) before its prediction
    /// is looked for in the token's list and streamed during the rest of
    /// the hold (see `engine/peek.rs`); `None`: never.
    pub peek_after: Option<Duration>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            max_open: 64,
            check: Duration::from_secs(60),
            max_connects: 4,
            idle: Duration::from_secs(300),
            peek_after: Some(Duration::from_secs(30)),
        }
    }
}

/// The engine's stream slots, and the streams opened while a create was
/// held, waiting for their follower.
pub(crate) struct Streams {
    slots: Arc<Semaphore>,
    held: std::sync::Mutex<HashMap<GenerationId, Live>>,
}

impl Streams {
    pub fn new(config: &StreamConfig) -> Self {
        Streams {
            slots: Arc::new(Semaphore::new(config.max_open)),
            held: Default::default(),
        }
    }

    /// Keeps `live` for the follower of `id`.
    pub(super) fn hold(&self, id: GenerationId, live: Live) {
        self.held.lock().unwrap().insert(id, live);
    }

    /// The stream opened for `id` while its create was held, if any.
    pub(super) fn take(&self, id: GenerationId) -> Option<Live> {
        self.held.lock().unwrap().remove(&id)
    }
}

/// What woke the follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wake {
    /// The planned time came.
    Timer,
    /// The stream said the prediction ended (or the server ended the stream):
    /// read it now.
    Ended,
    /// The stream could not be opened or kept open: back to the schedule.
    Broken,
}

/// A message from the stream task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    Ended,
    Broken,
}

/// One generation's stream, while it is followed. Dropping it closes the
/// stream.
#[derive(Default)]
pub(super) struct Live {
    task: Option<(JoinHandle<()>, mpsc::Receiver<Hint>)>,
    /// Shared with the stream task: what a later stream resumes from.
    shared: Arc<Resume>,
    /// Given up: no more streams for this generation.
    given_up: bool,
}

/// What a stream of one generation leaves to the next one.
#[derive(Default)]
struct Resume {
    /// The last event id received, sent back as `Last-Event-ID`.
    last_event_id: std::sync::Mutex<Option<String>>,
    /// Connections made so far (bounded by `max_connects`).
    connects: AtomicU32,
    /// A language model's text so far (its `output` pieces, joined).
    text: std::sync::Mutex<String>,
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some((task, _)) = self.task.take() {
            task.abort();
        }
    }
}

impl Live {
    /// Whether a stream is open (or opening).
    pub fn is_open(&self) -> bool {
        self.task.is_some()
    }

    /// Opens `p`'s stream when it has one, is still running, has no output
    /// yet (output in a non-terminal answer means it ended: a read comes at
    /// once) and a slot is free. Does nothing when one is open already.
    pub fn open(&mut self, s: &Arc<Shared>, id: GenerationId, p: &Prediction) {
        if self.task.is_some()
            || self.given_up
            || p.status.is_terminal()
            || !p.output.is_null()
            || self.shared.connects.load(Ordering::Relaxed) >= s.config.streams.max_connects
        {
            return;
        }
        let Some(url) = p.urls.stream.clone().filter(|u| !u.is_empty()) else {
            return;
        };
        let Ok(slot) = s.streams.slots.clone().try_acquire_owned() else {
            return;
        };
        let (tx, rx) = mpsc::channel(1);
        let run = Run {
            s: s.clone(),
            id,
            url,
            resume: self.shared.clone(),
        };
        let task = tokio::spawn(run.go(tx, slot));
        self.task = Some((task, rx));
    }

    /// The gap before the next read: `planned` on the schedule, at most
    /// [`StreamConfig::check`] while a stream is open.
    pub fn gap(&self, s: &Arc<Shared>, planned: Duration) -> Duration {
        if self.is_open() && !planned.is_zero() {
            s.config.streams.check
        } else {
            planned
        }
    }

    /// Sleeps `d`, or less when the stream has news.
    pub async fn sleep(&mut self, d: Duration) -> Wake {
        let Some((_, rx)) = self.task.as_mut() else {
            tokio::time::sleep(d).await;
            return Wake::Timer;
        };
        let hint = tokio::select! {
            _ = tokio::time::sleep(d) => return Wake::Timer,
            hint = rx.recv() => hint,
        };
        self.task = None;
        match hint {
            Some(Hint::Ended) => Wake::Ended,
            Some(Hint::Broken) | None => {
                self.given_up = true;
                Wake::Broken
            }
        }
    }
}

/// The stream task of one generation.
struct Run {
    s: Arc<Shared>,
    id: GenerationId,
    url: String,
    resume: Arc<Resume>,
}

impl Run {
    async fn go(self, tx: mpsc::Sender<Hint>, _slot: OwnedSemaphorePermit) {
        let hint = self.follow().await;
        let _ = tx.send(hint).await;
    }

    async fn follow(&self) -> Hint {
        let client = self.s.queue.client().clone();
        let idle = self.s.config.streams.idle;
        let mut logs = LogTail::default();
        let mut broken = 0u32;
        let max = self.s.config.streams.max_connects;
        while self.resume.connects.fetch_add(1, Ordering::Relaxed) < max {
            let last = self.resume.last_event_id.lock().unwrap().clone();
            let opened =
                tokio::time::timeout(idle, client.open_stream(&self.url, last.as_deref())).await;
            let mut stream = match opened {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(generation = %self.id, code = %e.code(), "prediction stream did not open");
                    // A refusal (4xx) will not change; a 5xx or a dropped
                    // connection may: try again after a pause.
                    if e.status.is_some_and(|st| (400..500).contains(&st))
                        || e.kind == ApiErrorKind::BadUrl
                        || e.kind == ApiErrorKind::Decode
                    {
                        return Hint::Broken;
                    }
                    broken += 1;
                    tokio::time::sleep(self.pause(broken)).await;
                    continue;
                }
                Err(_) => {
                    tracing::debug!(generation = %self.id, "prediction stream sent nothing in time");
                    broken += 1;
                    continue;
                }
            };
            loop {
                let next = tokio::time::timeout(idle, stream.next_event()).await;
                let event = match next {
                    Ok(Ok(Some(event))) => event,
                    // The server ended the stream, with or without `done`:
                    // the prediction may have ended; the read will say.
                    Ok(Ok(None)) => return Hint::Ended,
                    Ok(Err(e)) => {
                        tracing::debug!(generation = %self.id, code = %e.code(), "prediction stream broke");
                        break;
                    }
                    Err(_) => {
                        tracing::debug!(generation = %self.id, "prediction stream went silent");
                        break;
                    }
                };
                *self.resume.last_event_id.lock().unwrap() =
                    stream.last_event_id().map(str::to_owned);
                broken = 0;
                if event.ends() {
                    return Hint::Ended;
                }
                match event {
                    StreamEvent::Logs(text) => {
                        logs.push(&text);
                        self.show(logs.progress());
                    }
                    StreamEvent::Output(piece) => self.grow_text(&piece),
                    _ => {}
                }
            }
            broken += 1;
            tokio::time::sleep(self.pause(broken)).await;
        }
        Hint::Broken
    }

    fn pause(&self, n: u32) -> Duration {
        jittered_backoff(self.s.config.retry_base / 4, n, self.s.config.retry_cap)
    }

    /// Adds a streamed `output` piece to the text so far and announces it,
    /// unless the piece is a file (a URL or `data:` URI: an image model's
    /// stream) or the text has passed [`MAX_LIVE_TEXT`].
    fn grow_text(&self, piece: &str) {
        if is_file_piece(piece) {
            return;
        }
        let text = {
            let mut text = self.resume.text.lock().unwrap();
            if text.len() > MAX_LIVE_TEXT {
                return;
            }
            text.push_str(piece);
            text.clone()
        };
        self.s
            .queue
            .events()
            .send(crate::events::Event::OutputText { id: self.id, text });
    }

    /// Shows a new progress percentage (only a change is written).
    fn show(&self, progress: Option<u8>) {
        let Some(pct) = progress else { return };
        let Ok(Some(row)) = self.s.queue.store().get_generation(self.id) else {
            return;
        };
        if row.progress == Some(pct) || row.status != crate::model::GenerationStatus::Processing {
            return;
        }
        let res = super::steps::commit(
            &self.s,
            self.id,
            Transition::Progress {
                progress: Some(pct),
                replicate_status: "processing".to_owned(),
                started_at: None,
            },
        );
        if let Err(e) = res {
            tracing::warn!(generation = %self.id, error = %e, "could not show streamed progress");
        }
    }
}

/// Text past this many bytes is no longer announced live (64 KiB).
const MAX_LIVE_TEXT: usize = 64 * 1024;

/// True for an `output` piece that is a file, not text: one word that is an
/// http(s) URL or a `data:` URI (what file outputs stream as).
fn is_file_piece(piece: &str) -> bool {
    let p = piece.trim();
    !p.is_empty()
        && !p.contains(char::is_whitespace)
        && ["https://", "http://", "data:"]
            .iter()
            .any(|s| p.starts_with(s))
}

/// The end of a stream's logs, enough for the last tqdm line.
#[derive(Default)]
struct LogTail {
    text: String,
}

impl LogTail {
    const KEEP: usize = 4096;

    fn push(&mut self, chunk: &str) {
        self.text.push_str(chunk);
        self.text.push('\n');
        if self.text.len() > 2 * Self::KEEP {
            let mut cut = self.text.len() - Self::KEEP;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            self.text.drain(..cut);
        }
    }

    fn progress(&self) -> Option<u8> {
        parse_progress(&self.text).map(|p| p.percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_files_are_not_text_and_words_are() {
        assert!(is_file_piece("https://replicate.delivery/xezq/out-0.webp"));
        assert!(is_file_piece("data:image/png;base64,iVBORw0KGgo="));
        assert!(!is_file_piece(" Once"));
        assert!(!is_file_piece("https://example.com is a site"));
        assert!(!is_file_piece("\n"));
    }

    #[test]
    fn log_tail_reads_the_last_bar_across_events() {
        let mut t = LogTail::default();
        t.push("Using seed: 1\nPrediction started");
        assert_eq!(t.progress(), None);
        t.push("  0%|          | 0/4 [00:00<?, ?it/s]");
        t.push(" 50%|█████     | 2/4 [00:01<00:01,  2.00it/s]");
        assert_eq!(t.progress(), Some(50));
        t.push("\r 75%|███████▌  | 3/4 [00:01<00:00,  2.00it/s]");
        assert_eq!(t.progress(), Some(75));
    }

    #[test]
    fn log_tail_stays_bounded_and_keeps_the_end() {
        let mut t = LogTail::default();
        for i in 0..10_000 {
            t.push(&format!("line {i} █"));
        }
        assert!(t.text.len() <= 2 * LogTail::KEEP + 32);
        t.push("100%|██████████| 4/4 [00:02<00:00,  2.00it/s]");
        assert_eq!(t.progress(), Some(100));
    }
}
