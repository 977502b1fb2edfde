//! Creates whose outcome is unknown (the answer was lost, the engine
//! stopped) while the server may still act on them: the engine waits, with
//! a visible reason, until the request can no longer be acted on, adopts a
//! prediction that appears meanwhile, and only then creates again.
//!
//! The window is the create's time limit plus the landing margin: 3 s + 0.3 s
//! in these tests (the World's client and `test_engine_config`), 75 s + 30 s
//! in the app.

use std::time::{Duration, Instant};

use chrono::Utc;
use genqueue_core::events::Event;
use genqueue_core::model::{Generation, GenerationStatus, WaitCode, WaitReason};
use genqueue_tests::{World, assert_files};
use replicate_sim::{Delay, Endpoint, FaultKind, FaultRule, SimConfig, Timing, Trigger};
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

/// Whether a wait reason says the engine is looking for a create's prediction.
fn is_checking(w: Option<&WaitReason>) -> bool {
    w.is_some_and(|r| r.code == WaitCode::CheckingCreate)
}

/// The generation waits while its create may still land.
fn checking(g: &Generation) -> bool {
    is_checking(g.wait_reason.as_ref())
}

fn late(ms: u64) -> FaultRule {
    FaultRule::new(
        FaultKind::LateCreate {
            delay: Duration::from_millis(ms),
        },
        Trigger::Nth(1),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prediction_that_lands_after_its_answer_was_lost_is_waited_for_and_adopted() {
    let mut w = World::new(1, SimConfig::fast()).await;
    // The connection drops at once; the server acts on the create 1.5 s later.
    w.sim.add_faults([
        late(1500),
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Create),
    ]);
    let mut events = w.queue.events().subscribe();
    w.start();
    let g = w.submit("on its way", json!({}));
    let waiting = w.wait_for(g.id, LONG, checking).await;
    eprintln!("while the create is on its way: {:?}", waiting.wait_reason);
    assert_eq!(waiting.status, GenerationStatus::Pending);
    assert!(waiting.prediction_id.is_none() && waiting.create_sent_at.is_some());
    assert_eq!(
        w.sim.stats().creates_total,
        0,
        "the list was read before the prediction existed"
    );
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    let stats = w.sim.stats();
    assert_eq!(
        (
            stats.for_input(&g.input).created,
            stats.creates_total,
            g.attempts
        ),
        (1, 1, 1),
        "the late prediction was adopted, none created again"
    );
    assert!(
        stats.requests_to("GET /v1/predictions") >= 2,
        "the list was read again"
    );
    // The reason reached listeners (the UI, the tray) as an event.
    let mut announced = false;
    while let Ok(ev) = events.try_recv() {
        if let Event::GenerationChanged(s) = ev {
            announced |= s.id == g.id && is_checking(s.wait_reason.as_ref());
        }
    }
    assert!(announced, "the waiting reason was announced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_never_arrived_is_sent_again_only_once_it_can_no_longer_land() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Create)
    ]);
    w.start();
    let g = w.submit("never arrived", json!({}));
    let waiting = w.wait_for(g.id, LONG, checking).await;
    let sent = waiting.create_sent_at.expect("sent");
    let g = w.wait_for(g.id, LONG, |g| g.prediction_id.is_some()).await;
    let resent_after = (Utc::now() - sent).to_std().unwrap();
    eprintln!("never arrived: created again {resent_after:?} after the first create was sent");
    assert!(
        resent_after >= Duration::from_millis(3300),
        "created again before the first create could no longer land: {resent_after:?}"
    );
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    assert_eq!(
        (w.sim.stats().for_input(&g.input).created, g.attempts),
        (1, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_on_its_way_when_the_engine_stops_is_adopted_after_the_restart() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([late(1500)]);
    w.start();
    let g = w.submit("stopped while sending", json!({}));
    w.wait_for(g.id, LONG, |g| g.create_sent_at.is_some()).await;
    // The request has left; the engine stops (as a kill would) and starts again at once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped = Instant::now();
    w.stop().await;
    assert_eq!(w.sim.stats().creates_total, 0, "not acted on yet");
    w.start();
    let waiting = w.wait_for(g.id, LONG, checking).await;
    assert!(waiting.prediction_id.is_none());
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    eprintln!(
        "restarted over a late create: {} in {:?}",
        g.status,
        stopped.elapsed()
    );
    assert_files(&w, g, 1);
    assert_eq!(
        (w.sim.stats().for_input(&g.input).created, g.attempts),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_cancelled_while_its_create_is_on_its_way_cancels_the_late_prediction() {
    // Real-time predictions, so that the late one still runs when it is found.
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::from_secs(1)),
            predict: Delay::Fixed(Duration::from_secs(3)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    };
    let mut w = World::new(1, sim).await;
    w.sim.add_faults([
        late(1000),
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Create),
    ]);
    w.start();
    let g = w.submit("cancelled on its way", json!({}));
    w.wait_for(g.id, LONG, checking).await;
    let cancelled = w.queue.cancel(g.id).await.unwrap();
    assert_eq!(cancelled.status, GenerationStatus::Cancelled);
    // The prediction lands a moment later: the engine finds it and stops it.
    let start = Instant::now();
    while w.sim.stats().live("canceled") == 0 {
        assert!(
            start.elapsed() < LONG,
            "the late prediction was never cancelled: {:?}",
            w.sim.stats().live_by_status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let g = w.queue.get(g.id).unwrap();
    assert_eq!(g.status, GenerationStatus::Cancelled);
    assert_eq!(g.wait_reason, None, "a cancelled generation shows no wait");
    assert_eq!(w.sim.stats().creates_total, 1, "nothing created again");
}
