//! Prediction and download faults: failing and interrupted predictions, one
//! stuck in `starting`, outputs expired before the download, truncated
//! downloads. Each ends with the model's words or runs again, holds only its
//! own slot, and nothing is saved half.
//!
//! The engine runs in-process (test timings) against replicate-sim.
//! CI size: 12 generations per single fault, 40 mixed; full size
//! (`GENQUEUE_RELIABILITY_FULL=1`): 40 and 200. Helpers: `genqueue_tests::faults`.

use std::time::Duration;

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_tests::faults::{LONG, common_end, drain, rule, still_runs, tally};
use genqueue_tests::{World, sized};
use replicate_sim::{FaultKind, FaultRule, SimConfig, Trigger};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_interrupted_predictions_end_with_the_models_words_or_run_again() {
    let mut w = World::new(3, SimConfig::fast()).await;
    w.sim.add_faults([
        rule(
            FaultKind::FailPrediction {
                message: "CUDA out of memory. Tried to allocate 2.00 GiB".into(),
            },
            0.3,
            None,
        ),
        rule(FaultKind::InterruptPrediction, 0.2, None),
    ]);
    w.start();
    let rows = drain(&w, sized(12, 40), "failing").await;
    eprintln!("failing: {}", tally(&rows));
    for g in &rows {
        match (g.status, g.error_kind) {
            (GenerationStatus::Completed, None) => {}
            (GenerationStatus::Failed, Some(ErrorKind::ModelFailed)) => {
                let e = g.error.as_deref().unwrap();
                assert!(
                    e.contains("CUDA out of memory") || e.contains("interrupted"),
                    "{e}"
                );
                assert_eq!(g.replicate_status.as_deref(), Some("failed"));
            }
            other => panic!("{}: {other:?} {:?}", g.id, g.error),
        }
    }
    common_end(&w, &rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prediction_stuck_in_starting_holds_only_its_own_slot_and_cancels_cleanly() {
    let mut w = World::new(2, SimConfig::fast()).await;
    w.config.create_wait = None;
    w.sim
        .add_faults([FaultRule::new(FaultKind::StuckStarting, Trigger::Nth(2))]);
    w.start();
    let ids = w.submit_seeded("stuck", 6);
    // Everything but the stuck one ends; the stuck one shows Replicate's status.
    let deadline = std::time::Instant::now() + LONG;
    let stuck = loop {
        let rows: Vec<_> = ids.iter().map(|id| w.queue.get(*id).unwrap()).collect();
        let open: Vec<_> = rows.iter().filter(|g| g.status.is_active()).collect();
        if open.len() == 1 && rows.iter().filter(|g| g.status.is_terminal()).count() == 5 {
            break open[0].clone();
        }
        assert!(std::time::Instant::now() < deadline, "{}", tally(&rows));
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(stuck.status, GenerationStatus::Processing);
    assert_eq!(stuck.replicate_status.as_deref(), Some("starting"));
    let c = w.queue.cancel(stuck.id).await.unwrap();
    assert_eq!(c.status, GenerationStatus::Cancelled);
    assert_eq!(
        w.sim.stats().live("canceled"),
        1,
        "cancelled on Replicate too"
    );
    let rows: Vec<_> = ids.iter().map(|id| w.queue.get(*id).unwrap()).collect();
    common_end(&w, &rows);
    still_runs(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_expired_before_the_download_fail_saying_so() {
    let sim = SimConfig {
        output_ttl: Duration::from_millis(1),
        inline_outputs_in_wait: false,
        ..SimConfig::fast()
    };
    let mut w = World::new(2, sim).await;
    w.config.create_wait = None;
    w.config.schedule.first = Duration::from_millis(300);
    w.config.schedule.min = Duration::from_millis(300);
    w.start();
    let rows = drain(&w, sized(6, 20), "expired").await;
    for g in &rows {
        assert_eq!(g.error_kind, Some(ErrorKind::OutputsExpired), "{g:?}");
    }
    common_end(&w, &rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_downloads_are_fetched_again_and_never_saved_half() {
    let sim = SimConfig::fast().outputs_as_urls();
    let mut w = World::new(3, sim).await;
    w.sim
        .add_faults([rule(FaultKind::TruncateDownload, 0.4, None)]);
    w.start();
    let rows = drain(&w, sized(12, 40), "truncated").await;
    eprintln!("truncated: {}", tally(&rows));
    for g in &rows {
        assert!(
            g.status == GenerationStatus::Completed
                || g.error_kind == Some(ErrorKind::DownloadFailed),
            "{g:?}"
        );
    }
    assert!(w.sim.stats().downloads_total > rows.len() as u64);
    common_end(&w, &rows);
}
