//! The engine against replicate-sim on a team's queue in PostgreSQL (issue
//! #15): the same drain as on SQLite, with the store a fresh database in the
//! cluster named by `GENQUEUE_TEST_DATABASE_URL` (scripts/with-postgres.sh;
//! scripts/test-all.sh always gives one). Without it the test says it was
//! skipped; under CI (`CI` set) it fails instead.

use std::time::Duration;

use genqueue_testkit::fresh_database;
use genqueue_tests::{World, fake_token};
use replicate_sim::SimConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tokens_drain_sixty_generations_on_postgresql() {
    let Some(url) = fresh_database("genqueue_engine") else {
        return;
    };
    let mut w = World::builder(SimConfig::fast(), (0..3).map(|_| fake_token()).collect())
        .build()
        .await
        .expect("test world");
    // The same world, its queue on PostgreSQL instead of the folder's SQLite file.
    w.move_to_postgres(&url).await;
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
