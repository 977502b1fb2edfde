//! The engine against replicate-sim: a reordered queue runs in its new
//! order; settings take effect (output folder, start paused after a crash,
//! retention).

use std::time::Duration;

use chrono::Utc;
use genqueue_core::engine::Engine;
use genqueue_core::model::GenerationStatus;
use genqueue_core::settings::Settings;
use genqueue_core::store::MoveTo;
use genqueue_tests::{World, assert_files};
use replicate_sim::SimConfig;
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reordered_pending_generations_are_created_in_their_new_order() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.queue.pause().unwrap();
    w.start();
    let ids: Vec<_> = (0..5)
        .map(|i| w.submit(&format!("ordered {i}"), json!({ "seed": i })).id)
        .collect();
    // Drag: 4 3 2 1 0, then "next" on 1 and "down" on 4.
    let reversed: Vec<_> = ids.iter().rev().copied().collect();
    w.queue.reorder_pending(&reversed).unwrap();
    w.queue.move_generation(ids[1], MoveTo::Next).unwrap();
    w.queue.move_generation(ids[4], MoveTo::Down).unwrap();
    let want = [ids[1], ids[3], ids[4], ids[2], ids[0]];
    let listed: Vec<_> = w
        .queue
        .list_dispatch_order(10, None)
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(listed, want);
    w.queue.resume().unwrap();
    let rows = w.wait_terminal(&want, LONG).await;
    // One token, one slot: each ran after the previous one finished.
    for pair in rows.windows(2) {
        assert_eq!(pair[0].status, GenerationStatus::Completed);
        assert!(
            pair[0].completed_at < pair[1].started_at.or(pair[1].completed_at),
            "{} ran before {}",
            pair[1].prompt,
            pair[0].prompt
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_outputs_go_to_the_output_folder_with_absolute_paths() {
    let mut w = World::new(1, SimConfig::fast()).await;
    let elsewhere = tempfile::tempdir().unwrap();
    w.queue
        .set_settings(Settings {
            output_folder: Some(elsewhere.path().display().to_string()),
            ..Settings::default()
        })
        .unwrap();
    w.start();
    let g = w.submit("saved elsewhere", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_files(&w, g, 1);
    let file = std::path::Path::new(&g.output_files[0]);
    assert!(file.is_absolute(), "{file:?}");
    assert!(file.starts_with(elsewhere.path().join(g.id.to_string())));
    assert_eq!(
        w.queue.files_dir(g),
        elsewhere.path().join(g.id.to_string())
    );
    w.queue.delete(g.id).unwrap();
    assert!(!file.exists(), "deleting removes the file");
    assert!(!elsewhere.path().join(g.id.to_string()).exists());
    assert!(elsewhere.path().exists(), "the output folder itself stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_starts_paused_only_after_an_unclean_stop_and_when_asked() {
    let mut w = World::new(0, SimConfig::fast()).await;
    // A second connection to the same store: it outlives the engines started below.
    let store = w.second_store();
    let running_key = genqueue_core::engine::running_key(&w.queue).unwrap();
    let running_key = running_key.as_str();
    // A clean stop.
    w.start();
    assert_eq!(store.setting(running_key).unwrap().as_deref(), Some("1"));
    w.stop().await;
    assert_eq!(store.setting(running_key).unwrap().as_deref(), Some("0"));
    // A crash with the setting off: not paused.
    store.set_setting(running_key, "1").unwrap();
    w.start();
    assert!(w.engine.as_ref().unwrap().started_after_crash());
    assert!(!w.queue.is_paused().unwrap());
    w.stop().await;
    // A clean stop with the setting on: not paused.
    w.queue
        .set_settings(Settings {
            start_paused_after_crash: true,
            ..Settings::default()
        })
        .unwrap();
    w.start();
    assert!(!w.engine.as_ref().unwrap().started_after_crash());
    assert!(!w.queue.is_paused().unwrap());
    w.stop().await;
    // A crash with the setting on: paused, and the window is told.
    let mut events = w.queue.events().subscribe();
    store.set_setting(running_key, "1").unwrap();
    let engine = Engine::start(w.queue.clone(), w.config.clone()).unwrap();
    assert!(engine.started_after_crash());
    assert!(w.queue.is_paused().unwrap());
    let ev = events.try_recv().unwrap();
    assert_eq!(
        ev,
        genqueue_core::events::Event::QueueChanged { paused: true }
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_old_finished_generations_and_their_files_at_start() {
    if genqueue_testkit::sqlite_only("rows made old by hand through the SQLite file") {
        return;
    }
    let mut w = World::new(0, SimConfig::fast()).await;
    let old = w.submit("old", json!({}));
    let young = w.submit("young", json!({}));
    let waiting = w.submit("waiting", json!({}));
    let write_file = |id: genqueue_core::model::GenerationId| {
        let dir = w.dir.path().join("outputs").join(id.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0.png"), b"png").unwrap();
        vec![format!("outputs/{id}/0.png")]
    };
    for (g, days) in [(&old, 10), (&young, 2)] {
        let files = write_file(g.id);
        // Rows made old by hand, past the lifecycle: the concrete store.
        genqueue_core::store::Store::open(&w.queue.data_dir().join(genqueue_core::paths::DB_FILE))
            .unwrap()
            .update_generation(g.id, |r| {
                r.status = GenerationStatus::Completed;
                r.completed_at = Some(Utc::now() - chrono::Duration::days(days));
                r.output_files = files;
            })
            .unwrap();
    }
    w.queue.pause().unwrap(); // nothing to dispatch here: no token
    w.queue
        .set_settings(Settings {
            retention_days: Some(7),
            ..Settings::default()
        })
        .unwrap();
    w.start();
    // The row goes first, then its folder: wait for both.
    let old_dir = w.dir.path().join("outputs").join(old.id.to_string());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while w.queue.store().get_generation(old.id).unwrap().is_some() || old_dir.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "retention did not delete the old generation and its files"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(w.queue.store().get_generation(young.id).unwrap().is_some());
    assert!(
        w.queue
            .store()
            .get_generation(waiting.id)
            .unwrap()
            .is_some()
    );
    // "Clear finished" takes the viewed finished ones, files too.
    w.queue.mark_viewed(young.id).unwrap();
    assert_eq!(
        w.queue
            .clear_finished(genqueue_core::queue::Scope::Mine)
            .unwrap(),
        1
    );
    assert!(
        !w.dir
            .path()
            .join("outputs")
            .join(young.id.to_string())
            .exists()
    );
    assert!(
        w.queue
            .store()
            .get_generation(waiting.id)
            .unwrap()
            .is_some()
    );
}
