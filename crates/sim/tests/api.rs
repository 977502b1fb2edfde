//! The API over real HTTP: auth, shapes, lifecycle, ownership, errors,
//! versions and the list.

mod common;

use std::time::Duration;

use common::{Env, problem, token};
use replicate_sim::{AccountConfig, Behaviour, Delay, SimConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn bearer_and_token_auth_both_reach_the_account() {
    let env = Env::start().await;
    let bearer: Value = env
        .get(&env.alice, "/account")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        bearer,
        json!({"type": "user", "username": "alice", "name": "alice", "github_url": "https://github.com/alice"})
    );
    let older = env
        .client
        .get(env.url("/account"))
        .header("Authorization", format!("Token {}", env.bob))
        .send()
        .await
        .unwrap();
    assert_eq!(older.status(), 200);
    assert_eq!(older.json::<Value>().await.unwrap()["username"], "bob");
}

#[tokio::test]
async fn missing_unknown_invalid_and_revoked_tokens_answer_401() {
    let env = Env::start().await;
    let none = problem(
        env.client.get(env.url("/account")).send().await.unwrap(),
        401,
    )
    .await;
    assert_eq!(none["detail"], "You did not pass an authentication token");
    let unknown = problem(
        env.get(&token("nobody"), "/account").send().await.unwrap(),
        401,
    )
    .await;
    assert_eq!(
        unknown["detail"],
        "You did not pass a valid authentication token"
    );
    env.behave(&env.bob, Behaviour::Invalid);
    problem(env.get(&env.bob, "/account").send().await.unwrap(), 401).await;
    assert!(env.sim.revoke(&env.alice));
    problem(
        env.get(&env.alice, "/predictions").send().await.unwrap(),
        401,
    )
    .await;
}

#[tokio::test]
async fn model_schema_orders_inputs_and_points_enums_at_components() {
    let env = Env::start().await;
    let model: Value = env
        .get(&env.alice, "/models/black-forest-labs/flux-schnell")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in [
        "url",
        "owner",
        "name",
        "description",
        "visibility",
        "run_count",
        "cover_image_url",
        "default_example",
    ] {
        assert!(model.get(field).is_some(), "{field}");
    }
    let version = &model["latest_version"];
    assert_eq!(version["id"].as_str().unwrap().len(), 64);
    assert!(version["created_at"].is_string() && version["cog_version"].is_string());
    let schemas = &version["openapi_schema"]["components"]["schemas"];
    let input = &schemas["Input"]["properties"];
    assert_eq!(input["num_outputs"]["maximum"], 4);
    assert_eq!(
        input["aspect_ratio"]["allOf"][0]["$ref"],
        "#/components/schemas/aspect_ratio"
    );
    assert_eq!(
        schemas["aspect_ratio"]["enum"].as_array().unwrap().len(),
        11
    );
    assert_eq!(schemas["megapixels"]["enum"], json!(["1", "0.25"]));
    let mut order: Vec<(u64, &String)> = input
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (v["x-order"].as_u64().unwrap(), k))
        .collect();
    order.sort();
    assert_eq!(order[0].1, "prompt");
    assert_eq!(schemas["Output"]["items"]["format"], "uri");
    let missing = env
        .get(&env.alice, "/models/nobody/nothing")
        .send()
        .await
        .unwrap();
    problem(missing, 404).await;
    let sdxl: Value = env
        .get(&env.alice, "/models/stability-ai/sdxl")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scheduler = &sdxl["latest_version"]["openapi_schema"]["components"]["schemas"]["scheduler"];
    assert!(
        scheduler["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("K_EULER"))
    );
}

#[tokio::test]
async fn create_answers_201_with_the_prediction_shape() {
    // Booting for 10 s (1,000 s of sim time at 0.01): the answer, however
    // late a loaded machine sends it, finds the prediction still starting
    // (with the fast boot of 10 ms it sometimes said `processing`).
    let mut config = SimConfig::fast();
    config.timing.boot = Delay::Fixed(Duration::from_secs(1000));
    let env = Env::with(config).await;
    let body = env
        .create_ok(&env.alice, json!({"prompt": "a red fox"}))
        .await;
    let id = body["id"].as_str().unwrap();
    assert_eq!(id.len(), 26);
    assert_eq!(body["model"], "black-forest-labs/flux-schnell");
    assert_eq!(body["version"], "hidden");
    assert_eq!(body["input"], json!({"prompt": "a red fox"}));
    assert_eq!(
        (
            body["status"].as_str(),
            body["output"].is_null(),
            body["error"].is_null()
        ),
        (Some("starting"), true, true)
    );
    assert_eq!(body["data_removed"], false);
    assert_eq!(body["source"], "api");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    let get = env.url(&format!("/predictions/{id}"));
    assert_eq!(body["urls"]["get"], get.as_str());
    assert_eq!(body["urls"]["cancel"], format!("{get}/cancel"));
    assert!(body["urls"]["stream"].is_string() && body["urls"]["web"].is_string());
}

#[tokio::test]
async fn lifecycle_goes_through_processing_with_growing_tqdm_logs() {
    let mut config = SimConfig::fast();
    config.timing.predict = Delay::Fixed(Duration::from_secs(40)); // 400 ms at 0.01
    let env = Env::with(config).await;
    let id = env.create_ok(&env.alice, json!({"prompt": "x"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut seen_progress = Vec::new();
    let done = loop {
        let body: Value = env
            .get(&env.alice, &format!("/predictions/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["status"] == "processing" {
            let logs = body["logs"].as_str().unwrap();
            let last = logs
                .lines()
                .rev()
                .find(|l| l.contains("%|"))
                .unwrap()
                .to_string();
            seen_progress.push(last);
            assert!(body["started_at"].is_string());
        }
        if body["status"] == "succeeded" {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(seen_progress.len() >= 3, "{seen_progress:?}");
    let first_and_last = (
        seen_progress.first().unwrap(),
        seen_progress.last().unwrap(),
    );
    assert!(first_and_last.0.trim_start().starts_with('0') || first_and_last.0 != first_and_last.1);
    let logs = done["logs"].as_str().unwrap();
    assert!(logs.contains("100%|██████████| 4/4 ["), "{logs}");
    assert!(logs.starts_with("Using seed: "));
    let progress_line = logs
        .lines()
        .find(|l| l.trim_start().starts_with("25%"))
        .unwrap();
    assert!(
        progress_line.contains("|██▌       | 1/4 ["),
        "{progress_line}"
    );
    assert!(done["metrics"]["predict_time"].as_f64().unwrap() >= 0.39);
    assert!(done["completed_at"].is_string());
    assert_eq!(done["output"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_accounts_prediction_is_404() {
    let env = Env::start().await;
    let id = env.create_ok(&env.alice, json!({"prompt": "mine"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    problem(
        env.get(&env.bob, &format!("/predictions/{id}"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    problem(
        env.post(&env.bob, &format!("/predictions/{id}/cancel"), json!({}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let listed: Value = env
        .get(&env.bob, "/predictions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["results"], json!([]));
    let same_account = token("alice2");
    env.sim
        .add_account(AccountConfig::new(&same_account, "alice"));
    assert_eq!(
        env.get(&same_account, &format!("/predictions/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn out_of_credit_refuses_creates_with_402_but_reads_work() {
    let env = Env::start().await;
    env.behave(&env.alice, Behaviour::OutOfCredit);
    let body = problem(env.create(&env.alice, json!({"prompt": "x"})).await, 402).await;
    assert_eq!(body["title"], "Insufficient credit");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("You have insufficient credit to run this model.")
    );
    assert_eq!(
        env.get(&env.alice, "/account")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(env.sim.stats().creates_total, 0);
}

#[tokio::test]
async fn input_breaking_the_schema_is_422_naming_field_and_rule() {
    let env = Env::start().await;
    let body = problem(
        env.create(&env.alice, json!({"prompt": "x", "num_outputs": 5}))
            .await,
        422,
    )
    .await;
    assert_eq!(body["title"], "Input validation failed");
    assert_eq!(
        body["detail"],
        "- input.num_outputs: Must be less than or equal to 4\n"
    );
    assert_eq!(body["invalid_fields"][0]["field"], "input.num_outputs");
    let body = problem(
        env.create(&env.alice, json!({"aspect_ratio": "7:5"})).await,
        422,
    )
    .await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("input: prompt is required"), "{detail}");
    assert!(
        detail.contains("aspect_ratio must be one of the following: \"1:1\""),
        "{detail}"
    );
    let typo = env.post(
        &env.alice,
        "/models/black-forest-labs/flux-schnell/predictions",
        json!({"inptu": {}}),
    );
    let body = problem(typo.send().await.unwrap(), 422).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Additional property inptu is not allowed")
    );
    assert_eq!(env.sim.stats().creates_total, 0);
}

#[tokio::test]
async fn versions_are_accepted_in_every_documented_form() {
    let env = Env::start().await;
    let sdxl = replicate_sim::catalogue::SDXL_VERSION;
    for (version, shown) in [
        (sdxl.to_string(), sdxl),
        (format!("stability-ai/sdxl:{sdxl}"), sdxl),
        ("black-forest-labs/flux-schnell".to_string(), "hidden"),
    ] {
        let response = env
            .post(
                &env.alice,
                "/predictions",
                json!({"version": version, "input": {"prompt": "v"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{version}");
        assert_eq!(response.json::<Value>().await.unwrap()["version"], shown);
    }
    for version in [
        "stability-ai/sdxl",
        "0000",
        &format!("stability-ai/sdxl:{}", "0".repeat(64)),
    ] {
        let response = env
            .post(
                &env.alice,
                "/predictions",
                json!({"version": version, "input": {}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem(response, 422).await["title"],
            "Invalid version or not permitted"
        );
    }
    let by_model = env
        .post(
            &env.alice,
            "/models/stability-ai/sdxl/predictions",
            json!({"input": {}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_model.json::<Value>().await.unwrap()["model"],
        "stability-ai/sdxl"
    );
}

#[tokio::test]
async fn list_pages_newest_first_and_next_is_a_full_url() {
    let mut config = SimConfig::fast();
    config.list_page_size = 3;
    let env = Env::with(config).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            env.create_ok(&env.alice, json!({"prompt": format!("p{i}")}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    env.create_ok(&env.bob, json!({"prompt": "bob's"})).await;
    ids.reverse();
    let mut seen = Vec::new();
    let mut url = env.url("/predictions");
    let mut pages = 0;
    loop {
        let page: Value = env
            .client
            .get(&url)
            .bearer_auth(&env.alice)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["previous"].is_null(), pages == 0);
        pages += 1;
        seen.extend(
            page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with("http://127.0.0.1:"), "{next}");
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, ids));
}
