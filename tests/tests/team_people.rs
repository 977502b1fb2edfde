//! People on a team's queue (issue #15): two members on one PostgreSQL
//! database, each from their own machine (data folder). Each member's
//! counter and latest five are their own; "clear finished", cancelling a
//! batch and bulk actions touch only one's own unless everyone's is chosen;
//! the History lists the members and filters by one; a thumbnail of another
//! member's generation, finished on the other machine, becomes readable in
//! this machine's folder when the History shows it.
//! Needs `scripts/with-postgres.sh` (see `postgres.rs`).

use std::sync::Arc;
use std::time::Duration;

use genqueue_core::endings::{Decision, Endings};
use genqueue_core::events::Event;
use genqueue_core::history::BulkAction;
use genqueue_core::model::{BatchId, Creator, GenerationStatus};
use genqueue_core::queue::{Queue, Scope};
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::{HistoryQuery, ListQuery, PgStore};
use genqueue_testkit::{fresh_database, seeded};
use genqueue_tests::{World, fake_token};
use replicate_sim::SimConfig;

/// `member`'s queue on machine `machine`: its own data folder and store on
/// the database at `url`, no engine.
fn member_queue(url: &str, dir: &std::path::Path, sim: &str, member: &str) -> Queue {
    Queue::on_store(
        dir.to_owned(),
        Arc::new(PgStore::open(url).expect("PostgreSQL store")),
        ReplicateClient::new(sim).unwrap(),
        Arc::new(MemorySecretStore::new()),
    )
    .with_creator(Creator {
        member: Some(member.into()),
        machine: Some(format!("{}-laptop", member.to_lowercase())),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_counts_and_lists_only_their_own_generations() {
    let Some(url) = fresh_database("genqueue_people") else {
        return;
    };
    // The engine runs on a third machine (the world's folder).
    let mut w = World::builder(SimConfig::fast(), vec![fake_token()])
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .concurrency(4)
        .build()
        .await
        .expect("test world on PostgreSQL");
    let sim = w.sim.base_url();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ada = member_queue(&url, a_dir.path(), &sim, "Ada");
    let bob = member_queue(&url, b_dir.path(), &sim, "Bob");
    assert_eq!(ada.own_member(), Some("Ada"));
    let mut ada_events = ada.events().subscribe();
    let mut ids = ada.submit_batch(seeded("ada's fox", 7)).unwrap();
    ids.extend(bob.submit_batch(seeded("bob's owl", 3)).unwrap());
    let ids: Vec<_> = ids.iter().map(|g| g.id).collect();
    let mut ada_endings = Endings::of(&ada);
    w.start();
    let rows = w.wait_terminal(&ids, Duration::from_secs(120)).await;
    w.stop().await;
    assert!(rows.iter().all(|g| g.status == GenerationStatus::Completed));

    let (a, b) = (ada.own_counters().unwrap(), bob.own_counters().unwrap());
    assert_eq!((a.completed, a.unviewed, a.active), (7, 7, 0));
    assert_eq!((b.completed, b.unviewed, b.active), (3, 3, 0));
    assert_eq!(
        ada.counters().unwrap().completed,
        10,
        "the queue is everyone's"
    );

    // The dropdown's latest five: Ada's own only.
    let latest = ada
        .list(&ListQuery {
            limit: 5,
            unviewed_only: true,
            created_by: ada.own_member().map(str::to_owned),
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(latest.len(), 5);
    assert!(
        latest
            .iter()
            .all(|g| g.prompt_excerpt.starts_with("ada's fox"))
    );

    // Endings: Bob's generation ending does not notify Ada nor count in her run.
    for g in &rows {
        let decided = ada_endings.on_event(&Event::GenerationEnded(Box::new(g.summary())));
        let own = g.creator.member.as_deref() == Some("Ada");
        assert_eq!(
            matches!(decided, Some(Decision::Ended(_))),
            own,
            "{:?}",
            g.creator
        );
    }
    let c = ada.own_counters().unwrap();
    match ada_endings.on_event(&Event::CountersChanged(c)) {
        Some(Decision::QueueFinished(run)) => assert_eq!(run.completed, 7),
        other => panic!("Ada's queue finished with her 7: {other:?}"),
    }

    // Marking all viewed on Bob's machine leaves Ada's unviewed; the counters
    // Ada's queue announces are hers.
    assert_eq!(bob.mark_all_viewed(Scope::Mine).unwrap(), 3);
    assert_eq!(ada.own_counters().unwrap().unviewed, 7);
    assert_eq!(ada.mark_all_viewed(Scope::Mine).unwrap(), 7);
    let announced = loop {
        match ada_events.try_recv() {
            Ok(Event::CountersChanged(c)) if c.unviewed == 0 && c.completed == 7 => break c,
            Ok(_) => continue,
            Err(e) => panic!("Ada's queue announced her own counters: {e:?}"),
        }
    };
    assert_eq!(announced.active, 0);

    // History: the members present, and a filter for one of them.
    assert_eq!(ada.members().unwrap(), ["Ada", "Bob"]);
    let bobs = ada
        .history(&HistoryQuery {
            created_by: Some("Bob".into()),
            ..HistoryQuery::default()
        })
        .unwrap();
    assert_eq!(bobs.items.len(), 3);
    assert!(
        bobs.items
            .iter()
            .all(|g| g.creator.member.as_deref() == Some("Bob"))
    );

    // A thumbnail of Bob's generation, saved on the engine's machine, is
    // fetched into Ada's folder when her History shows it, a few at a time.
    let page = ada.history(&HistoryQuery::default()).unwrap();
    let mut fetches = tokio::task::JoinSet::new();
    for g in &page.items {
        let (q, id) = (ada.clone(), g.id);
        fetches.spawn(async move { (id, q.fetch_shown_outputs(id).await) });
    }
    let fetched: std::collections::HashMap<_, _> = fetches.join_all().await.into_iter().collect();
    assert_eq!(page.items.len(), 10);
    for g in &page.items {
        let got = fetched[&g.id].as_ref().unwrap();
        assert!(*got, "{} was missing on Ada's machine", g.id);
        let thumb = &g.output_files[0];
        let on_a = genqueue_core::paths::resolve_output_path(a_dir.path(), thumb);
        let on_w = genqueue_core::paths::resolve_output_path(w.dir.path(), thumb);
        assert_eq!(std::fs::read(&on_a).unwrap(), std::fs::read(&on_w).unwrap());
    }
    let again = ada.fetch_shown_outputs(page.items[0].id).await.unwrap();
    assert!(!again, "shown from Ada's folder the second time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_and_cancelling_touch_only_ones_own_unless_everyones_is_chosen() {
    let Some(url) = fresh_database("genqueue_scope") else {
        return;
    };
    // No engine: pending generations are cancelled without Replicate.
    let nowhere = "http://127.0.0.1:9/v1";
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ada = member_queue(&url, a_dir.path(), nowhere, "Ada");
    let bob = member_queue(&url, b_dir.path(), nowhere, "Bob");

    // One batch: three of Ada's; Bob retries one of them into it.
    let batch = BatchId::new();
    let news = seeded("a lantern", 3)
        .into_iter()
        .map(|mut n| {
            n.batch_id = Some(batch);
            n
        })
        .collect();
    let ada_rows = ada.submit_batch(news).unwrap();
    ada.cancel(ada_rows[0].id).await.unwrap();
    let bobs = bob.retry(ada_rows[0].id).unwrap();
    assert_eq!(bobs.creator.member.as_deref(), Some("Bob"));
    assert_eq!(bobs.batch_id, Some(batch));

    // Ada cancels the batch: her two, not Bob's retry.
    assert_eq!(ada.cancel_batch(batch, Scope::Mine).await.unwrap(), 2);
    assert_eq!(ada.get(bobs.id).unwrap().status, GenerationStatus::Pending);
    // Everyone's, chosen explicitly: Bob's too.
    assert_eq!(ada.cancel_batch(batch, Scope::Everyone).await.unwrap(), 1);
    assert_eq!(
        ada.get(bobs.id).unwrap().status,
        GenerationStatus::Cancelled
    );

    // Bulk actions on selected ids: refused on Bob's unless everyone's.
    let selected = [ada_rows[1].id, bobs.id];
    let mine = ada
        .bulk(&selected, BulkAction::MarkViewed, Scope::Mine)
        .await;
    assert_eq!(mine.done, 1);
    assert_eq!(mine.failed.len(), 1);
    assert_eq!(mine.failed[0].id, bobs.id);
    assert!(
        mine.failed[0]
            .message
            .contains("not yours (created by Bob)"),
        "{}",
        mine.failed[0].message
    );
    assert!(!ada.get(bobs.id).unwrap().viewed, "Bob's stays unviewed");
    let all = ada
        .bulk(&selected, BulkAction::MarkViewed, Scope::Everyone)
        .await;
    assert_eq!((all.done, all.failed.len()), (2, 0));
    ada.mark_all_viewed(Scope::Mine).unwrap();

    // Clear finished: Ada's three go, Bob's stays; then everyone's.
    assert_eq!(ada.clear_finished(Scope::Mine).unwrap(), 3);
    assert!(ada.get(bobs.id).is_ok(), "Bob's generation is kept");
    assert_eq!(ada.own_counters().unwrap().cancelled, 0);
    assert_eq!(bob.own_counters().unwrap().cancelled, 1);
    assert_eq!(ada.clear_finished(Scope::Everyone).unwrap(), 1);
    assert_eq!(ada.counters().unwrap().cancelled, 0);
    assert!(ada.members().unwrap().is_empty());
}
