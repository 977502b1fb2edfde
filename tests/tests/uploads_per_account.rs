//! Two tokens of one Replicate account share uploaded input files: the
//! account is recorded when a token is added (`GET /account`), and a file
//! uploaded with one token is reused by the other (Replicate's Files API
//! scopes files to the account), so twenty edits of one picture over both
//! tokens upload it once.

use std::path::Path;
use std::time::Duration;

use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};
use genqueue_tests::{World, fake_token, secret_store};
use image::{Rgb, RgbImage};
use replicate_sim::{AccountConfig, Sim, SimConfig};
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

/// A noise PNG well over the 256 KiB inline limit: it must be uploaded.
fn big_png(dir: &Path) -> String {
    let mut x: u32 = 0x9e37_79b9;
    let img = RgbImage::from_fn(400, 400, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    let path = dir.join("big.png");
    img.save(&path).unwrap();
    format!("@{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tokens_of_one_account_upload_a_shared_picture_once() {
    let (a, b) = (fake_token(), fake_token());
    let sim = Sim::start(
        SimConfig::fast()
            .account(AccountConfig::new(&a, "team"))
            .account(AccountConfig::new(&b, "team")),
    )
    .await
    .unwrap();
    let base = sim.base_url();
    let mut w = World::from_sim(
        sim,
        vec![a, b],
        &base,
        Duration::from_secs(3),
        secret_store(),
    )
    .await;
    for id in &w.token_ids {
        assert_eq!(
            w.queue.store().token_account(*id).unwrap().as_deref(),
            Some("team"),
            "the account is recorded when the token is added"
        );
        w.queue.set_token_concurrency(*id, 4).unwrap();
    }
    w.start();
    let src = tempfile::tempdir().unwrap();
    let Some(input) = json!({"input_image": big_png(src.path()), "output_format": "png"})
        .as_object()
        .cloned()
    else {
        unreachable!()
    };
    let r = SubmitRequest {
        model: "black-forest-labs/flux-kontext-pro".parse().unwrap(),
        prompts: Prompts::One("negative".into()),
        input: SubmitInput::Values(input),
        count: 20,
        priority: 0,
        deadlines: Default::default(),
    };
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
    assert!(rows.iter().all(|g| g.output_files.len() == 1), "all made");
    let used: std::collections::BTreeSet<_> = rows.iter().filter_map(|g| g.token_id).collect();
    assert_eq!(used.len(), 2, "both tokens created predictions");
    let stats = w.sim.stats();
    assert_eq!(
        stats.uploads_by_account.get("team"),
        Some(&1),
        "one upload for the account: {stats:?}"
    );
    assert_eq!(stats.file_inputs_by_account.get("team"), Some(&20));
    assert_eq!(stats.foreign_file_inputs, 0);
}
