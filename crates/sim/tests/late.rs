//! Late creates and late answers, over real HTTP: what a client that hung up
//! (a time-out, a kill) leaves behind on the server.

mod common;

use std::time::{Duration, Instant};

use common::Env;
use replicate_sim::{Delay, Endpoint, FaultKind, FaultRule, SimConfig, Trigger};
use serde_json::{Value, json};

const CREATE: &str = "/models/black-forest-labs/flux-schnell/predictions";

/// Predictions of the token's list with this input.
async fn listed(env: &Env, input: &Value) -> Vec<Value> {
    let page: Value = env
        .get(&env.alice, "/predictions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["input"] == *input)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_late_create_whose_answer_was_dropped_shows_up_after_its_delay() {
    let env = Env::start().await;
    // As the JSON of POST /_sim/faults: late, and the answer lost at once.
    let rules = json!([
        {"kind": {"late_create": {"delay": {"secs": 0, "nanos": 600_000_000}}}, "trigger": {"nth": 1}},
        {"kind": "drop_before_action", "trigger": {"nth": 1}, "endpoint": "create"}
    ]);
    let added: Value = env
        .client
        .post(env.root("/_sim/faults"))
        .json(&rules)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added["added"], 2);
    let input = json!({"prompt": "on its way"});
    let sent = Instant::now();
    let error = env
        .post(&env.alice, CREATE, json!({"input": input}))
        .send()
        .await
        .unwrap_err();
    assert!(
        !error.is_timeout(),
        "the connection closed at once: {error}"
    );
    assert!(sent.elapsed() < Duration::from_millis(500));
    assert!(
        listed(&env, &input).await.is_empty(),
        "not acted on yet: the list does not show it"
    );
    assert_eq!(env.sim.stats().creates_total, 0);
    tokio::time::sleep(Duration::from_millis(800).saturating_sub(sent.elapsed())).await;
    let found = listed(&env, &input).await;
    assert_eq!(found.len(), 1, "acted on after its delay");
    let stats = env.sim.stats();
    assert_eq!(stats.for_input(&input).created, 1);
    assert_eq!(stats.faults_injected["late_create"], 1);
    let id = found[0]["id"].as_str().unwrap();
    assert_eq!(env.finish(&env.alice, id).await["status"], "succeeded");
}

#[tokio::test]
async fn a_late_create_answers_once_its_prediction_exists() {
    // A 10 s boot: the answer finds it starting however loaded the machine.
    let mut config = SimConfig::fast();
    config.timing.boot = Delay::Fixed(Duration::from_secs(1000));
    let env = Env::with(config).await;
    env.sim
        .set_faults([FaultRule::parse("late=300ms@nth=1").unwrap()]);
    let sent = Instant::now();
    let body = env.create_ok(&env.alice, json!({"prompt": "late"})).await;
    assert!(sent.elapsed() >= Duration::from_millis(300));
    assert_eq!(body["status"], "starting");
    // Only creates are late.
    let sent = Instant::now();
    env.get(&env.alice, "/account").send().await.unwrap();
    assert!(sent.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_late_create_is_made_even_when_the_client_gave_up() {
    let env = Env::start().await;
    env.sim.set_faults([FaultRule::new(
        FaultKind::LateCreate {
            delay: Duration::from_millis(500),
        },
        Trigger::Always,
    )]);
    let input = json!({"prompt": "timed out"});
    let error = env
        .post(&env.alice, CREATE, json!({"input": input}))
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(env.sim.stats().creates_total, 0);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(env.sim.stats().for_input(&input).created, 1);
}

#[tokio::test]
async fn a_slow_request_whose_client_gave_up_is_never_acted_on() {
    let env = Env::start().await;
    env.sim.set_faults([FaultRule::new(
        FaultKind::Slow {
            delay: Duration::from_millis(400),
        },
        Trigger::Always,
    )
    .on(Endpoint::Create)]);
    let input = json!({"prompt": "abandoned"});
    let error = env
        .post(&env.alice, CREATE, json!({"input": input}))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(env.sim.stats().creates_total, 0);
}

#[tokio::test]
async fn a_slow_answer_comes_late_for_a_prediction_made_at_once() {
    let env = Env::start().await;
    env.sim
        .set_faults([FaultRule::parse("slow-answer=400ms,endpoint=create").unwrap()]);
    let input = json!({"prompt": "answer late"});
    let error = env
        .post(&env.alice, CREATE, json!({"input": input}))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(
        env.sim.stats().for_input(&input).created,
        1,
        "made before the answer left"
    );
    env.sim
        .set_faults([FaultRule::parse("slow-answer=300ms,endpoint=create").unwrap()]);
    let sent = Instant::now();
    env.create_ok(&env.alice, json!({"prompt": "waited for"}))
        .await;
    assert!(sent.elapsed() >= Duration::from_millis(300));
}
