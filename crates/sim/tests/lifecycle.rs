//! Cancel, `Cancel-After` deadlines and `Prefer: wait` over real HTTP.

mod common;

use std::time::Duration;

use common::{Env, problem};
use replicate_sim::{Delay, SimConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn cancel_before_start_and_while_processing() {
    let mut config = SimConfig::fast();
    config.timing.boot = Delay::Fixed(Duration::from_secs(30)); // 300 ms
    config.timing.predict = Delay::Fixed(Duration::from_secs(100)); // 1 s
    let env = Env::with(config).await;
    let id = env.create_ok(&env.alice, json!({"prompt": "c"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let canceled: Value = env
        .post(&env.alice, &format!("/predictions/{id}/cancel"), json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert!(canceled.get("started_at").is_none());
    assert!(canceled["completed_at"].is_string());

    let id = env.create_ok(&env.alice, json!({"prompt": "d"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(450)).await;
    let response = env
        .post(&env.alice, &format!("/predictions/{id}/cancel"), json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let canceled: Value = response.json().await.unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert!(canceled["started_at"].is_string());
    assert!(canceled["metrics"]["predict_time"].as_f64().unwrap() > 0.0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(env.finish(&env.alice, &id).await["status"], "canceled");
}

#[tokio::test]
async fn cancel_of_a_finished_prediction_changes_nothing() {
    let env = Env::start().await;
    let id = env.create_ok(&env.alice, json!({"prompt": "e"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.finish(&env.alice, &id).await;
    let body: Value = env
        .post(&env.alice, &format!("/predictions/{id}/cancel"), json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "succeeded");
}

#[tokio::test]
async fn cancel_after_aborts_before_start_and_cancels_after() {
    let mut config = SimConfig::fast();
    config.timing.boot = Delay::Fixed(Duration::from_secs(10)); // 100 ms
    config.timing.predict = Delay::Fixed(Duration::from_secs(100)); // 1 s
    let env = Env::with(config).await;
    let create = |deadline: &str| {
        env.post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": {"prompt": "f"}}),
        )
        .header("Cancel-After", deadline.to_string())
        .send()
    };
    let early: Value = create("5s").await.unwrap().json().await.unwrap(); // 50 ms: before the start
    assert!(early["deadline"].is_string());
    let late: Value = create("20s").await.unwrap().json().await.unwrap(); // 200 ms: while processing
    let early = env.finish(&env.alice, early["id"].as_str().unwrap()).await;
    assert_eq!(early["status"], "aborted");
    assert!(early.get("started_at").is_none());
    let late = env.finish(&env.alice, late["id"].as_str().unwrap()).await;
    assert_eq!(late["status"], "canceled");
    assert!(late["started_at"].is_string());
    problem(create("2s").await.unwrap(), 422).await;
    problem(create("soon").await.unwrap(), 422).await;
}

#[tokio::test]
async fn wait_mode_holds_the_answer_and_inlines_outputs() {
    let env = Env::start().await;
    let response = env
        .post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": {"prompt": "w"}}),
        )
        .header("Prefer", "wait=5")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["status"], "processing",
        "the real service often still says processing"
    );
    let uri = body["output"][0].as_str().unwrap();
    let encoded = uri.strip_prefix("data:image/webp;base64,").unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 64);
    let later = env.finish(&env.alice, body["id"].as_str().unwrap()).await;
    assert_eq!(later["status"], "succeeded");
    assert!(later["output"][0].as_str().unwrap().starts_with("http://"));
}

#[tokio::test]
async fn wait_mode_answers_non_terminal_when_the_hold_ends_first() {
    let mut config = SimConfig::fast();
    config.timing.predict = Delay::Fixed(Duration::from_secs(100));
    let env = Env::with(config).await;
    let started = std::time::Instant::now();
    let response = env
        .post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": {"prompt": "w"}}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(95));
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "processing");
    assert!(body["output"].is_null());
    let bad = env
        .post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": {"prompt": "w"}}),
        )
        .header("Prefer", "wait=61")
        .send()
        .await
        .unwrap();
    problem(bad, 422).await;
}
