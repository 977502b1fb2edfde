//! A benchmark world: replicate-sim on loopback, a real SQLite store in a
//! temporary folder, secrets in memory (the benchmarks measure the engine,
//! not the keyring), tokens added through `Queue::add_token`, and a recorder
//! that timestamps the queue's events as a shell would receive them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use genqueue_core::engine::{Engine, EngineConfig, PollSchedule};
use genqueue_core::events::Event;
use genqueue_core::model::{GenerationId, GenerationStatus, NewGeneration, TokenId};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{MemorySecretStore, Secret};
use genqueue_core::store::Store;
use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle, Stats, fingerprint};
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

/// One scenario's world.
pub struct World {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub queue: Queue,
    pub engine: Option<Engine>,
    /// Token strings, in the order of `token_ids`.
    pub tokens: Vec<String>,
    pub token_ids: Vec<TokenId>,
    pub recorder: Recorder,
    /// The sim's counters right after the tokens were added (their
    /// `GET /account` checks), to subtract.
    pub baseline: Stats,
}

impl World {
    /// A sim with one ok account per token (`first_index..first_index+n`,
    /// see [`bench_token`]), each token added to the pool with `concurrency`
    /// slots. `extra_accounts` are added to the sim only (another client's).
    pub async fn new(
        sim: SimConfig,
        n: usize,
        first_index: usize,
        concurrency: u32,
        extra_accounts: &[String],
    ) -> Result<World, String> {
        let tokens: Vec<String> = (0..n).map(|i| bench_token(first_index + i)).collect();
        let mut sim = sim;
        for (i, t) in tokens.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("engine{i}")));
        }
        for (i, t) in extra_accounts.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("other{i}")));
        }
        let sim = Sim::start(sim).await.map_err(|e| format!("sim: {e}"))?;
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let store = Store::open(&dir.path().join("genqueue.db")).map_err(|e| e.to_string())?;
        let client = ReplicateClient::new(&sim.base_url()).map_err(|e| e.to_string())?;
        let queue = Queue::from_parts(
            dir.path().to_owned(),
            store,
            client,
            Arc::new(MemorySecretStore::new()),
        );
        let mut token_ids = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let (tok, _) = queue
                .add_token(&format!("bench {i}"), t)
                .await
                .map_err(|e| format!("add token {i}: {e}"))?;
            if concurrency != 1 {
                queue
                    .set_token_concurrency(tok.id, concurrency)
                    .map_err(|e| e.to_string())?;
            }
            token_ids.push(tok.id);
        }
        let recorder = Recorder::default();
        recorder.listen(&queue);
        let baseline = sim.stats();
        Ok(World {
            sim,
            dir,
            queue,
            engine: None,
            tokens,
            token_ids,
            recorder,
            baseline,
        })
    }

    /// Starts the engine.
    pub fn start(&mut self, config: EngineConfig) -> Result<(), String> {
        self.engine = Some(Engine::start(self.queue.clone(), config).map_err(|e| e.to_string())?);
        Ok(())
    }

    /// Stops the engine.
    pub async fn stop(&mut self) {
        if let Some(e) = self.engine.take() {
            e.shutdown().await;
        }
    }

    /// Queues `jobs` in one batch; returns their ids in order.
    pub fn submit(&self, jobs: Vec<NewGeneration>) -> Result<Vec<GenerationId>, String> {
        Ok(self
            .queue
            .submit_batch(jobs)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|g| g.id)
            .collect())
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

    /// The token string that owns generation `id` (its row's `token_id`).
    pub fn token_of(&self, id: GenerationId) -> Option<&str> {
        let g = self.queue.get(id).ok()?;
        let i = self.token_ids.iter().position(|t| Some(*t) == g.token_id)?;
        Some(&self.tokens[i])
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
    let prompt = format!("a lighthouse at dusk, take {i}");
    NewGeneration {
        model: "black-forest-labs/flux-schnell"
            .parse()
            .expect("valid model ref"),
        prompt: prompt.clone(),
        input: json!({ "prompt": prompt, "seed": i }),
        priority: 0,
        batch_id: None,
        retried_from: None,
    }
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
        ..c.clone()
    }
}

/// Milliseconds between two instants (`b − a`).
pub fn ms_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}
