//! File inputs against replicate-sim: local files reach the model (the
//! sim's edit models compute their output from the input pixels), uploads
//! are made with the generation's token and reused, a move to another token
//! uploads again there, and every bad input says why and loses nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::QueueError;
use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};
use genqueue_tests::World;
use image::{Rgb, RgbImage};
use replicate_sim::{Endpoint, FaultKind, FaultRule, SimConfig, Trigger};
use serde_json::{Map, Value, json};

const LONG: Duration = Duration::from_secs(60);

/// A PNG of `w`×`h` pixels drawn from `seed`: noise, so it does not
/// compress (a 400×400 one is well over the 256 KiB inline limit).
fn png(dir: &Path, name: &str, w: u32, h: u32, seed: u32) -> (PathBuf, RgbImage) {
    let mut x = seed.wrapping_mul(2654435761).max(1);
    let img = RgbImage::from_fn(w, h, |_, _| {
        let mut c = [0u8; 3];
        for v in &mut c {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *v = x as u8;
        }
        Rgb(c)
    });
    let path = dir.join(name);
    img.save(&path).unwrap();
    (path, img)
}

fn request(model: &str, prompt: &str, input: Value, count: u32) -> SubmitRequest {
    let Value::Object(map) = input else {
        panic!("object")
    };
    SubmitRequest {
        model: model.parse().unwrap(),
        prompts: Prompts::One(prompt.into()),
        input: SubmitInput::Values(map),
        count,
        priority: 0,
        deadlines: Default::default(),
    }
}

/// The saved output, decoded.
fn output_of(w: &World, g: &genqueue_core::model::Generation) -> RgbImage {
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    let bytes = std::fs::read(w.dir.path().join(&g.output_files[0])).unwrap();
    image::load_from_memory(&bytes).unwrap().to_rgb8()
}

fn inverted(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0 = p.0.map(|v| 255 - v);
    }
    out
}

fn at(path: &Path) -> String {
    format!("@{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_model_run_on_a_local_png_answers_the_output_computed_from_it() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (path, img) = png(src.path(), "photo.png", 400, 300, 1);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "make it a negative",
        json!({"input_image": at(&path), "output_format": "png"}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let kept = g.input["input_image"].as_str().unwrap().to_owned();
    assert!(kept.starts_with("genqueue-input:"), "{kept}");
    // The source may go: the generation has its own copy.
    std::fs::remove_file(&path).unwrap();
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(output_of(&w, &g), inverted(&img));
    let stats = w.sim.stats();
    assert_eq!(stats.uploads_by_account.get("user0"), Some(&1));
    assert_eq!(stats.file_inputs_by_account.get("user0"), Some(&1));
    assert_eq!(stats.foreign_file_inputs, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_file_goes_inline_and_an_array_keeps_its_order() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (a, img_a) = png(src.path(), "a.png", 20, 10, 2);
    let (b, img_b) = png(src.path(), "b.png", 8, 16, 3);
    let r = request(
        "google/nano-banana",
        "both",
        json!({"image_input": [at(&a), at(&b)], "output_format": "png"}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    let out = output_of(&w, &g);
    assert_eq!((out.width(), out.height()), (28, 16));
    assert_eq!(out.get_pixel(0, 0).0, inverted(&img_a).get_pixel(0, 0).0);
    assert_eq!(out.get_pixel(20, 15).0, inverted(&img_b).get_pixel(0, 15).0);
    let stats = w.sim.stats();
    assert!(
        stats.uploads_by_account.is_empty(),
        "small files go inline as data: URIs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_disabled_after_the_upload_moves_the_generation_and_its_file_to_another_account() {
    let mut w = World::new(2, SimConfig::fast()).await;
    // The first create (whichever token makes it) finds its token revoked.
    w.sim
        .add_faults([FaultRule::new(FaultKind::RevokeToken, Trigger::Nth(1)).on(Endpoint::Create)]);
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (path, img) = png(src.path(), "big.png", 400, 400, 4);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "negative",
        json!({"input_image": at(&path), "output_format": "png"}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(output_of(&w, &g), inverted(&img));
    let stats = w.sim.stats();
    assert_eq!(stats.uploads_by_account.get("user0"), Some(&1), "{stats:?}");
    assert_eq!(stats.uploads_by_account.get("user1"), Some(&1), "{stats:?}");
    assert_eq!(
        stats.foreign_file_inputs, 0,
        "every file used by the account that uploaded it"
    );
    let disabled: Vec<_> = w
        .queue
        .tokens()
        .unwrap()
        .into_iter()
        .filter(|t| !t.active)
        .collect();
    assert_eq!(disabled.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_edits_of_one_picture_upload_it_once_per_account() {
    let mut w = World::builder(
        SimConfig::fast(),
        vec![genqueue_tests::fake_token(), genqueue_tests::fake_token()],
    )
    .concurrency(4)
    .build()
    .await
    .unwrap();
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (path, img) = png(src.path(), "big.png", 400, 400, 5);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "negative",
        json!({"input_image": at(&path), "output_format": "png"}),
        20,
    );
    let ids: Vec<_> = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .iter()
        .map(|g| g.id)
        .collect();
    let rows = w.wait_terminal(&ids, LONG).await;
    let expected = inverted(&img);
    for g in &rows {
        assert_eq!(output_of(&w, g), expected);
    }
    let stats = w.sim.stats();
    let used: Vec<&String> = stats.file_inputs_by_account.keys().collect();
    for account in &used {
        assert_eq!(
            stats.uploads_by_account.get(*account),
            Some(&1),
            "{stats:?}"
        );
    }
    assert_eq!(
        stats.uploads_by_account.values().sum::<u64>() as usize,
        used.len()
    );
    assert_eq!(stats.file_inputs_by_account.values().sum::<u64>(), 20);
    // One kept copy for the twenty.
    let kept = std::fs::read_dir(w.dir.path().join("inputs"))
        .unwrap()
        .count();
    assert_eq!(kept, 1);
}

fn problems(e: QueueError) -> Vec<(String, String)> {
    match e {
        QueueError::InvalidInput(p) => p.into_iter().map(|p| (p.field, p.message)).collect(),
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_refused_at_submit_with_the_reason_and_queue_nothing() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let before = w.queue.counters().unwrap();
    let src = tempfile::tempdir().unwrap();
    let text = src.path().join("notes.txt");
    std::fs::write(&text, "not a picture").unwrap();
    let huge = src.path().join("huge.png");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024 + 1)
        .unwrap();
    let cases = [
        (at(&src.path().join("gone.png")), "does not exist"),
        (at(&text), "takes an image"),
        (at(&huge), "over Replicate's 100.0 MiB limit"),
        ("data:image/png;base64,%%%".to_owned(), "cannot be decoded"),
        (
            "genqueue-input:0000.png".to_owned(),
            "no longer in the data folder",
        ),
        ("photo.png".to_owned(), "must be a file"),
    ];
    for (value, says) in cases {
        let r = request(
            "black-forest-labs/flux-kontext-pro",
            "x",
            json!({"input_image": value}),
            1,
        );
        let p = problems(w.queue.submit_request(&r).await.unwrap_err());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "input_image");
        assert!(p[0].1.contains(says), "{value}: {}", p[0].1);
    }
    let after = w.queue.counters().unwrap();
    assert_eq!(after.active, before.active, "nothing queued");
    assert!(w.all_generations().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_file_that_vanished_before_the_create_fails_its_generation_only() {
    let mut w = World::new(1, SimConfig::fast()).await;
    let src = tempfile::tempdir().unwrap();
    let (path, _) = png(src.path(), "p.png", 30, 30, 6);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "x",
        json!({"input_image": at(&path)}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let other = w.submit("a plain one", json!({}));
    for e in std::fs::read_dir(w.dir.path().join("inputs")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    w.start();
    let rows = w.wait_terminal(&[g.id, other.id], LONG).await;
    assert_eq!(rows[0].status, GenerationStatus::Failed);
    assert_eq!(rows[0].error_kind, Some(ErrorKind::InputFileUnreadable));
    let why = rows[0].failure_english().unwrap();
    assert!(why.contains("cannot be read"), "{why}");
    assert_eq!(
        rows[1].status,
        GenerationStatus::Completed,
        "the queue goes on"
    );
    assert_eq!(w.sim.stats().creates_total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_413_from_the_files_api_fails_the_generation_with_the_reason() {
    let mut sim = SimConfig::fast();
    sim.file_size_cap = 300 * 1024;
    let mut w = World::new(1, sim).await;
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (path, _) = png(src.path(), "big.png", 400, 400, 7);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "x",
        json!({"input_image": at(&path)}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::InputFileTooLarge));
    let e = g.failure_english().unwrap();
    assert!(e.contains("too large") && e.contains("413"), "{e}");
    assert_eq!(w.sim.stats().creates_total, 0);
    assert!(
        w.queue.tokens().unwrap()[0].active,
        "a 413 says nothing bad about the token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_off_is_tried_again_then_fails_with_the_reason() {
    let mut w = World::new(1, SimConfig::fast()).await;
    // Two cut-offs: the third try lands.
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(1)).on(Endpoint::Upload),
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Nth(2)).on(Endpoint::Upload),
    ]);
    w.start();
    let src = tempfile::tempdir().unwrap();
    let (path, img) = png(src.path(), "big.png", 400, 400, 8);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "x",
        json!({"input_image": at(&path), "output_format": "png"}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(output_of(&w, &g), inverted(&img));
    // Every try cut off: the generation fails, saying so; the next one runs.
    w.sim.add_faults([
        FaultRule::new(FaultKind::DropBeforeAction, Trigger::Always).on(Endpoint::Upload)
    ]);
    let (path2, _) = png(src.path(), "big2.png", 400, 400, 9);
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "x",
        json!({"input_image": at(&path2)}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    let plain = w.submit("plain", json!({}));
    let rows = w.wait_terminal(&[g.id, plain.id], LONG).await;
    assert_eq!(rows[0].status, GenerationStatus::Failed);
    assert_eq!(rows[0].error_kind, Some(ErrorKind::UploadFailed));
    let e = rows[0].failure_english().unwrap();
    assert!(
        e.contains("Could not upload an input file") && e.contains("(×4)"),
        "{e}"
    );
    assert_eq!(rows[1].status, GenerationStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unset_optional_inputs_are_left_out_and_a_422_names_its_field() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let mut map = Map::new();
    map.insert("seed".into(), Value::Null);
    map.insert("safety_tolerance".into(), json!(9));
    let r = SubmitRequest {
        input: SubmitInput::Values(map),
        ..request("black-forest-labs/flux-kontext-pro", "x", json!({}), 1)
    };
    // Our own form check names the field first.
    let p = problems(w.queue.submit_request(&r).await.unwrap_err());
    assert_eq!(
        p,
        vec![(
            "safety_tolerance".into(),
            "must be less than or equal to 6".into()
        )]
    );
    let r = request(
        "black-forest-labs/flux-kontext-pro",
        "x",
        json!({"seed": null}),
        1,
    );
    let g = w
        .queue
        .submit_request(&r)
        .await
        .unwrap()
        .generations
        .remove(0);
    assert!(g.input.get("seed").is_none(), "{}", g.input);
    let g = w.wait_terminal(&[g.id], LONG).await.remove(0);
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
}
