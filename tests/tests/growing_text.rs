//! A language model's text grows while it runs: the engine announces the
//! text streamed so far (`output_text` events, from the prediction stream's
//! `output` pieces), each one the previous plus more, and the last one is
//! the text saved when the prediction ends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genqueue_core::engine::{EngineConfig, PollSchedule, StreamConfig};
use genqueue_core::events::Event;
use genqueue_core::model::{GenerationStatus, NewGeneration};
use genqueue_tests::{World, test_engine_config};
use replicate_sim::{Delay, SimConfig, Timing};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(30);

/// Predictions that run ~1.5 s after a short boot, so the stream sees them run.
fn sim() -> SimConfig {
    SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::from_millis(100)),
            predict: Delay::Fixed(Duration::from_millis(1500)),
            time_scale: 1.0,
        },
        ..SimConfig::fast()
    }
}

/// Reads a minute apart: what the window sees meanwhile came from the stream.
fn slow_reads() -> EngineConfig {
    let minute = Duration::from_secs(60);
    EngineConfig {
        create_wait: None,
        schedule: PollSchedule {
            min: minute,
            max: minute,
            starting_max: minute,
            first: minute,
            growth: 1.0,
        },
        streams: StreamConfig {
            check: minute,
            ..test_engine_config().streams
        },
        ..test_engine_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_models_text_grows_in_events_and_ends_as_the_saved_text() {
    let mut w = World::new(1, sim()).await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut rx = w.queue.events().subscribe();
    let out = seen.clone();
    tokio::spawn(async move {
        while let Ok(ev) = rx.recv().await {
            if let Event::OutputText { text, .. } = ev {
                out.lock().unwrap().push(text);
            }
        }
    });
    w.start_with(slow_reads()).expect("engine");
    let g = w
        .queue
        .submit(NewGeneration {
            creator: Default::default(),
            model: "replicate-sim/storyteller".parse().unwrap(),
            prompt: "a fox who keeps a lighthouse".into(),
            input: json!({ "prompt": "a fox who keeps a lighthouse", "max_tokens": 64 }),
            priority: 0,
            batch_id: None,
            retried_from: None,
            deadlines: Default::default(),
        })
        .expect("queued");
    let g = w.wait_terminal(&[g.id], LIMIT).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    assert_eq!(g.output_files.len(), 1, "{:?}", g.output_files);
    let saved = std::fs::read_to_string(w.dir.path().join(&g.output_files[0])).unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.len() >= 3,
        "the text grew in several steps: {}",
        seen.len()
    );
    assert!(
        seen.windows(2)
            .all(|p| p[1].starts_with(&p[0]) && p[1].len() > p[0].len()),
        "each reading is the previous one and more"
    );
    assert_eq!(seen.last(), Some(&saved), "it ends as the saved text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_models_stream_announces_no_text() {
    let mut w = World::new(1, sim()).await;
    let mut rx = w.queue.events().subscribe();
    w.start_with(slow_reads()).expect("engine");
    let g = w.submit("a lighthouse at dusk", json!({}));
    let g = w.wait_terminal(&[g.id], LIMIT).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed);
    let mut texts = 0;
    while let Ok(ev) = rx.try_recv() {
        texts += usize::from(matches!(ev, Event::OutputText { .. }));
    }
    assert_eq!(texts, 0, "file URLs in the stream are not text");
}
