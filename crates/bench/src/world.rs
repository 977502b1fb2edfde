//! A benchmark world: genqueue-testkit's world (replicate-sim on loopback, a
//! real SQLite store in a temporary folder, tokens added through
//! `Queue::add_token`) with secrets in memory (the benchmarks measure the
//! engine, not the keyring), and a recorder that timestamps the queue's
//! events as a shell would receive them.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use genqueue_core::engine::{EngineConfig, PollSchedule};
use genqueue_core::events::Event;
use genqueue_core::model::{GenerationId, GenerationStatus, NewGeneration};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{MemorySecretStore, Secret};
use replicate_sim::{SimConfig, Stats, fingerprint};
use serde_json::json;

/// A fake token whose last four characters are `index` (so the sim's
/// per-token counts, keyed by those four characters, are per generation when
/// each generation has its own token). `index` < 10 000, unique per sim.
pub fn bench_token(index: usize) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("r8_{}{:04}", &random[..29], index % 10_000)
}

/// When the shell heard of each generation's changes (wall clock).
#[derive(Clone, Debug, Default)]
pub struct Heard {
    /// First `processing` event (the create was answered and stored).
    pub processing: Option<DateTime<Utc>>,
    /// The `completed` event.
    pub completed: Option<DateTime<Utc>>,
    /// The `failed` or `cancelled` event.
    pub ended_otherwise: Option<DateTime<Utc>>,
}

/// Event timestamps per generation, filled by a task listening to the queue.
#[derive(Clone, Default)]
pub struct Recorder {
    pub heard: Arc<Mutex<HashMap<GenerationId, Heard>>>,
    /// Events missed because the listener fell behind (should stay 0).
    pub lagged: Arc<Mutex<u64>>,
}

impl Recorder {
    fn listen(&self, queue: &Queue) {
        let mut rx = queue.events().subscribe();
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(Event::GenerationChanged(g)) => {
                        let now = Utc::now();
                        let mut map = me.heard.lock().unwrap();
                        let h = map.entry(g.id).or_default();
                        match g.status {
                            GenerationStatus::Processing => {
                                h.processing.get_or_insert(now);
                            }
                            GenerationStatus::Completed => {
                                h.completed.get_or_insert(now);
                            }
                            GenerationStatus::Failed | GenerationStatus::Cancelled => {
                                h.ended_otherwise.get_or_insert(now);
                            }
                            _ => {}
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        *me.lagged.lock().unwrap() += n;
                    }
                    Err(_) => break,
                }
            }
        });
    }

    /// Generations heard as completed, failed or cancelled.
    pub fn ended(&self) -> usize {
        self.heard
            .lock()
            .unwrap()
            .values()
            .filter(|h| h.completed.is_some() || h.ended_otherwise.is_some())
            .count()
    }

    pub fn get(&self, id: GenerationId) -> Heard {
        self.heard
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .unwrap_or_default()
    }
}

/// One scenario's world: the testkit's (sim, store, queue, tokens, engine;
/// its fields and methods through `Deref`), plus the event recorder and the
/// sim's counters once the tokens were added.
pub struct World {
    world: genqueue_testkit::World,
    pub recorder: Recorder,
    /// The sim's counters right after the tokens were added (their
    /// `GET /account` checks), to subtract.
    pub baseline: Stats,
}

impl Deref for World {
    type Target = genqueue_testkit::World;
    fn deref(&self) -> &Self::Target {
        &self.world
    }
}

impl DerefMut for World {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.world
    }
}

impl World {
    /// A sim with one ok account per token (`first_index..first_index+n`,
    /// see [`bench_token`]), each token added to the pool with `concurrency`
    /// slots, secrets in memory. `extra_accounts` are added to the sim only
    /// (another client's).
    pub async fn new(
        sim: SimConfig,
        n: usize,
        first_index: usize,
        concurrency: u32,
        extra_accounts: &[String],
    ) -> Result<World, String> {
        World::new_on(sim, n, first_index, concurrency, extra_accounts, None).await
    }

    /// [`World::new`] with the queue in the PostgreSQL database at
    /// `database` (a team's queue) when given, else in the folder's SQLite file.
    pub async fn new_on(
        sim: SimConfig,
        n: usize,
        first_index: usize,
        concurrency: u32,
        extra_accounts: &[String],
        database: Option<&str>,
    ) -> Result<World, String> {
        let tokens: Vec<String> = (0..n).map(|i| bench_token(first_index + i)).collect();
        let mut builder = genqueue_testkit::World::builder(sim, tokens)
            .other_accounts(extra_accounts)
            .secrets(Arc::new(MemorySecretStore::new()))
            .concurrency(concurrency);
        if let Some(url) = database {
            builder = builder.database(url);
        }
        let world = builder.build().await?;
        let recorder = Recorder::default();
        recorder.listen(&world.queue);
        let baseline = world.sim.stats();
        Ok(World {
            world,
            recorder,
            baseline,
        })
    }

    /// Waits until `n` generations ended — heard as events, or, should the
    /// listener have missed some (see [`Recorder::lagged`]), seen in the
    /// store's counters — or `limit` passed. Returns whether they all ended.
    pub async fn wait_ended(&self, n: usize, limit: Duration) -> bool {
        let start = Instant::now();
        let mut polls = 0u32;
        while self.recorder.ended() < n {
            polls += 1;
            if polls.is_multiple_of(20)
                && self.queue.counters().is_ok_and(|c| {
                    c.active == 0 && (c.completed + c.failed + c.cancelled) as usize >= n
                })
            {
                return true;
            }
            if start.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Requests the sim saw with `token` since the tokens were added.
    pub fn requests_by(&self, now: &Stats, token: &str) -> u64 {
        let fp = fingerprint(token);
        now.requests_by_token.get(&fp).copied().unwrap_or(0)
            - self
                .baseline
                .requests_by_token
                .get(&fp)
                .copied()
                .unwrap_or(0)
    }
}

/// When the sim says a prediction ended (`completed_at`), read with its
/// owner's token.
pub async fn sim_completed_at(
    client: &ReplicateClient,
    token: &str,
    prediction_id: &str,
) -> Option<DateTime<Utc>> {
    let secret = Secret::parse(token).ok()?;
    client
        .get_prediction(&secret, prediction_id)
        .await
        .ok()?
        .completed_at
}

/// A FLUX Schnell job (the sim's default model), seeded for repeatable images.
pub fn flux_job(i: usize) -> NewGeneration {
    genqueue_testkit::flux(
        &format!("a lighthouse at dusk, take {i}"),
        json!({ "seed": i }),
    )
}

/// `s` scaled by `k` (for tiny runs at a compressed time scale).
pub fn scale_schedule(s: &PollSchedule, k: f64) -> PollSchedule {
    PollSchedule {
        min: s.min.mul_f64(k),
        max: s.max.mul_f64(k),
        starting_max: s.starting_max.mul_f64(k),
        first: s.first.mul_f64(k),
        growth: s.growth,
    }
}

/// `c` with every duration scaled by `k`.
pub fn scale_config(c: &EngineConfig, k: f64) -> EngineConfig {
    EngineConfig {
        schedule: scale_schedule(&c.schedule, k),
        retry_base: c.retry_base.mul_f64(k),
        retry_cap: c.retry_cap.mul_f64(k),
        reconcile_grace: c.reconcile_grace.mul_f64(k),
        create_landing_margin: c.create_landing_margin.mul_f64(k),
        streams: genqueue_core::engine::StreamConfig {
            check: c.streams.check.mul_f64(k),
            idle: c.streams.idle.mul_f64(k),
            peek_after: c.streams.peek_after.map(|d| d.mul_f64(k)),
            ..c.streams.clone()
        },
        ..c.clone()
    }
}

/// A new, empty PostgreSQL database for a scenario's team-queue run, in the
/// cluster `scripts/with-postgres.sh` names in `GENQUEUE_TEST_DATABASE_URL`;
/// `None` (the PostgreSQL figures are left out, and the report says so)
/// without one.
pub fn team_database(prefix: &str) -> Option<String> {
    std::env::var_os("GENQUEUE_TEST_DATABASE_URL")?;
    genqueue_testkit::fresh_database(prefix)
}

/// Milliseconds between two instants (`b − a`).
pub fn ms_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// Another machine on the team database at `url` that `a` keeps its queue
/// in: its own `PgStore` (pool and `LISTEN` connection), data folder and
/// keyring (in memory), holding the secrets of `a`'s tokens, on `a`'s sim.
/// Scenarios 8 and 9. Returns the queue, its store and its folder (kept
/// until dropped).
pub fn other_machine(
    a: &genqueue_testkit::World,
    url: &str,
) -> Result<(Queue, genqueue_core::store::PgStore, tempfile::TempDir), String> {
    use genqueue_core::secrets::SecretStore;
    let secrets = MemorySecretStore::new();
    for (id, t) in a.token_ids.iter().zip(&a.tokens) {
        secrets
            .set(*id, &Secret::parse(t).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = genqueue_core::store::PgStore::open(url).map_err(|e| e.to_string())?;
    let q = Queue::on_store(
        dir.path().to_owned(),
        Arc::new(store.clone()),
        ReplicateClient::new(&a.sim.base_url()).map_err(|e| e.to_string())?,
        Arc::new(secrets),
    );
    Ok((q, store, dir))
}
