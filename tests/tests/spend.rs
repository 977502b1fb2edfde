//! Spend against replicate-sim: estimates and totals equal a hand
//! computation from what the simulated Replicate reported (`metrics`), for
//! per-image (FLUX Schnell, official) and per-second (SDXL on an L40S)
//! models; a daily budget holds the queue before the limit and a raised
//! limit resumes it; days are the budget's zone's, across a change of clocks.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use genqueue_core::clock::{Clock, ManualClock};
use genqueue_core::model::{GenerationStatus, NewGeneration};
use genqueue_core::spend::{SpendSettings, Usd};
use genqueue_core::wait::WaitCode;
use genqueue_testkit::flux;
use genqueue_tests::{World, fake_token, secret_store};
use replicate_sim::SimConfig;
use serde_json::{Value, json};

const LONG: Duration = Duration::from_secs(60);
/// replicate.com/pricing, as in the shipped table: FLUX Schnell per image, an L40S per second.
const SCHNELL_PER_IMAGE: i64 = 3_000;
const L40S_PER_SECOND: i64 = 975;

fn sdxl(prompt: &str) -> NewGeneration {
    NewGeneration {
        creator: Default::default(),
        model: format!(
            "stability-ai/sdxl:{}",
            replicate_sim::catalogue::SDXL_VERSION
        )
        .parse()
        .expect("model ref"),
        ..flux(prompt, json!({}))
    }
}

/// The prediction as the sim reports it to its owner.
async fn reported(w: &World, id: genqueue_core::model::GenerationId) -> Value {
    let g = w.queue.get(id).unwrap();
    let token = w.token_of(id).expect("its token");
    reqwest::Client::new()
        .get(format!(
            "{}/predictions/{}",
            w.sim.base_url(),
            g.prediction_id.unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimates_and_totals_match_a_hand_computation_for_per_image_and_per_second_models() {
    let mut w = World::new(2, SimConfig::fast()).await;
    let jobs = vec![
        flux("two images", json!({"num_outputs": 2})),
        flux("four images", json!({"num_outputs": 4})),
        flux("one image", json!({})),
        sdxl("by the second"),
        sdxl("by the second again"),
    ];
    let ids = w.submit_all(jobs).unwrap();
    // Estimates when queued: images × $0.003; SDXL: its typical 7 s × $0.000975.
    let est: Vec<Option<Usd>> = w
        .queue
        .spend_of(&ids)
        .unwrap()
        .iter()
        .map(|s| s.estimate)
        .collect();
    assert_eq!(
        est,
        [6_000, 12_000, 3_000, 6_825, 6_825]
            .map(|m| Some(Usd(m)))
            .to_vec()
    );
    w.start();
    let rows = w.wait_terminal(&ids, LONG).await;
    assert!(rows.iter().all(|g| g.status == GenerationStatus::Completed));

    // By hand, from the bodies the sim serves.
    let mut by_hand = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let body = reported(&w, *id).await;
        let m = &body["metrics"];
        let cost = if i < 3 {
            assert_eq!(m["image_count"], json!([2, 4, 1][i]), "{body}");
            m["image_count"].as_i64().unwrap() * SCHNELL_PER_IMAGE
        } else {
            assert!(
                m.get("image_count").is_none(),
                "SDXL is billed by time: {body}"
            );
            let ms = (m["predict_time"].as_f64().unwrap() * 1000.0).round() as i64;
            (ms * L40S_PER_SECOND + 500) / 1000
        };
        by_hand.push(cost);
    }
    let finals: Vec<Option<Usd>> = w
        .queue
        .spend_of(&ids)
        .unwrap()
        .iter()
        .map(|s| s.final_cost)
        .collect();
    assert_eq!(
        finals,
        by_hand.iter().map(|c| Some(Usd(*c))).collect::<Vec<_>>()
    );

    let r = w.queue.spend_report(None, None).unwrap();
    let total: i64 = by_hand.iter().sum();
    assert_eq!(r.total.spent, Usd(total));
    assert_eq!(r.total.generations, 5);
    assert_eq!(r.today, Usd(total));
    assert_eq!(r.this_month, Usd(total));
    let model = |name: &str| r.by_model.iter().find(|l| l.key == name).unwrap().spent;
    assert_eq!(model("black-forest-labs/flux-schnell"), Usd(21_000));
    assert_eq!(model("stability-ai/sdxl"), Usd(by_hand[3] + by_hand[4]));
    let per_token: i64 = r.by_token.iter().map(|l| l.spent.micros()).sum();
    assert_eq!(per_token, total);
    assert!(
        r.by_token
            .iter()
            .all(|l| l.label.as_deref().unwrap().starts_with("token "))
    );
    assert_eq!(r.by_day.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_budget_holds_the_queue_before_the_limit_and_a_raised_limit_resumes_it() {
    let mut w = World::new(2, SimConfig::fast()).await;
    w.queue
        .set_spend_settings(SpendSettings {
            daily_limit: Some(Usd::parse("0.01").unwrap()),
            ..SpendSettings::default()
        })
        .unwrap();
    let ids = w.submit_seeded("budget", 6);
    w.start();
    // $0.003 each: three fit under $0.01 (two tokens run at once, and the
    // running one's estimate counts), the fourth would pass it.
    let head = w
        .wait_for(ids[3], LONG, |g| {
            g.wait_reason
                .as_ref()
                .is_some_and(|r| r.code == WaitCode::DailyBudget)
        })
        .await;
    let done = w.wait_terminal(&ids[..3], LONG).await;
    assert!(done.iter().all(|g| g.status == GenerationStatus::Completed));
    let reason = head.wait_reason.unwrap();
    assert_eq!(reason.detail.as_deref(), Some("$0.01"));
    assert!(reason.until.is_some(), "held until the next day");
    assert!(
        reason
            .english(&chrono::Utc)
            .starts_with("Daily budget $0.01 reached"),
        "{}",
        reason.english(&chrono::Utc)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in &ids[3..] {
        let g = w.queue.get(*id).unwrap();
        assert_eq!(g.status, GenerationStatus::Pending, "held: {g:?}");
        assert!(g.prediction_id.is_none());
    }
    let r = w.queue.spend_report(None, None).unwrap();
    assert_eq!(r.today, Usd(9_000), "stopped before the limit");

    w.queue
        .set_spend_settings(SpendSettings {
            daily_limit: Some(Usd::parse("0.02").unwrap()),
            ..SpendSettings::default()
        })
        .unwrap();
    let rest = w.wait_terminal(&ids[3..], LONG).await;
    assert!(rest.iter().all(|g| g.status == GenerationStatus::Completed));
    assert_eq!(w.queue.spend_report(None, None).unwrap().today, Usd(18_000));
}

/// Moves the queue's clock and the sim's (which dates what it bills) by the
/// same amount, then has the engine look again, as its sleep would end then.
fn move_clocks(w: &World, clock: &ManualClock, to: DateTime<Utc>) {
    let by = (to - clock.now()).to_std().expect("forward");
    // Replicate's clock first: a dispatch pass between the two moves then
    // still sees the old day (the budget holds) instead of creating on a
    // sim hours behind, whose outputs the move would then expire at once.
    w.sim.advance(by);
    clock.set(to);
    w.engine.as_ref().expect("engine").wake();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_budget_counts_berlin_days_across_the_night_the_clocks_go_forward() {
    let utc = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2027, 3, d, h, m, 0).unwrap();
    // Saturday 27 March 2027, 23:30 in Berlin (CET, UTC+1). That night 02:00
    // becomes 03:00 (CEST, UTC+2): Sunday the 28th lasts 23 hours.
    let clock = Arc::new(ManualClock::new(utc(27, 22, 30)));
    let mut w = World::builder(SimConfig::fast(), vec![fake_token(), fake_token()])
        .secrets(secret_store())
        .client_timeout(Duration::from_secs(3))
        .clock(clock.clone())
        .build()
        .await
        .expect("test world");
    w.sim.advance((clock.now() - Utc::now()).to_std().unwrap());
    w.queue
        .set_spend_settings(SpendSettings {
            daily_limit: Some(Usd::parse("0.006").unwrap()),
            time_zone: Some("Europe/Berlin".into()),
            ..SpendSettings::default()
        })
        .unwrap();
    // $0.003 each: two a day fit under $0.006.
    let ids = w.submit_seeded("dst", 6);
    w.start();
    let held = w
        .wait_for(ids[2], LONG, |g| {
            g.wait_reason
                .as_ref()
                .is_some_and(|r| r.code == WaitCode::DailyBudget)
        })
        .await;
    assert_eq!(
        held.wait_reason.unwrap().until,
        Some(utc(27, 23, 0)),
        "held until midnight CET"
    );
    w.wait_terminal(&ids[..2], LONG).await;

    // Sunday 08:00 CEST: a new day, two more, then held until Sunday's
    // midnight, which is 22:00 UTC (CEST), not 23:00 as on Saturday.
    move_clocks(&w, &clock, utc(28, 6, 0));
    let held = w
        .wait_for(ids[4], LONG, |g| {
            g.wait_reason
                .as_ref()
                .is_some_and(|r| r.code == WaitCode::DailyBudget && r.until == Some(utc(28, 22, 0)))
        })
        .await;
    assert_eq!(held.status, GenerationStatus::Pending);
    let sunday = w.wait_terminal(&ids[2..4], LONG).await;
    assert!(
        sunday
            .iter()
            .all(|g| g.status == GenerationStatus::Completed),
        "{sunday:?}"
    );
    let r = w.queue.spend_report(None, None).unwrap();
    let days: Vec<(&str, i64)> = r
        .by_day
        .iter()
        .map(|l| (l.key.as_str(), l.spent.micros()))
        .collect();
    assert_eq!(days, [("2027-03-27", 6_000), ("2027-03-28", 6_000)]);
    assert_eq!(r.today, Usd(6_000));
    assert_eq!(r.time_zone.as_deref(), Some("Europe/Berlin"));

    // 22:30 UTC is 00:30 on Monday in Berlin (an hour earlier than a fixed
    // UTC+1 would say): the last two run.
    move_clocks(&w, &clock, utc(28, 22, 30));
    let monday = w.wait_terminal(&ids[4..], LONG).await;
    assert!(
        monday
            .iter()
            .all(|g| g.status == GenerationStatus::Completed),
        "{monday:?}"
    );
    let r = w.queue.spend_report(None, None).unwrap();
    assert_eq!(r.today, Usd(6_000));
    assert_eq!(r.by_day.last().unwrap().key, "2027-03-29");
    w.stop().await;
}
