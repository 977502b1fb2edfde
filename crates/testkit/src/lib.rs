//! genqueue-testkit: the one world that the scenario tests (`tests/`) and
//! the benchmarks (`crates/bench`) run the engine in: replicate-sim on
//! loopback, a real SQLite file in a temporary folder, a [`Queue`] over
//! them whose tokens were added through `Queue::add_token` (so the sim
//! checked them), and the engine once started.
//!
//! A normal library (the benchmark binary uses it), not `cfg(test)` code.

pub mod fake_telegram;

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::{Engine, EngineConfig, PollSchedule, StreamConfig};
use genqueue_core::model::{Generation, GenerationId, NewGeneration, TokenId};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{KeyringSecretStore, MemorySecretStore, SecretStore};
use genqueue_core::store::{ListQuery, Store};
use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle};
use serde_json::json;

/// A fake token, made at run time: `r8_` and 37 random letters and digits.
pub fn fake_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    format!("r8_{}", &s[..37])
}

/// The secret store of the test suite: the real keyring inside
/// `scripts/with-keyring.sh` (a service name of its own per call), else
/// memory (said on stderr).
pub fn secret_store() -> Arc<dyn SecretStore> {
    if std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() == Ok("1") {
        Arc::new(KeyringSecretStore::new(&format!(
            "genqueue-test-{}",
            uuid::Uuid::new_v4()
        )))
    } else {
        eprintln!(
            "note: GENQUEUE_KEYRING_TESTS is not set; secrets are kept in memory (run through scripts/with-keyring.sh for the real keyring)"
        );
        Arc::new(MemorySecretStore::new())
    }
}

/// An engine configuration scaled for tests: short backoffs, grace and
/// landing margin (the clients of [`World`] give creates a short time limit
/// too, so a create's unknown outcome settles in about 3 s).
pub fn test_engine_config() -> EngineConfig {
    EngineConfig {
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(500),
        reconcile_grace: Duration::from_millis(100),
        create_landing_margin: Duration::from_millis(300),
        schedule: PollSchedule {
            min: Duration::from_millis(20),
            max: Duration::from_millis(300),
            starting_max: Duration::from_millis(300),
            first: Duration::from_millis(30),
            growth: 1.5,
        },
        streams: StreamConfig {
            check: Duration::from_millis(300),
            idle: Duration::from_secs(5),
            ..StreamConfig::default()
        },
        ..EngineConfig::default()
    }
}

/// A FLUX Schnell generation (the sim's default model) with the prompt and
/// extra inputs.
pub fn flux(prompt: &str, extra: serde_json::Value) -> NewGeneration {
    let mut input = json!({ "prompt": prompt });
    if let (Some(m), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    NewGeneration {
        creator: Default::default(),
        model: "black-forest-labs/flux-schnell".parse().expect("model ref"),
        prompt: prompt.to_owned(),
        input,
        priority: 0,
        batch_id: None,
        retried_from: None,
        deadlines: Default::default(),
    }
}

/// `n` distinct FLUX Schnell generations: prompt `"{tag} {i}"`, seed `i`.
pub fn seeded(tag: &str, n: usize) -> Vec<NewGeneration> {
    (0..n)
        .map(|i| flux(&format!("{tag} {i}"), json!({ "seed": i })))
        .collect()
}

/// Every generation of `queue`, newest first, page by page.
pub fn all_generations(queue: &Queue) -> Vec<Generation> {
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = queue
            .list(&ListQuery {
                limit: genqueue_core::store::generations::MAX_LIST_LIMIT,
                before,
                ..Default::default()
            })
            .expect("list");
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        rows.extend(page.iter().map(|g| queue.get(g.id).expect("row")));
    }
    rows
}

/// One scenario's world.
pub struct World {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub queue: Queue,
    pub engine: Option<Engine>,
    /// The token strings, in the order of `token_ids`.
    pub tokens: Vec<String>,
    pub token_ids: Vec<TokenId>,
    /// What [`World::start`] starts the engine with ([`test_engine_config`]
    /// unless changed).
    pub config: EngineConfig,
    /// The queue's store when it is a team database ([`WorldBuilder::database`]).
    pub pg: Option<genqueue_core::store::PgStore>,
}

/// How a [`World`] is made: [`World::builder`], then [`WorldBuilder::build`].
pub struct WorldBuilder {
    sim: SimConfig,
    tokens: Vec<String>,
    others: Vec<String>,
    secrets: Option<Arc<dyn SecretStore>>,
    client_timeout: Option<Duration>,
    concurrency: u32,
    clock: Option<Arc<dyn genqueue_core::clock::Clock>>,
    database: Option<String>,
}

impl WorldBuilder {
    /// Keeps the queue in the PostgreSQL database at `url` (a team's queue)
    /// instead of the folder's SQLite file.
    pub fn database(mut self, url: &str) -> Self {
        self.database = Some(url.to_owned());
        self
    }
    /// Accounts the sim knows but the pool does not (another client's).
    pub fn other_accounts(mut self, tokens: &[String]) -> Self {
        self.others = tokens.to_vec();
        self
    }
    /// Where the pool's secrets are kept (default: memory).
    pub fn secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(secrets);
        self
    }
    /// The Replicate client's request time-out (default: the client's own).
    pub fn client_timeout(mut self, timeout: Duration) -> Self {
        self.client_timeout = Some(timeout);
        self
    }
    /// The clock the queue and the engine read (default: the system's).
    pub fn clock(mut self, clock: Arc<dyn genqueue_core::clock::Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Slots per token (default 1).
    pub fn concurrency(mut self, slots: u32) -> Self {
        self.concurrency = slots;
        self
    }

    /// Starts the sim with one ok account per token (`user0`, `user1`…; the
    /// other accounts `other0`…) and adds every token to the pool, checking
    /// that the sim answered with the token's own account.
    ///
    /// Errors: the sim, the folder, the store or a token that cannot be set up.
    pub async fn build(self) -> Result<World, String> {
        let mut sim = self.sim;
        for (i, t) in self.tokens.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("user{i}")));
        }
        for (i, t) in self.others.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("other{i}")));
        }
        let sim = Sim::start(sim).await.map_err(|e| format!("sim: {e}"))?;
        let base = sim.base_url();
        let secrets = self
            .secrets
            .unwrap_or_else(|| Arc::new(MemorySecretStore::new()));
        let (w, accounts) = World::assemble(
            sim,
            self.tokens,
            &base,
            self.client_timeout,
            secrets,
            self.clock,
            self.database.as_deref(),
        )
        .await?;
        for (i, (id, account)) in w.token_ids.iter().zip(&accounts).enumerate() {
            if *account != format!("user{i}") {
                return Err(format!("token {i} was checked as {account}, not user{i}"));
            }
            if self.concurrency != 1 {
                w.queue
                    .set_token_concurrency(*id, self.concurrency)
                    .map_err(|e| format!("concurrency of token {i}: {e}"))?;
            }
        }
        Ok(w)
    }
}

impl World {
    /// A world whose sim has one ok account per token in `tokens`; see
    /// [`WorldBuilder`] for the rest.
    pub fn builder(sim: SimConfig, tokens: Vec<String>) -> WorldBuilder {
        WorldBuilder {
            sim,
            tokens,
            others: Vec::new(),
            secrets: None,
            client_timeout: None,
            concurrency: 1,
            clock: None,
            database: None,
        }
    }

    /// The test suite's world: `n` fake tokens, the suite's
    /// [`secret_store`], a 3 s client time-out, no engine yet. Panics if it
    /// cannot be set up.
    pub async fn new(n: usize, sim: SimConfig) -> World {
        World::builder(sim, (0..n).map(|_| fake_token()).collect())
            .secrets(secret_store())
            .client_timeout(Duration::from_secs(3))
            .build()
            .await
            .expect("test world")
    }

    /// A world on a sim started by the caller: `tokens` are added through
    /// `Queue::add_token` against `api_base` (the sim's, or a proxy's in
    /// front of it), with the given client time-out and secret store.
    /// Panics if it cannot be set up.
    pub async fn from_sim(
        sim: SimHandle,
        tokens: Vec<String>,
        api_base: &str,
        client_timeout: Duration,
        secrets: Arc<dyn SecretStore>,
    ) -> World {
        World::assemble(
            sim,
            tokens,
            api_base,
            Some(client_timeout),
            secrets,
            None,
            None,
        )
        .await
        .expect("test world")
        .0
    }

    /// The one place a world is put together: store, client, queue, tokens.
    /// Also returns the account name the sim gave for each token.
    async fn assemble(
        sim: SimHandle,
        tokens: Vec<String>,
        api_base: &str,
        client_timeout: Option<Duration>,
        secrets: Arc<dyn SecretStore>,
        clock: Option<Arc<dyn genqueue_core::clock::Clock>>,
        database: Option<&str>,
    ) -> Result<(World, Vec<String>), String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let pg = match database {
            None => None,
            Some(url) => {
                Some(genqueue_core::store::PgStore::open(url).map_err(|e| format!("store: {e}"))?)
            }
        };
        let store: Arc<dyn genqueue_core::store::QueueStore> = match &pg {
            None => Arc::new(
                Store::open(&dir.path().join(genqueue_core::paths::DB_FILE))
                    .map_err(|e| format!("store: {e}"))?,
            ),
            Some(pg) => Arc::new(pg.clone()),
        };
        let mut client = ReplicateClient::new(api_base).map_err(|e| format!("client: {e}"))?;
        if let Some(t) = client_timeout {
            client = client.with_timeout(t).with_create_timeout(t);
        }
        let mut queue = Queue::on_store(dir.path().to_owned(), store, client, secrets);
        if let Some(clock) = clock {
            queue = queue.with_clock(clock);
        }
        let mut token_ids = Vec::new();
        let mut accounts = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let (tok, account) = queue
                .add_token(&format!("token {i}"), t)
                .await
                .map_err(|e| format!("token {i} refused: {e}"))?;
            token_ids.push(tok.id);
            accounts.push(account.username);
        }
        let world = World {
            sim,
            dir,
            queue,
            engine: None,
            tokens,
            token_ids,
            config: test_engine_config(),
            pg,
        };
        Ok((world, accounts))
    }

    /// Starts the engine with `self.config`; panics if it cannot start.
    pub fn start(&mut self) {
        self.start_with(self.config.clone()).expect("engine starts");
    }

    /// Starts the engine with `config` (kept as `self.config`).
    ///
    /// Errors: the engine's, as a sentence (another engine holds the folder…).
    pub fn start_with(&mut self, config: EngineConfig) -> Result<(), String> {
        self.config = config.clone();
        self.engine = Some(Engine::start(self.queue.clone(), config).map_err(|e| e.to_string())?);
        Ok(())
    }

    /// Stops the engine (as a clean shutdown).
    pub async fn stop(&mut self) {
        if let Some(e) = self.engine.take() {
            e.shutdown().await;
        }
    }

    /// Queues one FLUX Schnell generation of `prompt` with `extra` inputs.
    pub fn submit(&self, prompt: &str, extra: serde_json::Value) -> Generation {
        self.queue.submit(flux(prompt, extra)).expect("queued")
    }

    /// Queues `jobs` as one batch; their ids, in order.
    ///
    /// Errors: the queue's refusal, as a sentence.
    pub fn submit_all(&self, jobs: Vec<NewGeneration>) -> Result<Vec<GenerationId>, String> {
        Ok(self
            .queue
            .submit_batch(jobs)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|g| g.id)
            .collect())
    }

    /// The PostgreSQL store of a world built with
    /// [`WorldBuilder::database`] (its [`PgStore::calls`](genqueue_core::store::PgStore::calls)
    /// count what the queue asked of the database). Panics on a SQLite world.
    pub fn pg_store(&self) -> genqueue_core::store::PgStore {
        self.pg.clone().expect("a world built with .database(url)")
    }

    /// Queues [`seeded`]`(tag, n)` as one batch; their ids. Panics if refused.
    pub fn submit_seeded(&self, tag: &str, n: usize) -> Vec<GenerationId> {
        self.submit_all(seeded(tag, n)).expect("queued")
    }

    /// Waits until every listed generation is terminal, or panics after `limit`.
    pub async fn wait_terminal(&self, ids: &[GenerationId], limit: Duration) -> Vec<Generation> {
        let start = Instant::now();
        loop {
            let rows: Vec<Generation> = ids
                .iter()
                .map(|id| self.queue.get(*id).expect("row"))
                .collect();
            if rows.iter().all(|g| g.status.is_terminal()) {
                return rows;
            }
            if start.elapsed() > limit {
                let open: Vec<String> = rows
                    .iter()
                    .filter(|g| g.status.is_active())
                    .take(5)
                    .map(|g| {
                        format!(
                            "{} {} {:?} {:?}",
                            g.id, g.status, g.replicate_status, g.wait_reason
                        )
                    })
                    .collect();
                panic!(
                    "not terminal after {limit:?}: {} still active, e.g. {open:?}",
                    rows.iter().filter(|g| g.status.is_active()).count()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `f` holds for the generation, or panics after `limit`.
    pub async fn wait_for(
        &self,
        id: GenerationId,
        limit: Duration,
        f: impl Fn(&Generation) -> bool,
    ) -> Generation {
        let start = Instant::now();
        loop {
            let g = self.queue.get(id).expect("row");
            if f(&g) {
                return g;
            }
            assert!(
                start.elapsed() < limit,
                "condition not met after {limit:?}: {g:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every generation, newest first (through the store, page by page).
    pub fn all_generations(&self) -> Vec<Generation> {
        all_generations(&self.queue)
    }

    /// The token string that owns generation `id` (its row's `token_id`).
    pub fn token_of(&self, id: GenerationId) -> Option<&str> {
        let g = self.queue.get(id).ok()?;
        let i = self.token_ids.iter().position(|t| Some(*t) == g.token_id)?;
        Some(&self.tokens[i])
    }
}

/// A new, empty database named `<prefix>_<uuid>` in the test cluster that
/// `scripts/with-postgres.sh` gives in `GENQUEUE_TEST_DATABASE_URL` (its URL,
/// password included: never print it); `None` when there is none outside CI
/// (under CI a missing cluster fails the test).
pub fn fresh_database(prefix: &str) -> Option<String> {
    let Ok(url) = std::env::var("GENQUEUE_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "GENQUEUE_TEST_DATABASE_URL is not set under CI: run through scripts/with-postgres.sh"
        );
        eprintln!("SKIPPED on PostgreSQL: GENQUEUE_TEST_DATABASE_URL is not set");
        return None;
    };
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    psql(&url, &format!("CREATE DATABASE {name}"));
    let base = url.rsplit_once('/').expect("a URL with a database").0;
    Some(format!("{base}/{name}"))
}

/// `psql -qAtc SQL` on `url` (the test cluster's; password included, never
/// printed): its rows, fields split on `|`. Panics with psql's first error
/// line when it fails.
pub fn psql(url: &str, sql: &str) -> Vec<Vec<String>> {
    let out = std::process::Command::new("psql")
        .args([url, "-qAtc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .next()
            .unwrap_or_default()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}
