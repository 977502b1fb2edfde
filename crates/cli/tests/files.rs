//! `genq submit -i field=@path`: a local file is kept with the generation,
//! sent with the token that runs it, and the edit model's output is computed
//! from it; a list field takes several files in order; a missing file is
//! refused before anything is queued.

mod common;

use common::{Env, assert_refused, keyring_tests_enabled, text};

const KONTEXT: &str = "black-forest-labs/flux-kontext-pro";
const BANANA: &str = "google/nano-banana";

fn png(path: &std::path::Path, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(6, 4, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_file_given_with_at_reaches_the_edit_model() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let (a, b) = (env.data_dir().join("a.png"), env.data_dir().join("b.png"));
    png(&a, [10, 20, 30]);
    png(&b, [200, 100, 0]);
    let one = format!("input_image=@{}", a.display());
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                KONTEXT,
                "-p",
                "negative",
                "-i",
                &one,
                "-i",
                "output_format=png",
                "--wait",
                "--json",
            ],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = format!("image_input=@{},@{}", a.display(), b.display());
    let out2 = env
        .genq(
            &[
                "submit",
                "-m",
                BANANA,
                "-p",
                "both",
                "-i",
                &list,
                "-i",
                "output_format=png",
                "--wait",
                "--json",
            ],
            None,
        )
        .await;
    assert_eq!(out2.status.code(), Some(0), "{}", text(&out2.stderr));
    for (stdout, width, right) in [
        (&out.stdout, 6, [245, 235, 225]),
        (&out2.stdout, 12, [55, 155, 255]),
    ] {
        let rows: serde_json::Value =
            serde_json::from_slice(stdout).expect("an array of Generation");
        let g = &rows[0];
        assert_eq!(g["status"], "completed", "{g}");
        let file = env.data_dir().join(g["output_files"][0].as_str().unwrap());
        let img = image::open(&file).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (width, 4));
        assert_eq!(
            img.get_pixel(width - 1, 3).0,
            right,
            "computed from the files, in order"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_file_is_refused_and_queues_nothing() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let missing = format!("input_image=@{}", env.data_dir().join("nope.png").display());
    let out = env
        .genq(&["submit", "-m", KONTEXT, "-p", "x", "-i", &missing], None)
        .await;
    assert_refused(&out, 3, "does not exist");
    assert!(env.ls().await.is_empty());
}
