//! A large output (a 19 MB WAV from replicate-sim's `soundscape`) is streamed
//! to disk while `output_progress` events tell how far it is: they start at
//! 0, grow, and end on the whole size, which is the saved file's size.

use std::time::Duration;

use genqueue_core::events::Event;
use genqueue_core::model::{GenerationStatus, NewGeneration};
use genqueue_tests::World;
use replicate_sim::SimConfig;
use serde_json::json;

const LONG: Duration = Duration::from_secs(120);
/// Seconds of audio asked for: 600 s of 16 kHz 16-bit mono.
const SECONDS: u64 = 600;
const WAV_BYTES: u64 = 44 + SECONDS * 16_000 * 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_output_downloads_with_growing_progress_and_arrives_whole() {
    let mut w = World::new(1, SimConfig::fast()).await;
    // Files as URLs (wait mode would inline them as data: URIs).
    w.config.create_wait = None;
    let mut events = w.queue.events().subscribe();
    w.start();
    let g = w
        .queue
        .submit(NewGeneration {
            creator: Default::default(),
            model: "replicate-sim/soundscape".parse().unwrap(),
            prompt: "a harbour at dawn".into(),
            input: json!({ "prompt": "a harbour at dawn", "duration": SECONDS }),
            priority: 0,
            batch_id: None,
            retried_from: None,
            deadlines: Default::default(),
        })
        .expect("queued");
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    assert_eq!(g.output_files.len(), 1);
    assert!(g.output_files[0].ends_with(".wav"), "{:?}", g.output_files);
    let bytes = std::fs::read(w.dir.path().join(&g.output_files[0])).unwrap();
    assert_eq!(bytes.len() as u64, WAV_BYTES, "the whole file is on disk");
    assert_eq!(&bytes[..4], b"RIFF");
    let data_len = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    assert_eq!(u64::from(data_len), WAV_BYTES - 44, "its header agrees");

    let mut readings = Vec::new();
    while let Ok(ev) = events.try_recv() {
        if let Event::OutputProgress {
            id,
            index,
            received,
            total,
        } = ev
        {
            assert_eq!((id, index), (g.id, 0));
            assert_eq!(total, Some(WAV_BYTES), "the size is known from the start");
            readings.push(received);
        }
    }
    assert_eq!(readings.first(), Some(&0), "a reading when it starts");
    assert_eq!(
        readings.last(),
        Some(&WAV_BYTES),
        "a reading when it is whole"
    );
    assert!(
        readings.windows(2).all(|r| r[0] < r[1]),
        "growing: {readings:?}"
    );
    assert!(
        (10..=102).contains(&readings.len()),
        "at most one a percent (fewer when a chunk is larger), not one a chunk: {}",
        readings.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_download_without_progress_events() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.config.create_wait = None;
    let mut events = w.queue.events().subscribe();
    w.start();
    let g = w.submit("a small picture", json!({ "num_outputs": 2 }));
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed);
    assert_eq!(g.output_files.len(), 2);
    let mut progress = 0;
    while let Ok(ev) = events.try_recv() {
        progress += usize::from(matches!(ev, Event::OutputProgress { .. }));
    }
    assert_eq!(
        progress, 0,
        "files under 1 MiB say nothing while they download"
    );
}
