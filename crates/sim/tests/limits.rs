//! Rate limits per account: 429 problem+json with the reset hint.

mod common;

use std::time::Duration;

use common::{Env, problem};
use replicate_sim::{Behaviour, SimConfig, fingerprint};
use serde_json::json;

#[tokio::test]
async fn throttled_creates_answer_429_with_the_reset_hint_then_recover() {
    let mut config = SimConfig::fast();
    config.rate_limits.creates_per_min = 60;
    config.rate_limits.create_burst = 2;
    let env = Env::with(config).await;
    env.create_ok(&env.alice, json!({"prompt": "1"})).await;
    env.create_ok(&env.alice, json!({"prompt": "2"})).await;
    let response = env.create(&env.alice, json!({"prompt": "3"})).await;
    assert_eq!(response.headers()["retry-after"], "1");
    let body = problem(response, 429).await;
    assert_eq!(
        body["detail"],
        "Request was throttled. Your rate limit resets in ~1s."
    );
    assert_eq!(body["retry_after"], 1);
    // Bob has his own budget; reads are budgeted apart from creates.
    env.create_ok(&env.bob, json!({"prompt": "b"})).await;
    assert_eq!(
        env.get(&env.alice, "/account")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1050)).await;
    env.create_ok(&env.alice, json!({"prompt": "4"})).await;
    let stats = env.sim.stats();
    assert_eq!((stats.throttled_total, stats.creates_total), (1, 4));
}

#[tokio::test]
async fn other_requests_have_their_own_budget() {
    let mut config = SimConfig::fast();
    config.rate_limits.others_per_min = 30;
    config.rate_limits.other_burst = 1;
    let env = Env::with(config).await;
    assert_eq!(
        env.get(&env.alice, "/account")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let body = problem(
        env.get(&env.alice, "/predictions").send().await.unwrap(),
        429,
    )
    .await;
    assert_eq!(body["retry_after"], 2);
    env.create_ok(&env.alice, json!({"prompt": "creates still work"}))
        .await;
}

#[tokio::test]
async fn low_credit_accounts_get_six_creates_a_minute_with_a_burst_of_one() {
    let env = Env::start().await;
    env.behave(&env.alice, Behaviour::LowCredit);
    env.create_ok(&env.alice, json!({"prompt": "1"})).await;
    let response = env.create(&env.alice, json!({"prompt": "2"})).await;
    assert_eq!(response.headers()["retry-after"], "10");
    let body = problem(response, 429).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("reduced to 6 requests per minute with a burst of 1"),
        "{detail}"
    );
    assert!(
        detail.ends_with("Your rate limit resets in ~10s."),
        "{detail}"
    );
    assert_eq!(body["retry_after"], 10);
    assert_eq!(
        env.get(&env.alice, "/predictions")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn the_most_predictions_running_at_once_is_recorded_per_token() {
    // Each prediction runs 2 s (boot 1 s, predict 1 s): the creates below overlap.
    let mut config = SimConfig::fast();
    config.timing.time_scale = 1.0;
    config.timing.boot = replicate_sim::Delay::Fixed(Duration::from_secs(1));
    config.timing.predict = replicate_sim::Delay::Fixed(Duration::from_secs(1));
    let env = Env::with(config).await;
    let mut alice = Vec::new();
    for i in 0..3 {
        alice.push(
            env.create_ok(&env.alice, json!({"prompt": format!("a{i}")}))
                .await,
        );
    }
    let bob = env.create_ok(&env.bob, json!({"prompt": "b"})).await;
    // A cancelled prediction stops counting at its cancel.
    let id = alice[2]["id"].as_str().unwrap();
    let cancel = env.post(&env.alice, &format!("/predictions/{id}/cancel"), json!({}));
    assert_eq!(cancel.send().await.unwrap().status(), 200);
    let running = env.sim.stats();
    let (fa, fb) = (fingerprint(&env.alice), fingerprint(&env.bob));
    assert_eq!(running.max_running_by_token[&fa], 3);
    assert_eq!(running.max_running_by_token[&fb], 1);
    for p in &alice[..2] {
        env.finish(&env.alice, p["id"].as_str().unwrap()).await;
    }
    env.finish(&env.bob, bob["id"].as_str().unwrap()).await;
    // Two more after the others ended: the high-water mark stays 3, not 5.
    for i in 3..5 {
        env.create_ok(&env.alice, json!({"prompt": format!("a{i}")}))
            .await;
    }
    let after = env.sim.stats();
    assert_eq!(after.max_running_by_token[&fa], 3);
    assert_eq!(after.max_running_by_token[&fb], 1);
    assert_eq!(after.creates_total, 6);
}
