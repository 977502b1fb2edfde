//! The queue engine: dispatches pending generations onto free token slots,
//! follows each prediction to its end, saves the outputs.
//!
//! One engine runs per data folder (an OS file lock on `engine.lock`
//! enforces it). Every step is written to the store before it is acted on,
//! so a kill at any moment loses nothing and bills nothing twice: at start
//! the engine follows again what was running, reconciles creates whose
//! answer was lost (through the token's prediction list, never by creating
//! blindly), and dispatches the rest.
//!
//! The engine listens to the queue's own events (a submit, a resume, a token
//! enabled) and, for changes made by another process on the same folder
//! (`genq submit` while the app runs), to SQLite's `data_version`, checked
//! twice a second — a local read, never a request to Replicate. A shared
//! PostgreSQL store pushes other engines' writes instead (`news.rs`,
//! `LISTEN/NOTIFY`): nothing is polled there while idle.

mod chain;
mod create;
mod deadline;
mod download;
mod drive;
mod finish;
mod follow;
pub mod inputs;
mod lease;
mod lock;
mod news;
mod peek;
pub mod poster;
#[cfg(all(feature = "video-poster", target_os = "linux"))]
mod poster_gst;
mod reconcile;
mod running;
mod schedule;
mod sniff;
mod steps;
mod stream;
mod tokens;

use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use download::{DownloadError, sniff_extension};
pub use lock::{LOCK_FILE, acquire as lock_data_folder, engine_running};
pub use schedule::{Observation, PollSchedule, RunTimes, jittered_backoff};
pub use sniff::{OutputKind, output_kind};
pub use stream::StreamConfig;

use crate::events::Event;
use crate::model::{GenerationId, GenerationStatus};
use crate::queue::Queue;
use crate::store::{ClaimOutcome, StoreError};

/// Settings key set to `"1"` while an engine runs and `"0"` once it stopped
/// cleanly: found at `"1"` at start, the last run crashed or was killed.
/// On a store shared by engines each folder has its own (`running.rs`).
pub const RUNNING_KEY: &str = "engine_running";

/// The settings key of the "running" flag of the engine that runs (or would
/// run) `queue`: [`RUNNING_KEY`] on SQLite, `engine_running:<folder id>` on
/// a store shared by engines.
///
/// Errors: [`StoreError::Invalid`] when the folder's id cannot be read or made.
pub fn running_key(queue: &Queue) -> Result<String, StoreError> {
    running::key(queue)
}
/// How often the retention setting is applied (and once at start).
pub const RETENTION_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// How the engine behaves. `Default` is what the app and `genq` use.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Create attempts per generation before it fails (429s and
    /// refused tokens do not count: they move to another token).
    pub max_attempts: u32,
    /// `Prefer: wait=N` on creates (1–60 s): the answer comes when the
    /// prediction ends, if within N seconds — one create and one read for
    /// most predictions, and the end seen at once (BENCHMARKS.md, scenario 2).
    /// The price: no progress can be read while the answer is held.
    pub create_wait: Option<u8>,
    /// Least time between two creates on one token for a minute after a 429
    /// (Replicate allows 600 creates a minute: 100 ms). Without it every slot
    /// of the token fires the moment its cooldown ends and provokes the next
    /// 429; outside those minutes creates go at once and use the burst.
    pub min_create_interval: Duration,
    /// Size cap of one output file, in bytes.
    pub max_output_bytes: u64,
    /// How often another process's writes are looked for (a local read).
    pub external_check: Duration,
    /// First backoff after a transient failure; doubles, jittered.
    pub retry_base: Duration,
    /// Longest backoff.
    pub retry_cap: Duration,
    /// Wait after an unknown-outcome create before listing the token's
    /// predictions, so that a slow create has landed.
    pub reconcile_grace: Duration,
    /// How long past a create's own time limit (the client's
    /// `create_time_limit`, 75 s with `Prefer: wait=60`) its outcome stays
    /// unknown: until `create_sent_at` + that limit + this margin, a list
    /// that does not show the prediction is not conclusive (a request that
    /// Replicate received may be acted on a moment later), so the engine
    /// looks again instead of creating a second, billed prediction.
    /// Default 30 s: a request that reached Replicate just before we hung up
    /// is still being acted on for a few seconds (a create makes its
    /// prediction at once, even when the answer is then held), and the
    /// machine that stamped `create_sent_at` may be seconds off this one
    /// (another engine, the team queue). Tests scale it down.
    pub create_landing_margin: Duration,
    /// Status reads scheduling.
    pub schedule: PollSchedule,
    /// Following running predictions through their `urls.stream`.
    pub streams: StreamConfig,
    /// How long this engine's lease on a generation it drives lasts without
    /// renewal (renewed every third of it): when engines share a queue
    /// (PostgreSQL), another takes a killed engine's work over after this.
    pub lease: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_attempts: 5,
            create_wait: Some(60),
            min_create_interval: Duration::from_millis(100),
            max_output_bytes: 200_000_000,
            external_check: Duration::from_millis(500),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(60),
            reconcile_grace: Duration::from_secs(2),
            create_landing_margin: Duration::from_secs(30),
            schedule: PollSchedule::default(),
            streams: StreamConfig::default(),
            lease: Duration::from_secs(30),
        }
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "another Genqueue engine (the desktop app or `genq run`) is already running on {0}; \
         queued generations will be run by it"
    )]
    AlreadyRunning(String),
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) struct Shared {
    pub queue: Queue,
    pub config: EngineConfig,
    pub wake: Notify,
    pub stop: CancellationToken,
    pub run_times: Mutex<RunTimes>,
    /// Tokens whose creates are paced after a 429 (see `min_create_interval`).
    pub next_create: Mutex<std::collections::HashMap<crate::model::TokenId, Pacing>>,
    /// Generations whose create request is on the wire, awaiting its answer.
    pub creating: Mutex<std::collections::HashSet<GenerationId>>,
    /// Generations with a task driving them right now.
    pub driving: Mutex<std::collections::HashSet<GenerationId>>,
    /// Prediction streams open now (bounded).
    pub streams: stream::Streams,
    /// One input upload at a time per token and content (`inputs.rs`).
    pub uploads: inputs::UploadLocks,
    /// This engine's id in the leases (new at every start; `lease.rs`).
    pub engine_id: uuid::Uuid,
    /// The generations this engine holds a lease on, each with the token
    /// that stops its task should the lease be lost, and the lease's fence.
    pub leased: Mutex<std::collections::HashMap<GenerationId, (CancellationToken, i64)>>,
    /// The earliest expiry of another engine's lease seen since the last pass.
    pub lease_wake: Mutex<Option<DateTime<Utc>>>,
}

/// A token's create pacing after a 429: its next create may go at `next`;
/// pacing ends at `until`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    pub next: tokio::time::Instant,
    pub until: tokio::time::Instant,
}

/// A running engine. Dropping it stops dispatching (like [`Engine::shutdown`]
/// without waiting).
pub struct Engine {
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
    after_crash: bool,
    /// This engine's "running" flag ([`RUNNING_KEY`], `running.rs`).
    running_key: String,
    _lock: File,
}

impl Engine {
    /// Takes the data folder's engine lock and starts dispatching on the
    /// current tokio runtime.
    ///
    /// Errors: [`EngineError::AlreadyRunning`] when another process holds the lock.
    pub fn start(queue: Queue, config: EngineConfig) -> Result<Engine, EngineError> {
        let lock = lock::acquire(queue.data_dir())?;
        let running_key = running::key(&queue)?;
        let after_crash = queue.store().setting(&running_key)?.as_deref() == Some("1");
        if after_crash {
            tracing::warn!("the last run did not shut down cleanly");
            if queue.store().settings()?.start_paused_after_crash
                && !queue.is_paused().unwrap_or(true)
            {
                tracing::info!("starting paused after a crash (setting start_paused_after_crash)");
                queue.pause().map_err(|e| match e {
                    crate::queue::QueueError::Store(e) => e,
                    e => StoreError::Invalid(e.to_string()),
                })?;
            }
        }
        queue.store().set_setting(&running_key, "1")?;
        let streams = stream::Streams::new(&config.streams);
        let shared = Arc::new(Shared {
            queue,
            config,
            wake: Notify::new(),
            stop: CancellationToken::new(),
            run_times: Mutex::new(RunTimes::default()),
            creating: Mutex::new(Default::default()),
            next_create: Mutex::new(Default::default()),
            driving: Mutex::new(Default::default()),
            streams,
            uploads: Default::default(),
            engine_id: uuid::Uuid::new_v4(),
            leased: Mutex::new(Default::default()),
            lease_wake: Mutex::new(None),
        });
        tracing::info!(engine = %shared.engine_id, "engine started (its id in the leases)");
        tokio::spawn(lease::renew_loop(shared.clone()));
        // Subscribed now, not when the task first runs: no news is lost between.
        let feed = news::Feed::new(&shared);
        let task = tokio::spawn(dispatch_loop(shared.clone(), feed));
        Ok(Engine {
            shared,
            task: Some(task),
            after_crash,
            running_key,
            _lock: lock,
        })
    }

    /// True when this engine found that the last run did not shut down
    /// cleanly (see [`RUNNING_KEY`]).
    pub fn started_after_crash(&self) -> bool {
        self.after_crash
    }

    /// The queue this engine drives.
    pub fn queue(&self) -> &Queue {
        &self.shared.queue
    }

    /// Asks the dispatcher to look at the queue now.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Stops dispatching and every task. Work in flight stays recorded and
    /// resumes at the next start; nothing is lost.
    pub async fn shutdown(mut self) {
        self.shared.stop.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// Resolves when no generation is pending or processing.
    ///
    /// Pending generations that cannot run (the queue is paused, or no token
    /// is active) keep it waiting: callers that must end then (`genq run`)
    /// check those conditions themselves.
    pub async fn wait_idle(&self) -> Result<(), StoreError> {
        let mut rx = self.shared.queue.events().subscribe();
        loop {
            if self.shared.queue.store().counters()?.active == 0 {
                return Ok(());
            }
            tokio::select! {
                _ = rx.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shared.stop.cancel();
        lease::release_all(&self.shared);
        // A clean stop: the next start is not "after a crash".
        if let Err(e) = self
            .shared
            .queue
            .store()
            .set_setting(&self.running_key, "0")
        {
            tracing::warn!(error = %e, "could not record the engine's clean shutdown");
        }
    }
}

/// The dispatcher: recovers in-flight work, then assigns pending generations
/// to token slots whenever something may have changed.
async fn dispatch_loop(shared: Arc<Shared>, mut feed: news::Feed) {
    let mut tasks: JoinSet<()> = JoinSet::new();
    fail_orphans(&shared);
    if let Err(e) = recover(&shared, &mut tasks).await {
        tracing::error!(error = %e, "could not resume in-flight generations");
    }
    let mut events = shared.queue.events().subscribe();
    // A shared store pushes other engines' writes (news.rs); SQLite's are polled.
    let mut data_version = match feed.pushed() {
        true => 0,
        false => shared.queue.store().data_version().unwrap_or(0),
    };
    let mut check = tokio::time::interval(shared.config.external_check);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut wake_at: Option<DateTime<Utc>> = None;
    let mut dirty = true;
    // The first tick is immediate: retention applies at start, then daily.
    let mut retention = tokio::time::interval(RETENTION_EVERY);
    retention.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // While the database cannot be reached nothing is claimed.
        if dirty && !feed.down() {
            dirty = false;
            wake_at = match dispatch(&shared, &mut tasks).await {
                Ok(w) => w,
                Err(e) => {
                    tracing::error!(error = %e, "dispatch failed");
                    Some(shared.queue.now() + Duration::from_secs(1))
                }
            };
        }
        let sleep = match wake_at {
            Some(t) if !feed.down() => (t - shared.queue.now()).to_std().unwrap_or(Duration::ZERO),
            _ => Duration::from_secs(3600),
        };
        tokio::select! {
            _ = shared.stop.cancelled() => break,
            _ = shared.wake.notified() => dirty = true,
            _ = tokio::time::sleep(sleep) => dirty = true,
            ev = events.recv() => {
                // Many events come in bursts (a batch, progress): one pass for all.
                dirty = matters_to_dispatch(&ev);
                loop {
                    match events.try_recv() {
                        Ok(ev) => dirty |= matters_to_dispatch(&Ok(ev)),
                        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => dirty = true,
                        Err(_) => break,
                    }
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => dirty = true,
            _ = retention.tick() => {
                let q = shared.queue.clone();
                let res = tokio::task::spawn_blocking(move || {
                    let now = q.now();
                    let history = q.apply_retention(now);
                    // Inputs last: the retention may have freed some.
                    if let Err(e) = q.sweep_input_files(now, crate::inputs_sweep::INPUT_SWEEP_GRACE) {
                        tracing::warn!(error = %e, "could not sweep unused input files");
                    }
                    history
                })
                .await;
                if let Ok(Err(e)) = res {
                    tracing::warn!(error = %e, "could not apply the history retention");
                }
            }
            news = feed.next() => {
                feed.act(&shared, &mut tasks, news).await;
                dirty = true;
            }
            _ = check.tick(), if !feed.pushed() => {
                if let Ok(v) = shared.queue.store().data_version() {
                    if v != data_version {
                        data_version = v;
                        external_change(&shared, &mut tasks, shared.queue.now()).await;
                        dirty = true;
                    }
                }
            }
        }
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

/// Whether an event may let the dispatcher start something: new work, a freed
/// slot, a token back in the pool, a resume. Progress of running generations
/// and request counts on busy tokens do not.
fn matters_to_dispatch(ev: &Result<Event, tokio::sync::broadcast::error::RecvError>) -> bool {
    match ev {
        Ok(Event::GenerationChanged(g)) => g.status != GenerationStatus::Processing,
        Ok(Event::TokenChanged(t)) => t.active && t.in_flight < t.max_concurrency,
        Ok(Event::CountersChanged(_) | Event::OutputProgress { .. } | Event::OutputText { .. }) => {
            false
        }
        _ => true,
    }
}

/// How far before a change was noticed the engine looks for rows changed
/// elsewhere (a write commits a moment after its `updated_at`).
const LOOK_BACK: Duration = Duration::from_secs(5);

/// Another process wrote to the store (at `from` or later): announce what it
/// changed, and take over in-flight rows (another engine that stopped; with
/// SQLite the lock guarantees no other engine runs now, on PostgreSQL leases).
async fn external_change(shared: &Arc<Shared>, tasks: &mut JoinSet<()>, from: DateTime<Utc>) {
    let since = from - LOOK_BACK;
    let rows = shared
        .queue
        .store()
        .recently_changed(since)
        .unwrap_or_default();
    if let Err(e) = shared.queue.announce_changed_elsewhere(&rows, since) {
        tracing::warn!(error = %e, "could not announce another process's changes");
    }
    let _ = recover(shared, tasks).await;
}

/// Ends the processing generations that no token can follow any more.
fn fail_orphans(shared: &Arc<Shared>) {
    let Ok(rows) = shared.queue.store().orphaned_processing() else {
        return;
    };
    for g in rows {
        // Only a processing row that lost its token fails; the guard of
        // `Fail` keeps an ended one as it is.
        if g.token_id.is_some() {
            continue;
        }
        let res = shared.queue.commit(
            g.id,
            crate::lifecycle::Transition::Fail {
                kind: crate::model::ErrorKind::TokenRemoved,
                detail: None,
                replicate_status: None,
            },
        );
        if let Err(e) = res {
            tracing::warn!(generation = %g.id, error = %e, "could not end an orphaned generation");
        }
    }
}

/// Starts a task for every in-flight generation that has none.
async fn recover(shared: &Arc<Shared>, tasks: &mut JoinSet<()>) -> Result<(), StoreError> {
    for g in shared.queue.store().in_flight()? {
        let Some(token_id) = g.token_id else { continue };
        if !lease::may_take_over(shared, g.id, token_id).await {
            continue;
        }
        spawn_driver(shared, tasks, g.id, token_id);
    }
    Ok(())
}

fn spawn_driver(
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<()>,
    id: GenerationId,
    token_id: crate::model::TokenId,
) {
    if !shared.driving.lock().unwrap().insert(id) {
        return;
    }
    // Another engine's lease: its work, until the lease expires (taken
    // here, before the pass ends, so the pass knows when to look again).
    let Some(first) = lease::take(shared, id) else {
        shared.driving.lock().unwrap().remove(&id);
        return;
    };
    let s = shared.clone();
    tasks.spawn(async move {
        let (mut id, mut token_id, mut leased) = (id, token_id, Some(first));
        loop {
            let mut look_again = false;
            if let Some(stop) = leased.take() {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    left = drive::drive(&s, id, token_id) => look_again = left,
                }
                lease::release(&s, id);
            }
            s.driving.lock().unwrap().remove(&id);
            if look_again {
                // It holds another token now: the dispatcher drives it on that one.
                s.wake.notify_one();
            }
            // The slot just freed: take the next generation here (chain.rs).
            match chain::claim_next(&s) {
                Some(next) => {
                    (id, token_id) = next;
                    leased = lease::take(&s, id);
                }
                None => break,
            }
        }
        s.wake.notify_one();
    });
}

/// One dispatch pass. Returns when the dispatcher should look again at the
/// latest (a backoff or a cooldown ending), if anything is waiting on time.
async fn dispatch(
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<()>,
) -> Result<Option<DateTime<Utc>>, crate::queue::QueueError> {
    let store = shared.queue.store();
    // In-flight generations whose task ended early (keyring locked, a
    // transient store error) are picked up again here.
    recover(shared, tasks).await?;
    let mut wake_at = store.earliest_next_attempt()?;
    if let Some(t) = lease::next_look(shared) {
        wake_at = Some(wake_at.map_or(t, |w| w.min(t)));
    }
    if shared.queue.is_paused()? {
        return Ok(None);
    }
    // Only tokens whose secret this machine holds (queue/held.rs).
    let held = shared.queue.claim_filter().await?;
    'outer: loop {
        let now = shared.queue.now();
        let ready = store.next_dispatchable(now, 32)?;
        if ready.is_empty() {
            break;
        }
        for g in ready {
            let claim = match store.claim_token_among(g.id, now, held.as_ref()) {
                Ok(c) => c,
                // Cancelled or deleted since it was listed: nothing to run.
                Err(StoreError::NotPending { .. } | StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            match claim {
                ClaimOutcome::Claimed(token) => {
                    spawn_driver(shared, tasks, g.id, token.id);
                }
                ClaimOutcome::Wait {
                    reason,
                    until,
                    detail,
                } => {
                    let mut wait = crate::wait::WaitReason::new(reason).until_opt(until);
                    wait.detail = detail;
                    if g.wait_reason.as_ref() != Some(&wait) {
                        shared.queue.commit(
                            g.id,
                            crate::lifecycle::Transition::Wait { reason: Some(wait) },
                        )?;
                    }
                    // A secret added by another process here is seen by the next look.
                    let until = until.or_else(|| {
                        (reason == crate::wait::WaitCode::NoSecretHere).then(|| {
                            now + chrono::Duration::from_std(crate::queue::RECHECK_MISSING)
                                .unwrap_or_default()
                        })
                    });
                    if let Some(u) = until {
                        wake_at = Some(wake_at.map_or(u, |w| w.min(u)));
                    }
                    break 'outer;
                }
            }
        }
    }
    Ok(wake_at)
}
