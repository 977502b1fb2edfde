//! API faults: server errors (JSON and HTML), rate-limit storms, a token
//! revoked or out of credit mid-run. Every generation ends in the right
//! status with a reason a person understands, cooled-down tokens come back,
//! disabled tokens say why, and the engine keeps running.
//!
//! The engine runs in-process (test timings) against replicate-sim.
//! CI size: 12 generations per single fault, 40 mixed; full size
//! (`GENQUEUE_RELIABILITY_FULL=1`): 40 and 200. Helpers: `genqueue_tests::faults`.

use std::time::Duration;

use chrono::Utc;
use genqueue_core::model::GenerationStatus;
use genqueue_tests::faults::{all_completed, common_end, drain, on_api, still_runs, tally};
use genqueue_tests::{World, sized};
use replicate_sim::{Behaviour, FaultKind, FaultRule, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_json_and_html_on_a_fifth_of_requests_still_complete_everything() {
    let mut w = World::new(3, SimConfig::fast()).await;
    let mut rules = on_api(FaultKind::ServerErrorJson { status: 503 }, 0.1);
    rules.extend(on_api(FaultKind::ServerErrorHtml { status: 502 }, 0.1));
    w.sim.add_faults(rules);
    w.start();
    let rows = drain(&w, sized(12, 40), "5xx").await;
    eprintln!("5xx: {} {:?}", tally(&rows), w.sim.stats().faults_injected);
    all_completed(&rows);
    common_end(&w, &rows);
    still_runs(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_storms_cool_tokens_down_and_they_come_back() {
    let mut w = World::new(3, SimConfig::fast()).await;
    w.sim.add_faults(on_api(FaultKind::RateLimitStorm, 0.3));
    w.start();
    let rows = drain(&w, sized(12, 40), "storm").await;
    all_completed(&rows);
    common_end(&w, &rows);
    let cooled: Vec<_> = w
        .queue
        .tokens()
        .unwrap()
        .into_iter()
        .filter(|t| t.rate_limited_count > 0)
        .collect();
    assert!(!cooled.is_empty(), "the storm hit some token");
    // The storm ends: once their cooldowns are over, every cooled token
    // serves again (the least recently used is picked first).
    w.sim.set_faults([]);
    let last_cooldown = w
        .queue
        .tokens()
        .unwrap()
        .into_iter()
        .filter_map(|t| t.cooldown_until)
        .max();
    if let Some(until) = last_cooldown
        && let Ok(d) = (until - Utc::now()).to_std()
    {
        tokio::time::sleep(d + Duration::from_millis(50)).await;
    }
    let rows = drain(&w, 9, "after the storm").await;
    all_completed(&rows);
    let now = Utc::now();
    for t in w.queue.tokens().unwrap() {
        assert!(t.active, "{} stays in the pool", t.label);
        assert!(t.cooldown_until.is_none_or(|c| c <= now), "{t:?}");
        if let Some(c) = cooled.iter().find(|c| c.id == t.id) {
            assert!(
                t.last_used_at > c.cooldown_until && t.request_count > c.request_count,
                "{} came back after its cooldown: {t:?}",
                t.label
            );
        }
    }
    common_end(&w, &rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_run_is_disabled_and_its_work_ends_clearly() {
    let mut w = World::new(3, SimConfig::fast()).await;
    // Without wait mode the token also reads its predictions, so the
    // revocation can land while one of them runs.
    w.config.create_wait = None;
    let revoked = w.tokens[0].clone();
    // After its third request: a generation costs the token about two
    // (create, then one read once the stream says it ended), and under load
    // the pool may give this token only two or three of the twelve, so a
    // later revocation could come after the queue has drained.
    w.sim.add_faults([FaultRule::revoke_after(&revoked, 3)]);
    w.start();
    let rows = drain(&w, sized(12, 40), "revoked").await;
    eprintln!("revoked: {}", tally(&rows));
    for g in &rows {
        match g.status {
            GenerationStatus::Completed => {}
            GenerationStatus::Failed => {
                let e = g.failure_english().unwrap();
                assert!(e.contains("refused"), "{}: {e}", g.id);
                assert_eq!(
                    g.token_id,
                    Some(w.token_ids[0]),
                    "only the revoked token's work fails"
                );
            }
            other => panic!("{} ended {other}", g.id),
        }
    }
    let t = w.queue.store().get_token(w.token_ids[0]).unwrap().unwrap();
    assert!(!t.active, "the revoked token is out of the pool");
    assert!(
        t.disabled_reason.as_deref().unwrap().contains("refused"),
        "{:?}",
        t.disabled_reason
    );
    common_end(&w, &rows);
    still_runs(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_out_of_credit_is_disabled_and_the_others_complete_everything() {
    let mut w = World::new(3, SimConfig::fast()).await;
    w.sim.set_behaviour(&w.tokens[1], Behaviour::OutOfCredit);
    w.start();
    let rows = drain(&w, sized(12, 40), "credit").await;
    all_completed(&rows);
    let t = w.queue.store().get_token(w.token_ids[1]).unwrap().unwrap();
    assert!(!t.active);
    assert!(t.disabled_reason.as_deref().unwrap().contains("credit"));
    common_end(&w, &rows);
}
