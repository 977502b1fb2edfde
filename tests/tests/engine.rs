//! The engine against replicate-sim: the queue drains, every failure class
//! ends where it should, a restart loses nothing, cancel/retry/pause work.

use std::time::Duration;

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_tests::{World, assert_files};
use replicate_sim::{Behaviour, Delay, Endpoint, FaultKind, FaultRule, SimConfig, Timing, Trigger};
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_tokens_drain_five_hundred_generations_with_files_on_disk() {
    let mut w = World::new(10, SimConfig::fast()).await;
    w.start();
    let ids = w.submit_seeded("a lighthouse, take", 500);
    let rows = w.wait_terminal(&ids, Duration::from_secs(240)).await;
    for g in &rows {
        assert_files(&w, g, 1);
    }
    let stats = w.sim.stats();
    assert_eq!(stats.creates_total, 500, "one prediction per generation");
    for g in &rows {
        assert_eq!(
            stats.for_input(&g.input).created,
            1,
            "input of {} created once",
            g.id
        );
    }
    // Every token carried some of the work (least recently used first).
    for t in w.queue.tokens().unwrap() {
        assert!(
            t.request_count >= 10,
            "{} made only {} requests",
            t.label,
            t.request_count
        );
        assert_eq!(t.in_flight, 0, "no slot stays claimed");
    }
    let c = w.queue.counters().unwrap();
    assert_eq!((c.completed, c.active, c.unviewed), (500, 0, 500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_outputs_are_saved_in_order_without_wait_mode() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.config.create_wait = None;
    w.start();
    let g = w.submit(
        "four cats",
        json!({ "num_outputs": 4, "output_format": "png" }),
    );
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 4);
    assert_eq!(g.output_urls.len(), 4, "the https URLs are kept");
    assert!(g.output_files.iter().all(|f| f.ends_with(".png")));
    assert!(w.sim.stats().requests_to("GET /v1/predictions/{id}") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_that_breaks_the_schema_fails_with_replicates_message() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let g = w.submit("too many", json!({ "num_outputs": 9 }));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::InputRejected));
    assert!(
        g.error.as_deref().unwrap().contains("num_outputs"),
        "{:?}",
        g.error
    );
    assert_eq!(w.sim.stats().creates_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_fails_the_generation_with_its_error() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::FailPrediction {
            message: "CUDA out of memory".into(),
        },
        Trigger::Nth(1),
    )]);
    w.start();
    let g = w.submit("oom", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::ModelFailed));
    assert!(g.error.as_deref().unwrap().contains("CUDA out of memory"));
    assert_eq!(g.replicate_status.as_deref(), Some("failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_prediction_is_run_again() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::InterruptPrediction,
        Trigger::Nth(1),
    )]);
    w.start();
    let g = w.submit("interrupted once", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    assert_eq!(g.attempts, 2);
    assert_eq!(w.sim.stats().for_input(&g.input).created, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_is_reconciled_without_a_second_prediction() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropAfterAction, Trigger::Nth(1)).on(Endpoint::Create)
    ]);
    w.start();
    let g = w.submit("answer lost", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    let stats = w.sim.stats();
    assert_eq!(
        stats.for_input(&g.input).created,
        1,
        "no duplicate prediction"
    );
    assert!(
        stats.requests_to("GET /v1/predictions") >= 1,
        "it looked in the list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_dropped_before_the_server_acted_is_sent_again_once() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Create)
    ]);
    w.start();
    let g = w.submit("dropped before", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    assert_eq!(w.sim.stats().for_input(&g.input).created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_until_success() {
    let mut w = World::new(2, SimConfig::fast()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::ServerErrorJson { status: 503 }, Trigger::Nth(1))
            .on(Endpoint::Create),
        FaultRule::new(FaultKind::ServerErrorHtml { status: 502 }, Trigger::Nth(2))
            .on(Endpoint::Create),
    ]);
    w.start();
    let ids: Vec<_> = (0..4)
        .map(|i| w.submit(&format!("5xx {i}"), json!({ "seed": i })).id)
        .collect();
    for g in w.wait_terminal(&ids, LONG).await {
        assert_files(&w, &g, 1);
        assert_eq!(w.sim.stats().for_input(&g.input).created, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_token_cools_down_and_the_work_moves_on() {
    let mut w = World::new(2, SimConfig::fast()).await;
    let first = w.tokens[0].clone();
    w.sim
        .add_faults([FaultRule::new(FaultKind::RateLimitStorm, Trigger::Nth(1)).for_token(&first)]);
    w.start();
    let ids: Vec<_> = (0..6)
        .map(|i| w.submit(&format!("429 {i}"), json!({ "seed": i })).id)
        .collect();
    for g in w.wait_terminal(&ids, LONG).await {
        assert_files(&w, &g, 1);
    }
    let t = w.queue.store().get_token(w.token_ids[0]).unwrap().unwrap();
    assert_eq!(t.rate_limited_count, 1);
    assert!(t.active, "a cooled-down token stays in the pool");
    assert_eq!(w.sim.stats().creates_total, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_disabled_and_the_others_carry_on() {
    let mut w = World::new(2, SimConfig::fast()).await;
    assert!(w.sim.revoke(&w.tokens[0]));
    w.start();
    let ids: Vec<_> = (0..4)
        .map(|i| w.submit(&format!("revoked {i}"), json!({ "seed": i })).id)
        .collect();
    for g in w.wait_terminal(&ids, LONG).await {
        assert_files(&w, &g, 1);
    }
    let t = w.queue.store().get_token(w.token_ids[0]).unwrap().unwrap();
    assert!(!t.active);
    assert!(
        t.disabled_reason.as_deref().unwrap().contains("refused"),
        "{:?}",
        t.disabled_reason
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_out_of_credit_is_disabled_and_returns_when_revalidated() {
    let mut w = World::new(2, SimConfig::fast()).await;
    w.sim.set_behaviour(&w.tokens[1], Behaviour::OutOfCredit);
    w.start();
    let ids: Vec<_> = (0..4)
        .map(|i| w.submit(&format!("credit {i}"), json!({ "seed": i })).id)
        .collect();
    for g in w.wait_terminal(&ids, LONG).await {
        assert_files(&w, &g, 1);
    }
    let t = w.queue.store().get_token(w.token_ids[1]).unwrap().unwrap();
    assert!(!t.active);
    assert!(
        t.disabled_reason.as_deref().unwrap().contains("credit"),
        "{:?}",
        t.disabled_reason
    );
    // The user tops up and re-validates: back in the pool.
    w.sim.set_behaviour(&w.tokens[1], Behaviour::Ok);
    let (t, _) = w.queue.revalidate_token(w.token_ids[1]).await.unwrap();
    assert!(t.active && t.disabled_reason.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_usable_token_generations_wait_with_a_reason() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.queue
        .disable_token(w.token_ids[0], "Disabled by you")
        .unwrap();
    w.start();
    let g = w.submit("waiting", json!({}));
    let g = w.wait_for(g.id, LONG, |g| g.wait_reason.is_some()).await;
    assert_eq!(g.status, GenerationStatus::Pending);
    assert!(
        g.wait_reason
            .as_ref()
            .unwrap()
            .english(&chrono::Utc)
            .to_lowercase()
            .contains("disabled"),
        "{:?}",
        g.wait_reason
    );
    w.queue.enable_token(w.token_ids[0]).unwrap();
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    assert!(g.wait_reason.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_expired_before_the_download_fail_clearly() {
    let sim = SimConfig {
        output_ttl: Duration::from_millis(1),
        inline_outputs_in_wait: false,
        ..SimConfig::fast()
    };
    let mut w = World::new(1, sim).await;
    w.config.create_wait = None;
    w.config.schedule.first = Duration::from_millis(400);
    w.config.schedule.min = Duration::from_millis(400);
    w.start();
    let g = w.submit("expired", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::OutputsExpired));
    let why = g.failure_english().unwrap();
    assert!(why.contains("expired"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_download_is_fetched_again() {
    let sim = SimConfig::fast().outputs_as_urls();
    let mut w = World::new(1, sim).await;
    w.sim
        .add_faults([FaultRule::new(FaultKind::TruncateDownload, Trigger::Nth(1))]);
    w.start();
    let g = w.submit("truncated", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    assert!(w.sim.stats().downloads_total >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_loses_nothing_and_bills_nothing_twice() {
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::from_millis(50)),
            predict: Delay::Uniform(Duration::from_millis(100), Duration::from_millis(600)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    };
    let mut w = World::new(3, sim).await;
    w.config.create_wait = None;
    w.start();
    let ids = w.submit_seeded("restart", 30);
    // Stop while some are running.
    w.wait_for(ids[0], LONG, |g| g.status == GenerationStatus::Processing)
        .await;
    w.stop().await;
    let running = w.queue.counters().unwrap().processing;
    assert!(running > 0, "some were running when it stopped");
    w.start();
    for g in w.wait_terminal(&ids, LONG).await {
        assert_files(&w, &g, 1);
        assert_eq!(
            w.sim.stats().for_input(&g.input).created,
            1,
            "{} created once",
            g.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_pending_and_running_generations() {
    let sim = SimConfig {
        timing: Timing {
            time_scale: 1.0,
            ..SimConfig::fast().timing
        },
        ..SimConfig::fast()
    };
    let mut w = World::new(1, sim).await;
    w.config.create_wait = None;
    w.start();
    let running = w.submit("runs", json!({}));
    let waiting = w.submit("waits", json!({}));
    w.wait_for(running.id, LONG, |g| g.prediction_id.is_some())
        .await;
    let c = w.queue.cancel(waiting.id).await.unwrap();
    assert_eq!(c.status, GenerationStatus::Cancelled);
    let c = w.queue.cancel(running.id).await.unwrap();
    assert_eq!(c.status, GenerationStatus::Cancelled);
    assert_eq!(
        w.sim.stats().live("canceled"),
        1,
        "Replicate's cancel was called"
    );
    assert_eq!(
        w.sim.stats().creates_total,
        1,
        "the waiting one never reached Replicate"
    );
    let err = w.queue.cancel(running.id).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_queues_a_new_generation_linked_to_the_failed_one() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::FailPrediction {
            message: "NSFW".into(),
        },
        Trigger::Nth(1),
    )]);
    w.start();
    let g = w.submit("retry me", json!({}));
    let failed = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(failed.status, GenerationStatus::Failed);
    let again = w.queue.retry(failed.id).unwrap();
    assert_eq!(again.retried_from, Some(failed.id));
    assert_eq!(again.input, failed.input);
    let done = &w.wait_terminal(&[again.id], LONG).await[0];
    assert_files(&w, done, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_new_work_and_resume_runs_it() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.queue.pause().unwrap();
    w.start();
    let g = w.submit("paused", json!({}));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.queue.get(g.id).unwrap().status, GenerationStatus::Pending);
    assert_eq!(w.sim.stats().creates_total, 0);
    w.queue.resume().unwrap();
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_on_the_same_folder_is_refused() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let err = genqueue_core::engine::Engine::start(w.queue.clone(), w.config.clone())
        .err()
        .expect("refused");
    assert!(
        matches!(err, genqueue_core::engine::EngineError::AlreadyRunning(_)),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_generation_whose_token_is_gone_fails_clearly_at_start() {
    if genqueue_testkit::sqlite_only("a row edited past the lifecycle through the SQLite file") {
        return;
    }
    let mut w = World::new(1, SimConfig::fast()).await;
    let g = w.submit("orphan", json!({}));
    // As an older version could leave it: processing, its token row deleted
    // (written past the lifecycle, on the concrete store).
    genqueue_core::store::Store::open(&w.queue.data_dir().join(genqueue_core::paths::DB_FILE))
        .unwrap()
        .update_generation(g.id, |r| {
            r.status = GenerationStatus::Processing;
            r.prediction_id = Some("gone".into());
        })
        .unwrap();
    w.start();
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed);
    let why = g.failure_english().unwrap();
    assert!(why.contains("token"), "{why}");
    assert_eq!(w.queue.counters().unwrap().active, 0);
}
