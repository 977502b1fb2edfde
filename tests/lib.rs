//! Shared harness for the scenario tests in `tests/tests/`: the engine of
//! genqueue-core against replicate-sim on loopback, a real SQLite file in a
//! temporary folder, and the real Secret Service when the suite runs inside
//! `scripts/with-keyring.sh` (else an in-memory store, said on stderr).

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::{Engine, EngineConfig, PollSchedule};
use genqueue_core::model::{Generation, GenerationId, GenerationStatus, NewGeneration, TokenId};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{KeyringSecretStore, MemorySecretStore, SecretStore};
use genqueue_core::store::Store;
use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle};
use serde_json::json;

/// A fake token, made at run time: `r8_` and 37 random letters and digits.
pub fn fake_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    format!("r8_{}", &s[..37])
}

/// The secret store of the suite: the real keyring inside
/// `scripts/with-keyring.sh` (a service name of its own per test), else memory.
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

/// An engine configuration scaled for tests: short backoffs and grace.
pub fn test_engine_config() -> EngineConfig {
    EngineConfig {
        retry_base: Duration::from_millis(50),
        retry_cap: Duration::from_millis(500),
        reconcile_grace: Duration::from_millis(100),
        schedule: PollSchedule {
            min: Duration::from_millis(20),
            max: Duration::from_millis(300),
            starting_max: Duration::from_millis(300),
            first: Duration::from_millis(30),
            growth: 1.5,
        },
        ..EngineConfig::default()
    }
}

/// One scenario's world.
pub struct World {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub queue: Queue,
    pub engine: Option<Engine>,
    /// The fake token strings, in the order of `token_ids`.
    pub tokens: Vec<String>,
    pub token_ids: Vec<TokenId>,
    pub config: EngineConfig,
}

impl World {
    /// A sim with `n` ok accounts, each token added to the pool through
    /// `Queue::add_token` (validated by the sim), no engine yet.
    pub async fn new(n: usize, sim: SimConfig) -> World {
        let tokens: Vec<String> = (0..n).map(|_| fake_token()).collect();
        let mut sim = sim;
        for (i, t) in tokens.iter().enumerate() {
            sim = sim.account(AccountConfig::new(t, format!("user{i}")));
        }
        let sim = Sim::start(sim).await.expect("sim starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("genqueue.db")).expect("store opens");
        let client = ReplicateClient::new(&sim.base_url())
            .expect("client")
            .with_timeout(Duration::from_secs(3));
        let queue = Queue::from_parts(dir.path().to_owned(), store, client, secret_store());
        let mut token_ids = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let (tok, account) = queue
                .add_token(&format!("token {i}"), t)
                .await
                .expect("token accepted");
            assert_eq!(account.username, format!("user{i}"));
            token_ids.push(tok.id);
        }
        World {
            sim,
            dir,
            queue,
            engine: None,
            tokens,
            token_ids,
            config: test_engine_config(),
        }
    }

    /// Starts the engine with `self.config`.
    pub fn start(&mut self) {
        self.engine =
            Some(Engine::start(self.queue.clone(), self.config.clone()).expect("engine starts"));
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
}

/// A FLUX Schnell generation with the prompt and extra inputs.
pub fn flux(prompt: &str, extra: serde_json::Value) -> NewGeneration {
    let mut input = json!({ "prompt": prompt });
    if let (Some(m), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    NewGeneration {
        model: "black-forest-labs/flux-schnell".parse().expect("model ref"),
        prompt: prompt.to_owned(),
        input,
        priority: 0,
        batch_id: None,
        retried_from: None,
    }
}

/// Checks that a completed generation's files exist, are whole images of a
/// known format, and number `n`.
pub fn assert_files(world: &World, g: &Generation, n: usize) {
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    assert_eq!(g.output_files.len(), n, "files of {}", g.id);
    for rel in &g.output_files {
        let path = world.dir.path().join(rel);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ext = genqueue_core::engine::sniff_extension(&bytes);
        assert!(
            ["png", "jpg", "webp"].contains(&ext),
            "{} is not an image",
            path.display()
        );
        assert!(rel.ends_with(ext), "{rel} named after its content ({ext})");
    }
    let dir = world.queue.output_dir(g.id);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left in {}",
        dir.display()
    );
}
