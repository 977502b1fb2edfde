//! Output files (formats, sizes, expiry) and the stats endpoint.

mod common;

use std::time::Duration;

use common::Env;
use replicate_sim::Stats;
use serde_json::{Value, json};

async fn download(env: &Env, url: &str) -> (u16, String, Vec<u8>) {
    let response = env.client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let mime = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, mime, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn outputs_decode_with_the_right_size_format_and_count() {
    let env = Env::start().await;
    // Real sizes divided by 16 (SimConfig::fast's image_scale).
    let cases = [
        (
            json!({"prompt": "a", "aspect_ratio": "16:9", "output_format": "png"}),
            "image/png",
            84,
            48,
            1,
        ),
        (
            json!({"prompt": "a", "aspect_ratio": "9:21", "output_format": "jpg", "num_outputs": 2}),
            "image/jpeg",
            40,
            96,
            2,
        ),
        (
            json!({"prompt": "a", "megapixels": "0.25"}),
            "image/webp",
            32,
            32,
            1,
        ),
    ];
    for (input, mime, width, height, count) in cases {
        let id = env.create_ok(&env.alice, input.clone()).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let done = env.finish(&env.alice, &id).await;
        let urls = done["output"].as_array().unwrap();
        assert_eq!(urls.len(), count, "{input}");
        for url in urls {
            let url = url.as_str().unwrap();
            assert!(url.contains("/files/") && !url.contains("/v1/"), "{url}");
            let (status, got_mime, bytes) = download(&env, url).await;
            assert_eq!((status, got_mime.as_str()), (200, mime));
            let image = image::load_from_memory(&bytes).unwrap();
            assert_eq!((image.width(), image.height()), (width, height), "{input}");
            let format = image::guess_format(&bytes).unwrap();
            assert_eq!(format.to_mime_type(), mime);
        }
    }
    let sdxl = env
        .post(
            &env.alice,
            "/models/stability-ai/sdxl/predictions",
            json!({"input": {"width": 512, "height": 768}}),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let done = env.finish(&env.alice, sdxl["id"].as_str().unwrap()).await;
    let (_, mime, bytes) = download(&env, done["output"][0].as_str().unwrap()).await;
    assert_eq!(mime, "image/png");
    let image = image::load_from_memory(&bytes).unwrap();
    assert_eq!((image.width(), image.height()), (32, 48));
}

#[tokio::test]
async fn different_prompts_give_different_images_and_same_seed_the_same() {
    let env = Env::start().await;
    let mut files = Vec::new();
    for prompt in ["a cat", "a dog", "a cat"] {
        let id = env
            .create_ok(
                &env.alice,
                json!({"prompt": prompt, "seed": 42, "output_format": "png"}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let done = env.finish(&env.alice, &id).await;
        files.push(download(&env, done["output"][0].as_str().unwrap()).await.2);
    }
    assert_ne!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[tokio::test]
async fn an_oversized_sdxl_request_fails_like_an_out_of_memory_gpu() {
    let env = Env::start().await;
    let body = env
        .post(
            &env.alice,
            "/models/stability-ai/sdxl/predictions",
            json!({"input": {"width": 4096, "height": 4096}}),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let done = env.finish(&env.alice, body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .starts_with("CUDA out of memory")
    );
}

#[tokio::test]
async fn expired_outputs_answer_404_and_show_data_removed() {
    let env = Env::start().await;
    let id = env
        .create_ok(&env.alice, json!({"prompt": "gone soon"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = env.finish(&env.alice, &id).await;
    let url = done["output"][0].as_str().unwrap().to_string();
    assert_eq!(download(&env, &url).await.0, 200);
    env.sim.expire_outputs_now();
    let after: Value = env
        .get(&env.alice, &format!("/predictions/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (after["output"].clone(), after["data_removed"].clone()),
        (Value::Null, json!(true))
    );
    assert_eq!(after["status"], "succeeded");
    assert_eq!(download(&env, &url).await.0, 404);

    let id = env.create_ok(&env.alice, json!({"prompt": "later"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = env.finish(&env.alice, &id).await;
    assert_eq!(done["data_removed"], false);
    env.sim.advance(Duration::from_secs(3601));
    let after: Value = env
        .get(&env.alice, &format!("/predictions/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["data_removed"], true);
    assert!(after["output"].is_null());
}

#[tokio::test]
async fn a_short_ttl_expires_outputs_by_itself() {
    let mut config = replicate_sim::SimConfig::fast();
    config.output_ttl = Duration::from_millis(100);
    let env = Env::with(config).await;
    let id = env.create_ok(&env.alice, json!({"prompt": "brief"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = env.finish(&env.alice, &id).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        download(&env, done["output"][0].as_str().unwrap()).await.0,
        404
    );
}

#[tokio::test]
async fn stats_count_requests_tokens_inputs_and_statuses() {
    let env = Env::start().await;
    let input = json!({"prompt": "counted", "num_outputs": 1});
    let reordered = json!({"num_outputs": 1, "prompt": "counted"});
    let a = env.create_ok(&env.alice, input.clone()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = env.create_ok(&env.alice, reordered).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.create_ok(&env.bob, json!({"prompt": "other"})).await;
    env.finish(&env.alice, &a).await;
    env.finish(&env.alice, &b).await;
    let stats = env.sim.stats();
    assert_eq!(stats.creates_total, 3);
    let counted = stats.for_input(&input);
    assert_eq!(
        (counted.created, counted.succeeded, counted.model.as_str()),
        (2, 2, "black-forest-labs/flux-schnell")
    );
    assert_eq!(
        stats.requests_to("POST /v1/models/{owner}/{name}/predictions"),
        3
    );
    assert!(stats.requests_to("GET /v1/predictions/{id}") >= 2);
    assert_eq!(stats.live_by_status.values().sum::<u64>(), 3);
    assert!(stats.live("succeeded") >= 2);
    for key in stats.requests_by_token.keys() {
        assert!(key.starts_with('…') && key.chars().count() == 5, "{key}");
        assert!(!key.contains(&env.alice) && !key.contains(&env.bob));
    }
    let over_http: Stats = env
        .client
        .get(env.root("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http.creates_total, 3);
    // The same figures over HTTP; bob's prediction may end between the two
    // reads (predictions move on with time), so only its count can grow.
    let later = env.sim.stats().predictions_by_input;
    assert_eq!(
        over_http.predictions_by_input.keys().collect::<Vec<_>>(),
        later.keys().collect::<Vec<_>>()
    );
    for (key, seen) in &over_http.predictions_by_input {
        let now = &later[key];
        assert_eq!(
            (&seen.model, seen.created),
            (&now.model, now.created),
            "{key}"
        );
        assert!(seen.succeeded <= now.succeeded, "{key}");
    }
}
