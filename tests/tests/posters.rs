//! A video result's poster frame, end to end against replicate-sim: the
//! bouncing-ball model's real VP8 WebM gets a PNG beside it
//! (`paths::poster_path`), a real frame of the clip; a picture result and a
//! video under a named key follow the same rule. Needs GStreamer (Linux,
//! genqueue-core's default feature `video-poster`).
#![cfg(target_os = "linux")]

use std::time::Duration;

use genqueue_core::engine::poster::saved_poster;
use genqueue_core::model::{GenerationStatus, NewGeneration};
use genqueue_core::paths::{POSTER_SUFFIX, poster_path};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_result_gets_a_poster_frame_beside_it() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let ids: Vec<_> = [
        ("replicate-sim/bouncing-ball", "a red ball"),
        ("replicate-sim/video-with-audio", "a drum solo"),
        ("black-forest-labs/flux-schnell", "a lighthouse"),
    ]
    .iter()
    .map(|(m, p)| w.queue.submit(job(m, p)).expect("queued").id)
    .collect();
    let rows = w.wait_terminal(&ids, LONG).await;
    let row = |i: usize| rows.iter().find(|g| g.id == ids[i]).unwrap();
    for g in &rows {
        assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
        assert!(
            g.output_files.iter().all(|f| !f.ends_with(POSTER_SUFFIX)),
            "a poster is not an output: {:?}",
            g.output_files
        );
    }

    // The clip: 160×120, a white ball on black (crates/sim/fixtures).
    let video = &row(0).output_files[0];
    assert!(video.ends_with("/0.webm"), "{video}");
    let poster = w.dir.path().join(poster_path(video));
    assert!(poster.ends_with("0.poster.png"), "{poster:?}");
    let bytes = std::fs::read(&poster).expect("a poster beside the video");
    assert_eq!(
        image::guess_format(&bytes).unwrap(),
        image::ImageFormat::Png
    );
    let img = image::load_from_memory(&bytes).unwrap().into_rgb8();
    assert_eq!((img.width(), img.height()), (160, 120), "the video's size");
    let first = *img.get_pixel(0, 0);
    let differing = img.pixels().filter(|p| **p != first).count();
    assert!(
        differing > 100,
        "a frame of the clip, not one colour ({differing} pixels differ from the corner)"
    );
    let bright = img
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c > 200))
        .count();
    assert!(bright > 20, "the white ball shows ({bright} bright pixels)");
    assert_eq!(
        saved_poster(w.dir.path(), &row(0).output_files),
        Some(poster.clone())
    );

    // A video under a key ({"audio": …, "video": …}): named by its stem.
    let named = &row(1).output_files;
    let poster = saved_poster(w.dir.path(), named).expect("the named video's poster");
    assert!(poster.ends_with("1-video.poster.png"), "{poster:?}");

    // A picture stands for itself: no poster.
    let picture = &row(2).output_files;
    assert_eq!(saved_poster(w.dir.path(), picture), None);
    let dir = w.dir.path().join(&picture[0]);
    let names: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(POSTER_SUFFIX)),
        "{names:?}"
    );
}
