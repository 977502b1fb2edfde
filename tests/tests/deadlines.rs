//! A generation's deadlines (issue #12) against replicate-sim: a prediction
//! stuck in `starting` is cancelled at its time-to-start deadline with the
//! token that owns it and fails with a clear reason, freeing its slot; a run
//! deadline travels as `Cancel-After` and Replicate's `aborted` / `canceled`
//! at it end the generation with the deadline's reason.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use genqueue_core::clock::ManualClock;
use genqueue_core::model::{Deadlines, ErrorKind, GenerationStatus};
use genqueue_core::submit::{Prompts, SubmitRequest};
use genqueue_testkit::{fake_token, flux, secret_store};
use genqueue_tests::World;
use replicate_sim::{Delay, SimConfig, Timing};
use serde_json::json;

const LONG: Duration = Duration::from_secs(30);

/// A sim whose predictions stay `starting` for `boot` and then run `predict`
/// (real time: scale 1).
fn sim(boot: Duration, predict: Duration, time_scale: f64) -> SimConfig {
    SimConfig {
        timing: Timing {
            boot: Delay::Fixed(boot),
            predict: Delay::Fixed(predict),
            time_scale,
        },
        image_scale: 1.0 / 16.0,
        ..SimConfig::default()
    }
}

async fn world_on_clock(tokens: usize, sim: SimConfig, clock: Arc<ManualClock>) -> World {
    World::builder(sim, (0..tokens).map(|_| fake_token()).collect())
        .secrets(secret_store())
        .client_timeout(Duration::from_secs(3))
        .clock(clock)
        .build()
        .await
        .expect("test world")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prediction_still_starting_at_its_time_to_start_deadline_is_cancelled_and_not_billed() {
    // Boots of 10,000 s (100 s real at scale 0.01): no GPU comes free here.
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut w = world_on_clock(
        2,
        sim(Duration::from_secs(10_000), Duration::from_secs(2), 0.01),
        clock.clone(),
    )
    .await;
    w.start();
    // One with its own 2-minute deadline, one on the setting's 15 minutes.
    let mut short = flux("a short wait", json!({ "seed": 1 }));
    short.deadlines.start_deadline_secs = Some(120);
    let short = w.queue.submit(short).unwrap();
    let default = w.submit("the default wait", json!({ "seed": 2 }));
    for id in [short.id, default.id] {
        w.wait_for(id, LONG, |g| {
            g.status == GenerationStatus::Processing
                && g.replicate_status.as_deref() == Some("starting")
        })
        .await;
    }

    clock.advance(Duration::from_secs(121));
    let g = w.wait_for(short.id, LONG, |g| g.status.is_terminal()).await;
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::StartTimeout));
    assert_eq!(
        g.failure_english().as_deref(),
        Some("No GPU became free in 2 min; cancelled, not billed")
    );
    assert_eq!(g.replicate_status.as_deref(), Some("canceled"));
    // Its prediction is cancelled on Replicate, by the account that owns it
    // (another account's cancel would be a 404 and change nothing).
    let pid = g.prediction_id.clone().expect("prediction id");
    let owner = w.token_of(g.id).expect("owning token").to_owned();
    let seen: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/predictions/{pid}", w.sim.base_url()))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["status"], "canceled");
    assert!(seen["started_at"].is_null(), "it never ran: not billed");
    // The other one waits on for its own deadline.
    assert_eq!(
        w.queue.get(default.id).unwrap().status,
        GenerationStatus::Processing
    );

    clock.advance(Duration::from_secs(15 * 60));
    let g = w
        .wait_for(default.id, LONG, |g| g.status.is_terminal())
        .await;
    assert_eq!(g.error_kind, Some(ErrorKind::StartTimeout));
    assert_eq!(
        g.failure_english().as_deref(),
        Some("No GPU became free in 15 min; cancelled, not billed")
    );
    // No slot is held: both tokens are free again.
    for t in w.queue.tokens().unwrap() {
        assert_eq!(t.in_flight, 0, "{} still holds a slot", t.label);
    }
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_to_start_setting_applies_to_generations_without_their_own() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut w = world_on_clock(
        1,
        sim(Duration::from_secs(10_000), Duration::from_secs(2), 0.01),
        clock.clone(),
    )
    .await;
    let mut settings = w.queue.settings().unwrap();
    settings.start_deadline_minutes = 3;
    w.queue.set_settings(settings).unwrap();
    w.start();
    let g = w.submit("on the setting", json!({}));
    w.wait_for(g.id, LONG, |g| g.status == GenerationStatus::Processing)
        .await;
    clock.advance(Duration::from_secs(2 * 60));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        w.queue.get(g.id).unwrap().status,
        GenerationStatus::Processing,
        "not before its deadline"
    );
    clock.advance(Duration::from_secs(61));
    let g = w.wait_for(g.id, LONG, |g| g.status.is_terminal()).await;
    assert_eq!(g.error_kind, Some(ErrorKind::StartTimeout));
    assert_eq!(
        g.failure_english().as_deref(),
        Some("No GPU became free in 3 min; cancelled, not billed")
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_deadline_passing_before_the_start_ends_aborted_and_not_billed() {
    // Replicate counts `Cancel-After` from the creation: a 60 s boot outlasts 5 s.
    let mut w = World::new(1, sim(Duration::from_secs(60), Duration::from_secs(1), 1.0)).await;
    w.start();
    let mut job = flux("never starts in time", json!({}));
    job.deadlines.run_deadline_secs = Some(5);
    let g = w.queue.submit(job).unwrap();
    let g = w.wait_for(g.id, LONG, |g| g.status.is_terminal()).await;
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::RunDeadlineBeforeStart));
    assert_eq!(g.replicate_status.as_deref(), Some("aborted"));
    assert_eq!(
        g.failure_english().as_deref(),
        Some("Its run deadline of 5 s passed before it started; Replicate aborted it, not billed")
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_deadline_passing_while_it_runs_fails_it_with_the_deadline_not_as_a_user_cancel() {
    let mut w = World::new(1, sim(Duration::ZERO, Duration::from_secs(60), 1.0)).await;
    w.start();
    let mut job = flux("runs too long", json!({}));
    job.deadlines.run_deadline_secs = Some(5);
    let g = w.queue.submit(job).unwrap();
    let g = w.wait_for(g.id, LONG, |g| g.status.is_terminal()).await;
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::RunDeadline));
    assert_eq!(g.replicate_status.as_deref(), Some("canceled"));
    assert_eq!(
        g.failure_english().as_deref(),
        Some(
            "Its run deadline of 5 s passed while it ran; Replicate cancelled it (billed for the time it ran)"
        )
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_refuses_deadlines_out_of_range_and_queues_nothing() {
    let w = World::new(1, SimConfig::fast()).await;
    let request = |start: Option<u32>, run: Option<u32>| SubmitRequest {
        model: "black-forest-labs/flux-schnell".parse().unwrap(),
        prompts: Prompts::One("a cat".into()),
        input: Default::default(),
        count: 1,
        priority: 0,
        deadlines: Deadlines {
            start_deadline_secs: start,
            run_deadline_secs: run,
        },
    };
    let e = w
        .queue
        .submit_request(&request(None, Some(4)))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "a run deadline must be 5 s to 24 h, not 4 s");
    assert_eq!(e.code().as_str(), "invalid_input");
    let e = w
        .queue
        .submit_request(&request(Some(10), None))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a time-to-start deadline must be 1 min to 24 h, not 10 s"
    );
    assert!(w.all_generations().is_empty(), "nothing queued");
    let ok = w
        .queue
        .submit_request(&request(Some(600), Some(300)))
        .await
        .unwrap();
    let stored = w.queue.get(ok.generations[0].id).unwrap();
    assert_eq!(stored.deadlines.start_deadline_secs, Some(600));
    assert_eq!(stored.deadlines.run_deadline_secs, Some(300));
}
