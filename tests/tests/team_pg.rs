//! Engines sharing a team's queue in PostgreSQL (issue #15), in one
//! process: each keeps its own "running" flag.
//! Needs `scripts/with-postgres.sh` (see `postgres.rs`).

use std::sync::Arc;
use std::time::Duration;

use genqueue_core::engine::{Engine, RUNNING_KEY};
use genqueue_core::paths::FOLDER_ID_FILE;
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::{PgStore, QueueStore};
use genqueue_testkit::{fresh_database, test_engine_config};
use genqueue_tests::World;
use replicate_sim::SimConfig;

/// A queue on `store` with data folder `dir` and its own (empty) secrets.
fn queue_on(store: &Arc<PgStore>, dir: &std::path::Path, sim: &str) -> Queue {
    let client = ReplicateClient::new(sim)
        .unwrap()
        .with_timeout(Duration::from_secs(3))
        .with_create_timeout(Duration::from_secs(3));
    Queue::on_store(
        dir.to_owned(),
        store.clone(),
        client,
        Arc::new(MemorySecretStore::new()),
    )
}

/// The stored flag of the engine of folder `dir`.
fn flag_of(store: &PgStore, dir: &std::path::Path) -> Option<String> {
    let id = std::fs::read_to_string(dir.join(FOLDER_ID_FILE)).expect("the folder's id");
    store
        .setting(&format!("{RUNNING_KEY}:{}", id.trim()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_engine_on_a_team_database_has_its_own_running_flag() {
    let Some(url) = fresh_database("genqueue_flags") else {
        return;
    };
    let w = World::builder(SimConfig::fast(), Vec::new())
        .build()
        .await
        .unwrap();
    let store = Arc::new(PgStore::open(&url).unwrap());
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sim = w.sim.base_url();
    let a = Engine::start(queue_on(&store, a_dir.path(), &sim), test_engine_config()).unwrap();
    // B starts while A runs: that is not "after a crash".
    let b = Engine::start(queue_on(&store, b_dir.path(), &sim), test_engine_config()).unwrap();
    assert!(!a.started_after_crash() && !b.started_after_crash());
    // A's clean stop says "stopped" for A only.
    a.shutdown().await;
    assert_eq!(flag_of(&store, a_dir.path()).as_deref(), Some("0"));
    assert_eq!(flag_of(&store, b_dir.path()).as_deref(), Some("1"));
    // B is killed (its flag stays "1"): its folder's next engine knows.
    std::mem::forget(b);
    let b_again = tempfile::tempdir().unwrap();
    std::fs::copy(
        b_dir.path().join(FOLDER_ID_FILE),
        b_again.path().join(FOLDER_ID_FILE),
    )
    .unwrap();
    let b2 = Engine::start(queue_on(&store, b_again.path(), &sim), test_engine_config()).unwrap();
    assert!(
        b2.started_after_crash(),
        "B's last run did not stop cleanly"
    );
    let a2 = Engine::start(queue_on(&store, a_dir.path(), &sim), test_engine_config()).unwrap();
    assert!(!a2.started_after_crash(), "A's last run stopped cleanly");
    a2.shutdown().await;
    b2.shutdown().await;
}
