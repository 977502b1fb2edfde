//! The fault suite's helpers (tests/tests/reliability_faults_*.rs): fault
//! rules for replicate-sim, a drain of `n` generations, and what every run
//! must hold at its end whatever the faults.

use std::time::Duration;

use genqueue_core::model::{ErrorKind, Generation, GenerationStatus};
use replicate_sim::{Endpoint, FaultKind, FaultRule, Trigger};
use serde_json::json;

use crate::{World, assert_human, check_outputs};

/// How long a fault run may take to drain.
pub const LONG: Duration = Duration::from_secs(120);

/// The sim's seed for a fault run: `GENQUEUE_SIM_SEED` (to repeat or vary
/// the fault draws), else the sim's default. Said on stderr.
pub fn sim_seed() -> u64 {
    let seed = std::env::var("GENQUEUE_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(replicate_sim::SimConfig::default().seed);
    eprintln!("sim seed {seed} (GENQUEUE_SIM_SEED)");
    seed
}

/// With `RUST_LOG` set, the engine's log goes to the test's output (shown
/// for a failing test, or with `--nocapture`). Once per test binary.
pub fn log_if_asked() {
    if let Ok(filter) = std::env::var("RUST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_test_writer()
            .try_init();
    }
}

/// `kind` on a share `rate` of requests, on one endpoint or all.
pub fn rule(kind: FaultKind, rate: f64, on: Option<Endpoint>) -> FaultRule {
    let r = FaultRule::new(kind, Trigger::Rate(rate));
    match on {
        Some(e) => r.on(e),
        None => r,
    }
}

/// The same rule on each API endpoint the engine uses (not files).
pub fn on_api(kind: FaultKind, rate: f64) -> Vec<FaultRule> {
    [Endpoint::Create, Endpoint::Get, Endpoint::List]
        .into_iter()
        .map(|e| rule(kind.clone(), rate, Some(e)))
        .collect()
}

/// Submits `n` distinct generations and waits until all are terminal.
pub async fn drain(w: &World, n: usize, tag: &str) -> Vec<Generation> {
    let ids = w.submit_seeded(tag, n);
    w.wait_terminal(&ids, LONG).await
}

/// What every run must hold at its end, whatever the faults.
pub fn common_end(w: &World, rows: &[Generation]) {
    let problems = check_outputs(w.dir.path(), rows);
    assert!(problems.is_empty(), "{problems:#?}");
    let stats = w.sim.stats();
    for g in rows {
        let s = stats.for_input(&g.input);
        assert!(
            s.succeeded <= 1,
            "{} billed {} times ({s:?}): {g:#?}\npredictions with its input: {:#?}",
            g.id,
            s.succeeded,
            w.sim.predictions_with_input(&g.input)
        );
        assert!(
            s.created <= u64::from(g.attempts.max(1)),
            "{}: {} predictions for {} attempts",
            g.id,
            s.created,
            g.attempts
        );
        if g.status == GenerationStatus::Completed {
            assert_eq!(s.succeeded, 1, "{} completed from a success", g.id);
        }
        if let Some(e) = g.failure_english() {
            assert_human(&format!("error of {}", g.id), &e, &w.tokens);
            let kind = g.error_kind.expect("a failure has a kind");
            let expect = match kind {
                ErrorKind::ModelFailed => "model failed",
                ErrorKind::OutputsExpired => "expired",
                ErrorKind::DownloadFailed => "saving its outputs failed",
                // What a fault of the connection or the server can end in.
                ErrorKind::RetriesExhausted
                | ErrorKind::LostContact
                | ErrorKind::TokenRefused
                | ErrorKind::CreateFailed
                | ErrorKind::CreateUnverifiable
                | ErrorKind::NoOutput
                | ErrorKind::Other => "",
                other => panic!("{}: unexpected failure kind {other:?}: {e}", g.id),
            };
            assert!(
                e.to_lowercase().contains(expect),
                "{}: {kind:?} says {e:?}",
                g.id
            );
        }
    }
    for t in w.queue.tokens().unwrap() {
        assert_eq!(t.in_flight, 0, "no slot stays claimed on {}", t.label);
        if let Some(r) = &t.disabled_reason {
            assert_human(&format!("reason {} is disabled", t.label), r, &w.tokens);
        }
    }
}

/// After the faults: cleared, one more generation completes (the engine runs).
pub async fn still_runs(w: &World) {
    w.sim.set_faults([]);
    let g = w.submit("after the storm", json!({ "seed": 99_999 }));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
}

/// How many rows ended in each status (and failure kind), for the log.
pub fn tally(rows: &[Generation]) -> String {
    let mut m = std::collections::BTreeMap::new();
    for g in rows {
        let k = match g.error_kind {
            Some(k) => format!("{}/{}", g.status, k.as_str()),
            None => g.status.to_string(),
        };
        *m.entry(k).or_insert(0) += 1;
    }
    format!("{m:?}")
}

/// Panics unless every row completed.
pub fn all_completed(rows: &[Generation]) {
    let other: Vec<_> = rows
        .iter()
        .filter(|g| g.status != GenerationStatus::Completed)
        .map(|g| format!("{} {} {:?}", g.id, g.status, g.error))
        .collect();
    assert!(other.is_empty(), "{other:#?}");
}
