//! Live across machines (issue #15): engines on one PostgreSQL database hear
//! each other's writes through `LISTEN/NOTIFY` (PG migration 0008), not by
//! polling: machine B's event bus shows what machine A changed, B's engine
//! wakes to run what A queued, an idle engine leaves the database alone, and
//! a lost `LISTEN` connection comes back and reads what it missed.
//!
//! Each "machine" is its own `Queue` with its own `PgStore` (pool and
//! `LISTEN` connection) on one fresh database in the cluster of
//! `scripts/with-postgres.sh`; skipped without it (failed under CI).

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::Engine;
use genqueue_core::events::Event;
use genqueue_core::model::{GenerationId, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::PgStore;
use genqueue_testkit::{fresh_database, seeded, test_engine_config};
use genqueue_tests::{World, fake_token};
use replicate_sim::SimConfig;
use tokio::sync::broadcast::Receiver;

/// Another machine on the database at `url`: its own store, folder and
/// (empty) secrets, the same sim.
fn machine(w: &World, url: &str) -> (Queue, PgStore, tempfile::TempDir) {
    let store = PgStore::open(url).expect("PostgreSQL store");
    let dir = tempfile::tempdir().unwrap();
    let client = ReplicateClient::new(&w.sim.base_url()).unwrap();
    let q = Queue::on_store(
        dir.path().to_owned(),
        Arc::new(store.clone()),
        client,
        Arc::new(MemorySecretStore::new()),
    );
    (q, store, dir)
}

/// Waits (up to `limit`) for an event on `rx` that `want` accepts.
async fn wait_for(
    rx: &mut Receiver<Event>,
    limit: Duration,
    what: &str,
    want: impl Fn(&Event) -> bool,
) {
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(ev)) if want(&ev) => return,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event bus: {e} while waiting for {what}"),
            Err(_) => panic!("no event within {limit:?}: {what}"),
        }
    }
}

fn changed_to(ev: &Event, id: GenerationId, status: GenerationStatus) -> bool {
    matches!(ev, Event::GenerationChanged(g) if g.id == id && g.status == status)
}

/// A fresh team database and a world on it (one token, fast sim): the
/// first machine; `None` (skipped) without a PostgreSQL cluster.
async fn team_world(prefix: &str) -> Option<(String, World)> {
    let url = fresh_database(prefix)?;
    let w = World::builder(SimConfig::fast(), vec![fake_token()])
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .build()
        .await
        .expect("test world");
    Some((url, w))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_machine_a_changes_shows_on_machine_bs_event_bus() {
    let Some((url, a)) = team_world("genqueue_live").await else {
        return;
    };
    // Paused (a shared setting): nothing runs, each change is the test's own.
    a.queue.pause().unwrap();
    let (b, _b_store, _b_dir) = machine(&a, &url);
    let engine_b = Engine::start(b.clone(), test_engine_config()).unwrap();
    let mut rx = b.events().subscribe();

    let ids: Vec<_> = a
        .queue
        .submit_batch(seeded("heard on b", 3))
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    let seen = std::sync::Mutex::new(std::collections::HashSet::new());
    wait_for(&mut rx, Duration::from_secs(5), "the 3 queued rows", |ev| {
        if let Event::GenerationChanged(g) = ev
            && g.status == GenerationStatus::Pending
        {
            seen.lock().unwrap().insert(g.id);
        }
        ids.iter().all(|id| seen.lock().unwrap().contains(id))
    })
    .await;
    wait_for(
        &mut rx,
        Duration::from_secs(5),
        "the counters with 3 pending",
        |ev| matches!(ev, Event::CountersChanged(c) if c.pending == 3),
    )
    .await;

    a.queue.cancel(ids[0]).await.unwrap();
    wait_for(&mut rx, Duration::from_secs(5), "the cancelled row's ending", |ev| {
        matches!(ev, Event::GenerationEnded(g) if g.id == ids[0] && g.status == GenerationStatus::Cancelled)
    })
    .await;

    let token = a.token_ids[0];
    a.queue.rename_token(token, "renamed on a").unwrap();
    wait_for(
        &mut rx,
        Duration::from_secs(5),
        "the renamed token",
        |ev| matches!(ev, Event::TokenChanged(t) if t.id == token && t.label == "renamed on a"),
    )
    .await;

    a.queue.delete(ids[0]).unwrap();
    wait_for(
        &mut rx,
        Duration::from_secs(5),
        "the deleted row",
        |ev| matches!(ev, Event::GenerationRemoved { id } if *id == ids[0]),
    )
    .await;
    engine_b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_engine_makes_no_calls_and_wakes_for_work_queued_elsewhere() {
    let Some((url, mut b)) = team_world("genqueue_idle").await else {
        return;
    };
    let b_store = b.pg_store();
    b.start();
    // Let its start-up reads end.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = b_store.calls();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_calls = b_store.calls() - before;
    assert_eq!(
        idle_calls, 0,
        "an idle engine asked the database {idle_calls} times in 3 s"
    );

    // Machine A (no engine) queues work; B's engine hears it and runs it.
    let (a, _a_store, _a_dir) = machine(&b, &url);
    let ids: Vec<_> = a
        .submit_batch(seeded("queued on a", 5))
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    let rows = b.wait_terminal(&ids, Duration::from_secs(60)).await;
    for g in &rows {
        assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    }
    assert_eq!(b.sim.stats().creates_total, 5);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listen_connection_comes_back_and_misses_nothing() {
    let Some((url, a)) = team_world("genqueue_relisten").await else {
        return;
    };
    let a_store = a.pg_store();
    a.queue.pause().unwrap();
    let (b, b_store, _b_dir) = machine(&a, &url);
    let engine_b = Engine::start(b.clone(), test_engine_config()).unwrap();
    let mut rx = b.events().subscribe();

    // B's connections are cut and the database refuses new ones for a while;
    // A keeps the connection its pool holds and writes meanwhile.
    let name = url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("GENQUEUE_TEST_DATABASE_URL").unwrap();
    let psql = |sql: String| {
        let out = std::process::Command::new("psql")
            .args([&admin, "-qAtc", &sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    assert!(a_store.application_name() != b_store.application_name());
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    psql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
        b_store.application_name()
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids: Vec<_> = a
        .queue
        .submit_batch(seeded("written while b was away", 2))
        .unwrap()
        .iter()
        .map(|g| g.id)
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));

    let seen = std::sync::Mutex::new(std::collections::HashSet::new());
    wait_for(
        &mut rx,
        Duration::from_secs(15),
        "the rows written while away",
        |ev| {
            if let Event::GenerationChanged(g) = ev {
                seen.lock().unwrap().insert(g.id);
            }
            ids.iter().all(|id| seen.lock().unwrap().contains(id))
        },
    )
    .await;
    // And listening again: the next change comes as it is made.
    a.queue.cancel(ids[1]).await.unwrap();
    wait_for(
        &mut rx,
        Duration::from_secs(5),
        "a change after coming back",
        |ev| changed_to(ev, ids[1], GenerationStatus::Cancelled),
    )
    .await;
    engine_b.shutdown().await;
}
