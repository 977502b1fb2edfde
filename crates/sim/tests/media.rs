//! The other output kinds (video, audio, text, named files) and finding
//! models (search, `QUERY /v1/models`, collections).

mod common;

use common::Env;
use serde_json::{Value, json};

async fn run(env: &Env, model: &str, input: Value) -> Value {
    let created: Value = env
        .post(
            &env.alice,
            &format!("/models/{model}/predictions"),
            json!({"input": input}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    env.finish(&env.alice, created["id"].as_str().unwrap())
        .await
}

async fn bytes_of(env: &Env, url: &str) -> (String, Vec<u8>) {
    let r = env.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let mime = r.headers()["content-type"].to_str().unwrap().to_string();
    (mime, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_video_model_outputs_one_webm_url_as_a_string() {
    let env = Env::start().await;
    let done = run(
        &env,
        "replicate-sim/bouncing-ball",
        json!({"prompt": "a ball"}),
    )
    .await;
    assert_eq!(done["status"], "succeeded");
    let url = done["output"].as_str().expect("a string output");
    let (mime, bytes) = bytes_of(&env, url).await;
    assert_eq!(mime, "video/webm");
    assert!(bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) && bytes.windows(4).any(|w| w == b"webm"));
}

#[tokio::test]
async fn an_audio_model_outputs_a_wav_of_the_asked_length() {
    let env = Env::start().await;
    let done = run(
        &env,
        "replicate-sim/tone",
        json!({"prompt": "a hum", "duration": 2}),
    )
    .await;
    let (mime, bytes) = bytes_of(&env, done["output"].as_str().unwrap()).await;
    assert_eq!(mime, "audio/wav");
    assert_eq!(&bytes[8..12], b"WAVE");
    let data_len = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    assert_eq!(data_len, 2 * 16_000 * 2, "2 s of 16-bit mono at 16 kHz");
}

#[tokio::test]
async fn a_language_model_outputs_text_tokens_that_grow_while_processing() {
    // Half a second of processing, so that a busy machine's polls still see it.
    let mut config = replicate_sim::SimConfig::fast();
    config.timing.time_scale = 0.25;
    let env = Env::with(config).await;
    let created: Value = env
        .post(
            &env.alice,
            "/models/replicate-sim/storyteller/predictions",
            json!({"input": {"prompt": "a fox"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let mut seen_partial = false;
    loop {
        let p: Value = env
            .get(&env.alice, &format!("/predictions/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["status"] == "processing" && p["output"].as_array().is_some_and(|o| !o.is_empty()) {
            seen_partial = true;
        }
        if p["status"] == "succeeded" {
            let text: String = p["output"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(
                text.starts_with("Once upon a time there was a fox."),
                "{text}"
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(seen_partial, "the output grew while processing");
}

#[tokio::test]
async fn a_named_files_model_outputs_an_object_of_urls() {
    let env = Env::start().await;
    let done = run(
        &env,
        "replicate-sim/video-with-audio",
        json!({"prompt": "drums"}),
    )
    .await;
    let out = done["output"].as_object().expect("an object");
    assert_eq!(out.keys().collect::<Vec<_>>(), ["audio", "video"]);
    assert_eq!(
        bytes_of(&env, out["video"].as_str().unwrap()).await.0,
        "video/webm"
    );
    assert_eq!(
        bytes_of(&env, out["audio"].as_str().unwrap()).await.0,
        "audio/wav"
    );
}

#[tokio::test]
async fn search_finds_models_by_a_word_of_their_description() {
    let env = Env::start().await;
    let r: Value = env
        .get(&env.alice, "/search?query=clip&limit=5")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["query"], "clip");
    let names: Vec<String> = r["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["model"]["owner"].as_str().unwrap(),
                m["model"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        names.contains(&"replicate-sim/bouncing-ball".to_string()),
        "{names:?}"
    );
    let first = &r["models"][0];
    assert!(
        first["metadata"]["score"].is_number()
            && first["model"]["latest_version"]["openapi_schema"].is_object()
    );
    assert!(r["pages"].is_array() && r["collections"].is_array());
    // A cover picture that is really there.
    let (mime, _) = bytes_of(&env, first["model"]["cover_image_url"].as_str().unwrap()).await;
    assert_eq!(mime, "image/webp");
    // Without a token: 401, as every /v1 endpoint.
    let anon = env
        .client
        .get(env.url("/search?query=clip"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
}

#[tokio::test]
async fn query_models_searches_with_a_text_body_and_get_lists() {
    let env = Env::start().await;
    let query = reqwest::Method::from_bytes(b"QUERY").unwrap();
    let r: Value = env
        .client
        .request(query, env.url("/models"))
        .bearer_auth(&env.alice)
        .header("content-type", "text/plain")
        .body("story")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["name"], "storyteller");
    assert!(r.get("next").is_some());
    let all: Value = env
        .get(&env.alice, "/models")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Three text-to-image models, two edit models, five of other outputs.
    assert_eq!(all["results"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn collections_list_and_open() {
    let env = Env::start().await;
    let list: Value = env
        .get(&env.alice, "/collections")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.contains(&"text-to-video"));
    let c: Value = env
        .get(&env.alice, "/collections/text-to-video")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["models"][0]["name"], "bouncing-ball");
    let missing = env
        .get(&env.alice, "/collections/nope")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
