//! Streamed completion (issue 12): the engine follows a running prediction
//! through its `urls.stream` (server-sent events), shows the streamed
//! progress at once, reads the prediction as soon as the stream says it
//! ended, and falls back to its read schedule when the stream breaks or
//! never opens. Status reads stay the truth: every generation here ends
//! through a read.
//!
//! The read schedule is slowed right down in these tests (a minute between
//! reads), so a generation that completes with one read did so because the
//! stream said when; the request counts (the sim's) prove which path ran.
//! Nothing is timed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genqueue_core::engine::{EngineConfig, PollSchedule, StreamConfig};
use genqueue_core::events::Event;
use genqueue_core::model::{Generation, GenerationStatus};
use genqueue_tests::{World, assert_files, test_engine_config};
use replicate_sim::{Delay, Endpoint, FaultKind, FaultRule, SimConfig, Timing, Trigger};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(30);
const READS: &str = "GET /v1/predictions/{id}";

/// Predictions that run ~1.5 s (12 steps) after a short boot; creates not held.
fn sim() -> SimConfig {
    SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::from_millis(100)),
            predict: Delay::Fixed(Duration::from_millis(1500)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    }
}

/// The engine with creates answered at once and reads a minute apart: only
/// the stream can make a generation end soon.
fn slow_reads() -> EngineConfig {
    let minute = Duration::from_secs(60);
    EngineConfig {
        create_wait: None,
        schedule: PollSchedule {
            min: minute,
            max: minute,
            starting_max: minute,
            first: minute,
            growth: 1.0,
        },
        streams: StreamConfig {
            check: minute,
            ..test_engine_config().streams
        },
        ..test_engine_config()
    }
}

/// Progress percentages announced for the generation, in order.
fn record_progress(w: &World) -> Arc<Mutex<Vec<u8>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut rx = w.queue.events().subscribe();
    let out = seen.clone();
    tokio::spawn(async move {
        while let Ok(ev) = rx.recv().await {
            if let Event::GenerationChanged(g) = ev
                && g.status == GenerationStatus::Processing
                && let Some(p) = g.progress
            {
                let mut v = out.lock().unwrap();
                if v.last() != Some(&p) {
                    v.push(p);
                }
            }
        }
    });
    seen
}

async fn run_one(w: &mut World, config: EngineConfig) -> (Generation, u64, u64) {
    w.start_with(config).expect("engine");
    let g = w.submit("a lighthouse at dusk", json!({}));
    let g = w.wait_terminal(&[g.id], LIMIT).await.remove(0);
    let stats = w.sim.stats();
    let pid = g.prediction_id.clone().expect("prediction");
    let streams = stats.streams_by_prediction.get(&pid).copied().unwrap_or(0);
    (g, stats.requests_to(READS), streams)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_logs_show_progress_and_the_end_is_read_at_once() {
    let mut w = World::new(1, sim()).await;
    let progress = record_progress(&w);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!((streams, reads), (1, 1), "one stream, one read at its end");
    let seen = progress.lock().unwrap().clone();
    assert!(
        seen.iter().any(|p| *p > 0 && *p < 100) && seen.windows(2).all(|w| w[0] < w[1]),
        "progress rose step by step while running: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_dropped_mid_way_is_resumed_and_still_ends_the_generation() {
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::StreamDrop { after: 3 },
        Trigger::Nth(1),
    )]);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!(
        (streams, reads),
        (2, 1),
        "resumed once, one read at the end"
    );
    assert_eq!(w.sim.stats().streams_resumed_total, 1, "sent Last-Event-ID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_ends_without_done_is_followed_by_a_read_at_once() {
    // At the end: the server closes instead of sending `done`.
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::StreamEnd { after: None },
        Trigger::Always,
    )]);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!((streams, reads), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_ends_while_running_is_read_then_opened_again() {
    // After two events the first connection ends cleanly (no `done`): the
    // read finds the prediction still running, and the stream is resumed.
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::StreamEnd { after: Some(2) },
        Trigger::Nth(1),
    )]);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!((streams, reads), (2, 2));
    assert_eq!(w.sim.stats().streams_resumed_total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_data_split_into_pieces_of_a_few_bytes_reads_the_same() {
    let mut w = World::new(1, sim()).await;
    w.sim
        .add_faults([FaultRule::new(FaultKind::StreamSplit, Trigger::Always)]);
    let progress = record_progress(&w);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!((streams, reads), (1, 1));
    let seen = progress.lock().unwrap().clone();
    assert!(seen.iter().any(|p| *p > 0 && *p < 100), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_first_byte_is_waited_for() {
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::Slow {
            delay: Duration::from_millis(500),
        },
        Trigger::Nth(1),
    )
    .on(Endpoint::Stream)]);
    let (g, reads, streams) = run_one(&mut w, slow_reads()).await;
    assert_files(&w, &g, 1);
    assert_eq!((streams, reads), (1, 1));
}

/// The read schedule of the test suite, with streams as in `slow_reads`.
fn quick_reads() -> EngineConfig {
    EngineConfig {
        create_wait: None,
        ..test_engine_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_never_opens_falls_back_to_the_read_schedule() {
    // A 503 on every stream request: tried a few times, then given up.
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::ServerErrorJson { status: 503 }, Trigger::Always)
            .on(Endpoint::Stream),
    ]);
    let config = quick_reads();
    let max = config.streams.max_connects as u64;
    let (g, reads, streams) = run_one(&mut w, config).await;
    assert_files(&w, &g, 1);
    assert!(streams <= max, "{streams} stream requests, at most {max}");
    assert!(reads >= 2, "read on the schedule: {reads} reads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_refused_with_404_is_not_asked_again() {
    let mut w = World::new(1, sim()).await;
    w.sim
        .add_faults([FaultRule::new(FaultKind::StreamGone, Trigger::Always)]);
    let (g, reads, _) = run_one(&mut w, quick_reads()).await;
    assert_files(&w, &g, 1);
    let asked = w.sim.stats().requests_to("GET /v1/files/{id}");
    assert_eq!(asked, 1, "a 404 is final");
    assert!(reads >= 2, "read on the schedule: {reads} reads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_stream_is_given_up_for_the_read_schedule() {
    // The first byte never comes in time (the stream's idle limit is short).
    let mut w = World::new(1, sim()).await;
    w.sim.add_faults([FaultRule::new(
        FaultKind::Slow {
            delay: Duration::from_secs(20),
        },
        Trigger::Always,
    )
    .on(Endpoint::Stream)]);
    let mut config = quick_reads();
    config.streams.idle = Duration::from_millis(200);
    config.streams.max_connects = 2;
    let (g, reads, _) = run_one(&mut w, config).await;
    assert_files(&w, &g, 1);
    assert!(reads >= 2, "read on the schedule: {reads} reads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_bounded_in_number_and_the_rest_are_read_on_the_schedule() {
    let mut w = World::builder(sim(), vec![genqueue_tests::fake_token()])
        .concurrency(4)
        .build()
        .await
        .expect("world");
    let mut config = quick_reads();
    config.streams.max_open = 1;
    w.start_with(config).expect("engine");
    let ids = w
        .submit_all(genqueue_testkit::seeded("bounded", 4))
        .expect("queued");
    let rows = w.wait_terminal(&ids, LIMIT).await;
    for g in &rows {
        assert_files(&w, g, 1);
    }
    let stats = w.sim.stats();
    let streamed = rows
        .iter()
        .filter(|g| {
            stats
                .streams_by_prediction
                .contains_key(g.prediction_id.as_deref().unwrap())
        })
        .count();
    assert!(streamed >= 1, "{streamed} of 4 streamed");
    assert!(
        stats.streams_open_max <= 1,
        "{} open at once",
        stats.streams_open_max
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_create_shows_streamed_progress_before_it_answers() {
    // The create is held (`Prefer: wait=60`) for the whole run: without the
    // look into the token's list, no progress could show until it answers.
    let tokens = vec![genqueue_tests::fake_token()];
    let mut w = World::builder(sim(), tokens)
        .client_timeout(Duration::from_secs(20))
        .build()
        .await
        .expect("world");
    let progress = record_progress(&w);
    let mut config = slow_reads();
    config.create_wait = Some(60);
    config.streams.peek_after = Some(Duration::from_millis(300));
    let (g, reads, streams) = run_one(&mut w, config).await;
    assert_files(&w, &g, 1);
    let stats = w.sim.stats();
    assert_eq!(
        stats.requests_to("GET /v1/predictions"),
        1,
        "one look at the list"
    );
    assert_eq!((streams, reads), (1, 1));
    assert_eq!(stats.creates_total, 1);
    let seen = progress.lock().unwrap().clone();
    assert!(
        seen.iter().any(|p| *p > 0 && *p < 100),
        "progress while the create was held: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_create_is_not_matched_while_a_twin_is_on_the_wire() {
    // Two generations with the very same input on one token: the list cannot
    // tell their predictions apart, so neither is adopted early.
    let tokens = vec![genqueue_tests::fake_token()];
    let mut w = World::builder(sim(), tokens)
        .client_timeout(Duration::from_secs(20))
        .concurrency(2)
        .build()
        .await
        .expect("world");
    let mut config = slow_reads();
    config.create_wait = Some(60);
    config.streams.peek_after = Some(Duration::from_millis(300));
    w.start_with(config).expect("engine");
    let a = w.submit("twins", json!({}));
    let b = w.submit("twins", json!({}));
    let rows = w.wait_terminal(&[a.id, b.id], LIMIT).await;
    for g in &rows {
        assert_files(&w, g, 1);
    }
    assert_ne!(rows[0].prediction_id, rows[1].prediction_id);
    let stats = w.sim.stats();
    assert_eq!(
        stats.requests_to("GET /v1/predictions"),
        0,
        "no look at the list"
    );
    assert_eq!(stats.creates_total, 2);
}
