//! Every output kind, end to end against replicate-sim: a video (one URL
//! string), an audio file, a language model's text tokens, an object of
//! named files; with and without wait mode's inlined `data:` URIs. And the
//! model browser's reads (search, collections).

use std::time::Duration;

use genqueue_core::model::{Generation, GenerationStatus, NewGeneration};
use genqueue_tests::World;
use replicate_sim::SimConfig;
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

fn job(model: &str, prompt: &str) -> NewGeneration {
    NewGeneration {
        creator: Default::default(),
        model: model.parse().expect("model ref"),
        prompt: prompt.to_owned(),
        input: json!({ "prompt": prompt }),
        priority: 0,
        batch_id: None,
        retried_from: None,
        deadlines: Default::default(),
    }
}

/// The saved files' names (`0.webm`) and bytes.
fn files(w: &World, g: &Generation) -> Vec<(String, Vec<u8>)> {
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    g.output_files
        .iter()
        .map(|rel| {
            let name = rel.rsplit('/').next().unwrap().to_owned();
            (
                name,
                std::fs::read(w.dir.path().join(rel)).expect("saved file"),
            )
        })
        .collect()
}

async fn run_all(wait_mode: bool) -> (World, Vec<Generation>) {
    let mut w = World::new(1, SimConfig::fast()).await;
    if !wait_mode {
        w.config.create_wait = None;
    }
    w.start();
    let ids: Vec<_> = [
        ("replicate-sim/bouncing-ball", "a red ball"),
        ("replicate-sim/tone", "a low hum"),
        ("replicate-sim/storyteller", "a fox"),
        ("replicate-sim/video-with-audio", "a drum solo"),
    ]
    .iter()
    .map(|(m, p)| w.queue.submit(job(m, p)).expect("queued").id)
    .collect();
    let rows = w.wait_terminal(&ids, LONG).await;
    (w, rows)
}

async fn every_kind_is_saved_under_the_extension_of_its_bytes(wait_mode: bool) {
    let (w, rows) = run_all(wait_mode).await;
    let by_id = |i: usize| rows.iter().find(|g| g.id == rows[i].id).unwrap();
    // The video: one file, a WebM.
    let video = files(&w, by_id(0));
    assert_eq!(video.len(), 1);
    assert_eq!(video[0].0, "0.webm");
    assert!(video[0].1.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]));
    // The audio: a WAV.
    let audio = files(&w, by_id(1));
    assert_eq!(audio[0].0, "0.wav");
    assert_eq!(&audio[0].1[8..12], b"WAVE");
    // The language model: its tokens joined into text.txt, no other file.
    let text = files(&w, by_id(2));
    assert_eq!(text.len(), 1, "{text:?}");
    assert_eq!(text[0].0, "text.txt");
    let story = String::from_utf8(text[0].1.clone()).unwrap();
    assert!(
        story.starts_with("Once upon a time there was a fox."),
        "{story}"
    );
    assert!(story.ends_with("The end."), "{story}");
    // Named files: each under its key.
    let named: Vec<String> = files(&w, by_id(3)).into_iter().map(|(n, _)| n).collect();
    assert_eq!(named, ["0-audio.wav", "1-video.webm"]);
    if !wait_mode {
        assert_eq!(by_id(3).output_urls.len(), 2, "the https URLs are kept");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_is_saved_from_inlined_data_uris() {
    every_kind_is_saved_under_the_extension_of_its_bytes(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_is_saved_from_downloaded_urls() {
    every_kind_is_saved_under_the_extension_of_its_bytes(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_a_model_by_a_word_of_its_description_and_collections_open() {
    let w = World::new(1, SimConfig::fast()).await;
    let found = w.queue.search_models("clip", 20).await.expect("search");
    let names: Vec<&str> = found.models.iter().map(|m| m.model.as_str()).collect();
    assert!(names.contains(&"replicate-sim/bouncing-ball"), "{names:?}");
    let ball = found
        .models
        .iter()
        .find(|m| m.model == "replicate-sim/bouncing-ball")
        .unwrap();
    assert_eq!(ball.run_count, Some(1_204_311));
    assert!(
        ball.latest_version
            .as_deref()
            .is_some_and(|v| v.len() == 64)
    );
    assert!(
        ball.cover_image_url.is_some() && ball.description.as_deref().unwrap().contains("clip")
    );
    // Its form, as the create page will show it.
    let form = w
        .queue
        .model_form(&"replicate-sim/bouncing-ball".parse().unwrap())
        .await
        .unwrap();
    assert!(form.form.field("duration").is_some());
    // A blank query asks nothing.
    let before = w.sim.stats().requests_to("GET /v1/other");
    assert!(
        w.queue
            .search_models("  ", 20)
            .await
            .unwrap()
            .models
            .is_empty()
    );
    assert_eq!(w.sim.stats().requests_to("GET /v1/other"), before);
    let list = w.queue.list_collections().await.unwrap();
    assert!(list.iter().any(|c| c.slug == "language-models"));
    let c = w.queue.collection("language-models").await.unwrap();
    assert_eq!(c.models[0].model, "replicate-sim/storyteller");
    let story = &c.models[0];
    assert!(
        story
            .example_output
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "example output: text tokens"
    );
    let missing = w.queue.collection("no-such-collection").await.unwrap_err();
    assert!(
        missing.to_string().to_lowercase().contains("not found"),
        "{missing}"
    );
}
