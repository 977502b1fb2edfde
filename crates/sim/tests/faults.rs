//! Every injectable fault, over real HTTP.

mod common;

use std::time::Duration;

use common::{Env, problem};
use replicate_sim::{Endpoint, FaultKind, FaultRule, SimConfig, Trigger};
use serde_json::{Value, json};

fn rule(kind: FaultKind, trigger: Trigger) -> FaultRule {
    FaultRule::new(kind, trigger)
}

#[tokio::test]
async fn server_errors_come_as_problem_json_or_proxy_html() {
    let env = Env::start().await;
    env.sim.set_faults([
        rule(FaultKind::ServerErrorJson { status: 503 }, Trigger::Nth(1)).on(Endpoint::Get),
        rule(FaultKind::ServerErrorHtml { status: 502 }, Trigger::Nth(2)).on(Endpoint::Get),
    ]);
    let id = env.create_ok(&env.alice, json!({"prompt": "x"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/predictions/{id}");
    problem(env.get(&env.alice, &path).send().await.unwrap(), 503).await;
    let html = env.get(&env.alice, &path).send().await.unwrap();
    assert_eq!(html.status(), 502);
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        html.text()
            .await
            .unwrap()
            .contains("<h1>502 Bad Gateway</h1>")
    );
    assert_eq!(
        env.get(&env.alice, &path).send().await.unwrap().status(),
        200
    );
    assert_eq!(env.sim.stats().faults_injected["server_error_html"], 1);
}

#[tokio::test]
async fn a_rate_limit_storm_throttles_every_matching_request() {
    let env = Env::start().await;
    env.sim
        .set_faults([rule(FaultKind::RateLimitStorm, Trigger::Rate(1.0)).on(Endpoint::List)]);
    for _ in 0..3 {
        let body = problem(
            env.get(&env.alice, "/predictions").send().await.unwrap(),
            429,
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("resets in ~"));
    }
    assert_eq!(
        env.get(&env.alice, "/account")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(env.sim.stats().throttled_total, 3);
}

#[tokio::test]
async fn a_connection_dropped_before_acting_creates_nothing() {
    let env = Env::start().await;
    env.sim
        .set_faults([rule(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Create)]);
    let error = env
        .post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": {"prompt": "lost"}}),
        )
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(env.sim.stats().creates_total, 0);
    env.create_ok(&env.alice, json!({"prompt": "next one works"}))
        .await;
}

#[tokio::test]
async fn a_connection_dropped_after_acting_leaves_the_prediction_behind() {
    let env = Env::start().await;
    env.sim
        .set_faults([rule(FaultKind::DropAfterAction, Trigger::Nth(1)).on(Endpoint::Create)]);
    let input = json!({"prompt": "answer lost"});
    let error = env
        .post(
            &env.alice,
            "/models/black-forest-labs/flux-schnell/predictions",
            json!({"input": input}),
        )
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    let stats = env.sim.stats();
    assert_eq!(
        (stats.creates_total, stats.for_input(&input).created),
        (1, 1)
    );
    let listed: Value = env
        .get(&env.alice, "/predictions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["results"][0]["input"], input);
}

#[tokio::test]
async fn slow_answers_outlast_a_client_timeout() {
    let env = Env::start().await;
    env.sim.set_faults([rule(
        FaultKind::Slow {
            delay: Duration::from_secs(2),
        },
        Trigger::Always,
    )
    .on(Endpoint::Account)]);
    let error = env
        .get(&env.alice, "/account")
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
}

#[tokio::test]
async fn failing_predictions_carry_the_model_error_and_the_platform_error() {
    let env = Env::start().await;
    env.sim.set_faults([
        rule(
            FaultKind::FailPrediction {
                message: "RuntimeError: boom".into(),
            },
            Trigger::Nth(1),
        ),
        rule(FaultKind::InterruptPrediction, Trigger::Nth(2)),
    ]);
    let failed = env.create_ok(&env.alice, json!({"prompt": "1"})).await;
    let interrupted = env.create_ok(&env.alice, json!({"prompt": "2"})).await;
    let failed = env.finish(&env.alice, failed["id"].as_str().unwrap()).await;
    assert_eq!(
        (failed["status"].as_str(), failed["error"].as_str()),
        (Some("failed"), Some("RuntimeError: boom"))
    );
    assert!(
        failed["logs"]
            .as_str()
            .unwrap()
            .contains("RuntimeError: boom")
    );
    assert!(failed["output"].is_null());
    let interrupted = env
        .finish(&env.alice, interrupted["id"].as_str().unwrap())
        .await;
    assert_eq!(
        interrupted["error"],
        "Prediction interrupted; please retry (code: PA)"
    );
    assert!(interrupted.get("started_at").is_none());
    assert_eq!(interrupted["logs"], "");
}

#[tokio::test]
async fn a_stuck_prediction_stays_starting() {
    let env = Env::start().await;
    env.sim
        .set_faults([rule(FaultKind::StuckStarting, Trigger::Always)]);
    let id = env.create_ok(&env.alice, json!({"prompt": "stuck"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let body: Value = env
        .get(&env.alice, &format!("/predictions/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "starting");
}

#[tokio::test]
async fn a_token_revoked_after_n_requests_answers_401_from_then_on() {
    let env = Env::start().await;
    env.sim
        .set_faults([FaultRule::revoke_after(env.alice.clone(), 2)]);
    for _ in 0..2 {
        assert_eq!(
            env.get(&env.alice, "/account")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    for _ in 0..2 {
        problem(env.get(&env.alice, "/account").send().await.unwrap(), 401).await;
    }
    assert_eq!(
        env.get(&env.bob, "/account").send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_truncated_download_promises_more_bytes_than_it_sends() {
    let env = Env::start().await;
    let id = env.create_ok(&env.alice, json!({"prompt": "cut"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = env.finish(&env.alice, &id).await["output"][0]
        .as_str()
        .unwrap()
        .to_string();
    env.sim
        .set_faults([rule(FaultKind::TruncateDownload, Trigger::Nth(1))]);
    let response = env.client.get(&url).send().await.unwrap();
    let promised: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(promised > 0);
    assert!(response.bytes().await.is_err());
    let whole = env
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(whole.len(), promised);
}

#[tokio::test]
async fn faults_can_be_posted_as_json_at_run_time() {
    let env = Env::start().await;
    let rules = json!([{"kind": {"server_error_json": {"status": 500}}, "trigger": "always", "endpoint": "account"}]);
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
    assert_eq!(added["added"], 1);
    problem(env.get(&env.alice, "/account").send().await.unwrap(), 500).await;
    env.client
        .delete(env.root("/_sim/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        env.get(&env.alice, "/account")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn a_seeded_fault_rate_repeats_run_to_run() {
    async fn pattern() -> Vec<u16> {
        let mut config = SimConfig::fast();
        config.seed = 7;
        config.faults = vec![
            FaultRule::new(
                FaultKind::ServerErrorJson { status: 500 },
                Trigger::Rate(0.5),
            )
            .on(Endpoint::Account),
        ];
        let env = Env::with(config).await;
        let mut codes = Vec::new();
        for _ in 0..16 {
            codes.push(
                env.get(&env.alice, "/account")
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        codes
    }
    let first = pattern().await;
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");
    assert_eq!(first, pattern().await);
}

#[tokio::test]
async fn control_endpoints_add_accounts_change_behaviour_and_revoke() {
    let env = Env::start().await;
    let carol = common::token("carol");
    let root = |p: &str| env.root(p);
    env.client
        .post(root("/_sim/accounts"))
        .json(&json!({"token": carol, "username": "carol", "behaviour": "ok"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        env.get(&carol, "/account").send().await.unwrap().status(),
        200
    );
    env.client
        .post(root("/_sim/behaviour"))
        .json(&json!({"token": carol, "behaviour": "out_of_credit"}))
        .send()
        .await
        .unwrap();
    problem(env.create(&carol, json!({"prompt": "x"})).await, 402).await;
    env.client
        .post(root("/_sim/revoke"))
        .json(&json!({"token": carol}))
        .send()
        .await
        .unwrap();
    problem(env.get(&carol, "/account").send().await.unwrap(), 401).await;
}
