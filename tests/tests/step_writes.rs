//! One step's store writes in one transaction (issue 12): a successful
//! answer's request is counted on its token in the same transaction as the
//! write it leads to (adoption, progress, the ending), and an ending carries
//! what the prediction cost. What a user checks: the token's request count
//! still equals what the server saw, and every ended generation is in the
//! spend totals.

use std::time::Duration;

use genqueue_core::model::GenerationStatus;
use genqueue_tests::{World, test_engine_config};
use replicate_sim::{Delay, Endpoint, FaultKind, FaultRule, SimConfig, Timing, Trigger};

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_counts_every_request_the_server_saw_and_every_ending_has_its_cost() {
    // Runs of 0.4–1.2 s with no held create: each generation is adopted,
    // read while running (progress steps) and read at its end.
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::from_millis(100)),
            predict: Delay::Uniform(Duration::from_millis(400), Duration::from_millis(1200)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    };
    let mut w = World::builder(sim, vec![genqueue_testkit::fake_token()])
        .concurrency(4)
        .build()
        .await
        .unwrap();
    let fp = replicate_sim::fingerprint(&w.tokens[0]);
    let before = w
        .sim
        .stats()
        .requests_by_token
        .get(&fp)
        .copied()
        .unwrap_or(0);
    let counted_before = w.queue.tokens().unwrap()[0].request_count;
    let mut config = test_engine_config();
    config.create_wait = None;
    // A few reads fail (500): errors are counted apart from the answers.
    w.sim.add_faults([FaultRule {
        kind: FaultKind::ServerErrorJson { status: 500 },
        trigger: Trigger::EveryNth(7),
        token: None,
        endpoint: Some(Endpoint::Get),
    }]);
    w.start_with(config).unwrap();
    let ids = w.submit_seeded("one step, one commit", 24);
    let rows = w.wait_terminal(&ids, LONG).await;
    assert!(
        rows.iter().all(|g| g.status == GenerationStatus::Completed),
        "all completed: {:?}",
        rows.iter().map(|g| g.status).collect::<Vec<_>>()
    );
    w.stop().await;

    let stats = w.sim.stats();
    let seen = stats.requests_by_token.get(&fp).copied().unwrap_or(0) - before;
    let reads = stats
        .requests_by_endpoint
        .get("GET /v1/predictions/{id}")
        .copied()
        .unwrap_or(0);
    assert!(reads >= 24, "every run was read ({reads} reads)");
    let t = &w.queue.tokens().unwrap()[0];
    assert_eq!(
        t.request_count - counted_before,
        seen,
        "every request the server saw is counted once"
    );
    assert!(t.error_count > 0, "the failed reads are counted as errors");
    assert_eq!(t.in_flight, 0);

    let spend = w.queue.spend_of(&ids).unwrap();
    assert_eq!(spend.len(), ids.len(), "a spend row per generation");
    assert!(spend.iter().all(|s| s.ended && s.predict_ms.is_some()));
}
