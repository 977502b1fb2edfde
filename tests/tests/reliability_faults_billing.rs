//! Nothing billed twice: connections dropped before and after the server
//! acted, answers slower than the client's time-out, lost creates reconciled
//! (identical inputs, data already expired), and every fault mixed on five
//! tokens: each generation ends rightly with at most one prediction billed.
//!
//! The engine runs in-process (test timings) against replicate-sim.
//! CI size: 12 generations per single fault, 40 mixed; full size
//! (`GENQUEUE_RELIABILITY_FULL=1`): 40 and 200. Helpers: `genqueue_tests::faults`.

use std::time::Duration;

use chrono::Utc;
use genqueue_core::model::GenerationStatus;
use genqueue_tests::faults::{
    LONG, all_completed, common_end, drain, log_if_asked, on_api, rule, sim_seed, still_runs, tally,
};
use genqueue_tests::{World, flux, sized};
use replicate_sim::{Behaviour, Endpoint, FaultKind, FaultRule, SimConfig, Trigger};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_dropped_before_and_after_the_server_acted_bill_nothing_twice() {
    let sim = SimConfig::fast().outputs_as_urls();
    let mut w = World::new(3, sim).await;
    let mut rules = Vec::new();
    for e in [
        Endpoint::Create,
        Endpoint::Get,
        Endpoint::List,
        Endpoint::Files,
    ] {
        rules.push(rule(FaultKind::DropBeforeAction, 0.15, Some(e)));
        rules.push(rule(FaultKind::DropAfterAction, 0.15, Some(e)));
    }
    w.sim.add_faults(rules);
    w.start();
    let rows = drain(&w, sized(12, 40), "dropped").await;
    eprintln!(
        "drops: {} {:?}",
        tally(&rows),
        w.sim.stats().faults_injected
    );
    all_completed(&rows);
    common_end(&w, &rows);
    still_runs(&w).await;
}

/// A download that breaks is tried again for the files not saved yet only:
/// every output file is served once, however many connections dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_download_fetches_again_only_the_files_not_saved_yet() {
    let sim = SimConfig::fast().outputs_as_urls();
    let mut w = World::new(1, sim).await;
    w.sim.add_faults(vec![rule(
        FaultKind::DropBeforeAction,
        0.3,
        Some(Endpoint::Files),
    )]);
    w.start();
    let jobs = (0..5)
        .map(|i| {
            flux(
                &format!("four at once {i}"),
                json!({ "num_outputs": 4, "seed": i }),
            )
        })
        .collect();
    let ids = w.submit_all(jobs).expect("queued");
    let rows = w.wait_terminal(&ids, LONG).await;
    let stats = w.sim.stats();
    let dropped = stats
        .faults_injected
        .get("drop_before_action")
        .copied()
        .unwrap_or(0);
    eprintln!("four outputs each: {} {dropped} dropped", tally(&rows));
    all_completed(&rows);
    common_end(&w, &rows);
    for g in &rows {
        assert_eq!(g.output_files.len(), 4, "{}: {:?}", g.id, g.output_files);
    }
    assert!(dropped > 0, "no download met a dropped connection");
    assert_eq!(
        stats.downloads_total, 20,
        "each of the 20 files served once, with {dropped} connections dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_slower_than_the_client_timeout_are_retried_without_duplicates() {
    let tokens: Vec<String> = (0..3).map(|_| genqueue_tests::fake_token()).collect();
    let mut config = SimConfig::fast().outputs_as_urls();
    for (i, t) in tokens.iter().enumerate() {
        config = config.account(replicate_sim::AccountConfig::new(t, format!("user{i}")));
    }
    let sim = replicate_sim::Sim::start(config).await.unwrap();
    let base = sim.base_url();
    let mut w = World::from_sim(
        sim,
        tokens,
        &base,
        Duration::from_millis(400),
        genqueue_tests::secret_store(),
    )
    .await;
    w.config.create_wait = None;
    let slow = FaultKind::Slow {
        delay: Duration::from_millis(700),
    };
    let mut rules = on_api(slow.clone(), 0.2);
    rules.push(rule(slow, 0.2, Some(Endpoint::Files)));
    w.sim.add_faults(rules);
    w.start();
    let rows = drain(&w, sized(12, 40), "slow").await;
    eprintln!("slow: {} {:?}", tally(&rows), w.sim.stats().faults_injected);
    all_completed(&rows);
    common_end(&w, &rows);
    still_runs(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_mixed_on_five_tokens_ends_each_generation_rightly() {
    log_if_asked();
    let sim = SimConfig {
        seed: sim_seed(),
        inline_outputs_in_wait: false,
        // Outputs expire 8 s after the prediction ends: those whose reading
        // the other faults delay that long succeed too late to be saved.
        // Shorter (2 s) also expires predictions whose create is still being
        // reconciled, and the engine then bills a second prediction: the bug
        // `a_lost_create_reconciled_after_its_data_expired_is_not_billed_twice`.
        output_ttl: Duration::from_secs(8),
        ..SimConfig::fast()
    };
    let mut w = World::new(5, sim).await;
    for id in &w.token_ids {
        w.queue.set_token_concurrency(*id, 2).unwrap();
    }
    let n = sized(40, 200);
    let mut rules = Vec::new();
    rules.extend(on_api(FaultKind::ServerErrorJson { status: 500 }, 0.05));
    rules.extend(on_api(FaultKind::ServerErrorHtml { status: 502 }, 0.05));
    rules.extend(on_api(FaultKind::RateLimitStorm, 0.05));
    rules.extend(on_api(FaultKind::DropBeforeAction, 0.03));
    rules.extend(on_api(FaultKind::DropAfterAction, 0.03));
    rules.extend(on_api(
        FaultKind::Slow {
            delay: Duration::from_millis(3500),
        },
        0.02,
    ));
    rules.push(rule(
        FaultKind::FailPrediction {
            message: "NSFW content detected. Try running it again, or try a different prompt."
                .into(),
        },
        0.1,
        None,
    ));
    rules.push(rule(FaultKind::InterruptPrediction, 0.05, None));
    rules.push(FaultRule::new(FaultKind::StuckStarting, Trigger::Nth(7)));
    rules.push(rule(FaultKind::TruncateDownload, 0.1, None));
    rules.push(rule(
        FaultKind::DropAfterAction,
        0.03,
        Some(Endpoint::Files),
    ));
    rules.push(FaultRule::revoke_after(&w.tokens[4], 15));
    w.sim.add_faults(rules);
    w.sim.set_behaviour(&w.tokens[3], Behaviour::OutOfCredit);
    w.start();
    let ids = w.submit_seeded("mixed", n);
    // All but the stuck one end; then the user cancels the stuck one.
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let rows: Vec<_> = ids.iter().map(|id| w.queue.get(*id).unwrap()).collect();
        let open: Vec<_> = rows.iter().filter(|g| g.status.is_active()).collect();
        let stuck = open
            .iter()
            .all(|g| g.replicate_status.as_deref() == Some("starting"));
        if open.len() <= 1 && stuck {
            for g in open {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if w.queue.get(g.id).unwrap().status.is_active() {
                    w.queue.cancel(g.id).await.unwrap();
                }
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still open: {:#?}",
            open.iter()
                .take(5)
                .map(|g| (g.status, g.replicate_status.clone(), g.wait_reason.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows: Vec<_> = ids.iter().map(|id| w.queue.get(*id).unwrap()).collect();
    eprintln!(
        "mixed faults, {n} generations: {} faults {:?}",
        tally(&rows),
        w.sim.stats().faults_injected
    );
    for g in &rows {
        assert!(g.status.is_terminal(), "{g:?}");
    }
    let completed = rows
        .iter()
        .filter(|g| g.status == GenerationStatus::Completed)
        .count();
    assert!(completed * 2 > n, "most complete: {}", tally(&rows));
    common_end(&w, &rows);
    let now = Utc::now();
    for t in w.queue.tokens().unwrap() {
        // By id: tokens added within one millisecond list in any order.
        let i = w.token_ids.iter().position(|id| *id == t.id);
        match i.expect("one of the world's tokens") {
            // Out of credit: disabled for it once one of its creates got
            // past the other faults (1 run in ~500 none did, seed 600135),
            // and it made nothing.
            3 => {
                assert!(
                    t.disabled_reason
                        .as_deref()
                        .is_none_or(|r| r.contains("credit")),
                    "{t:?}"
                );
                assert!(rows.iter().all(|g| g.token_id != Some(t.id)), "{t:?}");
            }
            // Revoked after 15 requests: disabled once a 401 reached the
            // engine (a user's cancel refused with 401 does not disable it).
            4 => assert!(
                t.disabled_reason
                    .as_deref()
                    .is_none_or(|r| r.contains("refused")),
                "{t:?}"
            ),
            _ => {
                assert!(t.active, "{t:?}");
                assert!(
                    t.cooldown_until
                        .is_none_or(|c| c <= now + chrono::Duration::seconds(2))
                );
            }
        }
    }
    still_runs(&w).await;
}

/// Two generations with the same input (what `genq submit -n 2` queues when
/// no seed is given) on one token with two slots. A's create is dropped
/// before the server acts; B's create is held by `Prefer: wait` while its
/// prediction runs. A's reconcile lists the token's predictions, finds B's
/// (same input, not linked yet) and adopts it: both end with one prediction,
/// A's image never exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn identical_inputs_each_keep_their_own_prediction_after_a_lost_create() {
    let sim = SimConfig {
        timing: replicate_sim::Timing {
            boot: replicate_sim::Delay::Fixed(Duration::from_millis(50)),
            predict: replicate_sim::Delay::Fixed(Duration::from_millis(1500)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    };
    let mut w = World::new(1, sim).await;
    w.queue.set_token_concurrency(w.token_ids[0], 2).unwrap();
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(2)).on(Endpoint::Create)
    ]);
    w.start();
    let same = || flux("a red fox in snow", json!({}));
    let rows = w.queue.submit_batch(vec![same(), same()]).unwrap();
    let ids: Vec<_> = rows.iter().map(|g| g.id).collect();
    let rows = w.wait_terminal(&ids, LONG).await;
    let stats = w.sim.stats();
    eprintln!(
        "identical inputs: {:?}, sim created {}",
        rows.iter()
            .map(|g| (g.status, g.prediction_id.clone(), g.attempts))
            .collect::<Vec<_>>(),
        stats.creates_total
    );
    assert_ne!(
        rows[0].prediction_id, rows[1].prediction_id,
        "two generations share one prediction: the user asked for two images and has one"
    );
    all_completed(&rows);
}

/// A create whose answer was lost, reconciled only after Replicate removed
/// the prediction's data (inputs go after an hour: the app was killed and
/// started again the next morning). The listed prediction shows `input: {}`,
/// so the reconcile cannot match it by input, decides "surely not created"
/// and creates again: the first prediction, already succeeded, was billed
/// for nothing (seen in the mixed run with expiry every 2.5 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn a_lost_create_reconciled_after_its_data_expired_is_not_billed_twice() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.config.reconcile_grace = Duration::from_millis(800);
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropAfterAction, Trigger::Nth(1)).on(Endpoint::Create)
    ]);
    w.start();
    let g = w.submit("an hour later", json!({ "seed": 7 }));
    // The prediction exists and ends; its data is removed before the engine looks.
    tokio::time::sleep(Duration::from_millis(400)).await;
    w.sim.expire_outputs_now();
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    let s = w.sim.stats().for_input(&g.input);
    eprintln!(
        "expired before reconcile: {} {:?}; sim {s:?}",
        g.status, g.error
    );
    assert_eq!(s.created, 1, "one prediction, not a second one billed");
}

/// Replicate interrupts the first prediction ("please retry"): the engine
/// gives it up and queues the generation again. The next create's answer
/// is lost after the server acted. The token's list then shows two
/// predictions with this input that no generation holds: the interrupted
/// one and the new one. Taking the interrupted one (the older) requeued the
/// generation once more and left the new prediction to succeed unseen —
/// billed twice (found in the mixed run, `GENQUEUE_SIM_SEED=100003`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_after_an_interruption_is_not_taken_for_the_interrupted_prediction() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.sim.add_faults([
        FaultRule::new(FaultKind::InterruptPrediction, Trigger::Nth(1)).on(Endpoint::Create),
        FaultRule::new(FaultKind::DropAfterAction, Trigger::Nth(2)).on(Endpoint::Create),
    ]);
    w.start();
    let g = w.submit("interrupted, then its answer lost", json!({ "seed": 3 }));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    let made = w.sim.predictions_with_input(&g.input);
    eprintln!("{} after {} attempts: {made:#?}", g.status, g.attempts);
    let s = w.sim.stats().for_input(&g.input);
    assert_eq!(s.succeeded, 1, "billed once: {made:#?}");
    assert_eq!(
        s.created, 2,
        "the interrupted prediction and the one the lost create made: {made:#?}"
    );
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    assert_eq!(
        g.prediction_id.as_deref(),
        made[1].split(' ').next(),
        "completed from the prediction its lost create made"
    );
}
