//! A wait's time is stored in UTC and shown in the user's time zone.

mod common;

use chrono::{TimeZone, Utc};
use common::{Env, text};
use genqueue_core::model::{ModelRef, NewGeneration};
use genqueue_core::store::Store;
use genqueue_core::wait::{WaitCode, WaitReason};
use serde_json::json;

#[tokio::test]
async fn a_waiting_generation_shows_its_next_try_in_local_time() {
    let env = Env::start(0).await;
    let store = Store::open(&env.data_dir().join(genqueue_core::paths::DB_FILE)).unwrap();
    let new = NewGeneration {
        creator: Default::default(),
        model: "black-forest-labs/flux-schnell"
            .parse::<ModelRef>()
            .unwrap(),
        prompt: "a lighthouse at dusk".into(),
        input: json!({ "prompt": "a lighthouse at dusk" }),
        priority: 0,
        batch_id: None,
        retried_from: None,
        deadlines: Default::default(),
    };
    let g = store
        .insert_generations(&[new], Utc::now())
        .unwrap()
        .remove(0);
    // As the engine records it: a code, a UTC time, Replicate's words.
    let until = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 5).unwrap();
    store
        .update_generation(g.id, |r| {
            r.wait_reason = Some(
                WaitReason::new(WaitCode::Unreachable)
                    .detail("connection refused")
                    .until(until),
            )
        })
        .unwrap();
    drop(store);
    let id = g.id.to_string();
    for (tz, shown) in [("Asia/Tokyo", "21:00:05"), ("UTC", "12:00:05")] {
        let out = env
            .command(&["show", &id])
            .env("TZ", tz)
            .output()
            .await
            .unwrap();
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!(
                "Cannot reach Replicate (connection refused); next try at {shown}"
            )),
            "TZ={tz}:\n{stdout}{}",
            text(&out.stderr)
        );
    }
}
