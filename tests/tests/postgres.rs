//! The engine against replicate-sim on a team's queue in PostgreSQL (issue
//! #15): the same drain as on SQLite, with the store a fresh database in the
//! cluster named by `GENQUEUE_TEST_DATABASE_URL` (scripts/with-postgres.sh;
//! scripts/test-all.sh always gives one). Without it the test says it was
//! skipped; under CI (`CI` set) it fails instead.

use std::sync::Arc;
use std::time::Duration;

use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::PgStore;
use genqueue_testkit::fresh_database;
use genqueue_tests::{World, fake_token};
use replicate_sim::SimConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tokens_drain_sixty_generations_on_postgresql() {
    let Some(url) = fresh_database("genqueue_engine") else {
        return;
    };
    let mut w = World::builder(SimConfig::fast(), (0..3).map(|_| fake_token()).collect())
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .build()
        .await
        .expect("test world on PostgreSQL");
    w.start();
    let ids = w.submit_seeded("a lighthouse on postgres, take", 60);
    let rows = w.wait_terminal(&ids, Duration::from_secs(180)).await;
    for g in &rows {
        assert_eq!(
            g.status,
            genqueue_core::model::GenerationStatus::Completed,
            "{g:?}"
        );
        genqueue_tests::assert_files(&w, g, 1);
    }
    let stats = w.sim.stats();
    assert_eq!(stats.creates_total, 60, "one prediction per generation");
    for t in w.queue.tokens().unwrap() {
        assert_eq!(t.in_flight, 0, "no slot stays claimed");
        assert!(t.request_count > 0, "{} carried none of the work", t.label);
    }
    let c = w.queue.counters().unwrap();
    assert_eq!((c.completed, c.active, c.unviewed), (60, 0, 60));
    w.stop().await;
}

/// Outputs for everyone (issue 15): the engine that finishes a generation
/// keeps its files in the team's database; another machine's queue (its own
/// data folder, no engine running: a laptop that slept through the run)
/// fetches them into its folder the first time it needs them, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_that_slept_shows_the_outputs_another_engine_saved() {
    let Some(url) = fresh_database("genqueue_outputs") else {
        return;
    };
    let mut w = World::builder(SimConfig::fast(), vec![fake_token()])
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .build()
        .await
        .expect("test world on PostgreSQL");
    // Machine A: its own folder and store on the same database; it only reads.
    let a_dir = tempfile::tempdir().unwrap();
    let a = Queue::on_store(
        a_dir.path().to_owned(),
        Arc::new(PgStore::open(&url).expect("PostgreSQL store")),
        ReplicateClient::new(&w.sim.base_url()).unwrap(),
        Arc::new(MemorySecretStore::new()),
    );
    w.start();
    let ids = w.submit_seeded("a harbour at night, take", 3);
    let rows = w.wait_terminal(&ids, Duration::from_secs(60)).await;
    w.stop().await;
    for g in &rows {
        genqueue_tests::assert_files(&w, g, 1);
        let on_b = genqueue_core::paths::resolve_output_path(w.dir.path(), &g.output_files[0]);
        let on_a = genqueue_core::paths::resolve_output_path(a_dir.path(), &g.output_files[0]);
        assert!(!on_a.exists(), "A has not got it before it asks");
        let g_on_a = a.get(g.id).unwrap();
        let fetched = a.fetch_missing_outputs(&g_on_a).unwrap();
        assert_eq!(fetched, [on_a.clone()]);
        assert_eq!(
            std::fs::read(&on_a).unwrap(),
            std::fs::read(&on_b).unwrap(),
            "the same bytes on A as on B"
        );
        assert!(
            a.fetch_missing_outputs(&g_on_a).unwrap().is_empty(),
            "fetched once, then read from A's folder"
        );
    }
    // Deleting a generation deletes its shared files with it.
    let gone = rows[0].id;
    a.delete(gone).unwrap();
    std::fs::remove_file(genqueue_core::paths::resolve_output_path(
        a_dir.path(),
        &rows[0].output_files[0],
    ))
    .ok();
    assert!(
        a.fetch_missing_outputs(&rows[0]).unwrap().is_empty(),
        "its shared files went with it"
    );
}
