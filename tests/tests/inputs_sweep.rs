//! Retention of kept input files: a file named by no generation any more
//! (its generations deleted) is removed by the sweep; a file another
//! generation still names stays, and so does a fresh unnamed one (a submit
//! in progress) until the grace period has passed.

use std::time::Duration;

use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};
use genqueue_tests::World;
use replicate_sim::SimConfig;
use serde_json::{Value, json};

fn request(input: Value) -> SubmitRequest {
    let Value::Object(map) = input else {
        panic!("object")
    };
    SubmitRequest {
        model: "black-forest-labs/flux-kontext-pro".parse().unwrap(),
        prompts: Prompts::One("make it a negative".into()),
        input: SubmitInput::Values(map),
        count: 1,
        priority: 0,
        deadlines: Default::default(),
    }
}

/// A small PNG as a `data:` URI; `shade` makes each one different bytes.
fn png_uri(shade: u8) -> String {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([shade, 40, 90]));
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    genqueue_core::submit::files::data_uri("image/png", &bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreferenced_input_files_are_swept_and_named_or_fresh_ones_stay() {
    let w = World::new(1, SimConfig::fast()).await;
    // Not started: the generations stay pending, their inputs named.
    let submit = |shade: u8| {
        let r = request(json!({ "input_image": png_uri(shade), "output_format": "png" }));
        let q = w.queue.clone();
        async move { q.submit_request(&r).await.unwrap().generations.remove(0) }
    };
    let gone = submit(10).await;
    let kept = submit(200).await;
    let shared = submit(10).await; // the same bytes as `gone`: the same kept file
    let name = |g: &genqueue_core::model::Generation| {
        g.input["input_image"]
            .as_str()
            .unwrap()
            .strip_prefix("genqueue-input:")
            .unwrap()
            .to_owned()
    };
    assert_eq!(name(&gone), name(&shared), "kept once by content");
    let inputs = w.dir.path().join("inputs");
    let path = |g| inputs.join(name(g));
    let now = w.queue.now();

    // Deleting one of two generations that share a file: it is still named.
    w.queue.delete(gone.id).unwrap();
    assert_eq!(w.queue.sweep_input_files(now, Duration::ZERO).unwrap(), 0);
    assert!(path(&shared).exists() && path(&kept).exists());

    // The last one gone: the file goes, the other generation's stays.
    w.queue.delete(shared.id).unwrap();
    // Within the grace period nothing goes (a submit may be writing its rows).
    assert_eq!(
        w.queue
            .sweep_input_files(now, Duration::from_secs(3600))
            .unwrap(),
        0
    );
    assert!(path(&shared).exists());
    assert_eq!(w.queue.sweep_input_files(now, Duration::ZERO).unwrap(), 1);
    assert!(!path(&shared).exists(), "unreferenced: removed");
    assert!(path(&kept).exists(), "still named: kept");

    // A stray file in inputs/ (a crash between copy and insert) goes too.
    std::fs::write(inputs.join("stray.png"), b"x").unwrap();
    let later = w.queue.now() + chrono::Duration::seconds(1);
    assert_eq!(w.queue.sweep_input_files(later, Duration::ZERO).unwrap(), 1);
    assert!(path(&kept).exists());
}
