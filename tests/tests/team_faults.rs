//! Faults of a team's queue (issue #15): the PostgreSQL server stops in the
//! middle of a run (`pg_ctl stop -m fast` on the throw-away cluster of
//! `scripts/with-postgres.sh`, through its `GENQUEUE_TEST_PG_CTL`) and
//! starts again. The engine says so on its event bus, stops claiming,
//! refuses creates with `store_unreachable` (the database named without its
//! password), resumes by itself, and every generation completes with one
//! prediction each. A database migrated by a newer Genqueue is refused with
//! both versions named.

use std::time::{Duration, Instant};

use genqueue_core::error_code::ErrorCode;
use genqueue_core::events::Event;
use genqueue_core::model::GenerationStatus;
use genqueue_testkit::{fresh_database, seeded};
use genqueue_tests::{World, fake_token};
use replicate_sim::SimConfig;
use tokio::sync::broadcast::Receiver;

fn pg_ctl(what: &str) {
    let ctl = std::env::var("GENQUEUE_TEST_PG_CTL")
        .expect("scripts/with-postgres.sh gives GENQUEUE_TEST_PG_CTL");
    let out = std::process::Command::new(ctl)
        .arg(what)
        .output()
        .expect("the cluster's ctl runs");
    assert!(
        out.status.success(),
        "pg_ctl {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The first event `pick` maps to a value, within `limit`.
async fn wait_for<T>(
    rx: &mut Receiver<Event>,
    limit: Duration,
    what: &str,
    pick: impl Fn(&Event) -> Option<T>,
) -> T {
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(ev)) => {
                if let Some(v) = pick(&ev) {
                    return v;
                }
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event bus: {e} while waiting for {what}"),
            Err(_) => panic!("no event within {limit:?}: {what}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_stopping_mid_run_pauses_the_engine_and_loses_nothing() {
    let Some(url) = fresh_database("genqueue_fault") else {
        return;
    };
    let password = url
        .strip_prefix("postgres://genqueue:")
        .and_then(|r| r.split_once('@'))
        .map(|(p, _)| p.to_owned())
        .expect("the test cluster's URL has a password");
    let mut sim = SimConfig::fast();
    // 0.2 s to boot, 0.4 s to predict: work is in flight when the server stops.
    sim.timing.time_scale = 0.2;
    let mut w = World::builder(sim, vec![fake_token(), fake_token()])
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .build()
        .await
        .expect("test world");
    for id in w.token_ids.clone() {
        w.queue.set_token_concurrency(id, 2).unwrap();
    }
    let mut rx = w.queue.events().subscribe();
    w.start();
    let n = 30;
    let ids = w.submit_seeded("through a database outage", n);
    let mut done = 0;
    while done < 6 {
        done += wait_for(
            &mut rx,
            Duration::from_secs(30),
            "the first endings",
            |ev| matches!(ev, Event::GenerationEnded(_)).then_some(1),
        )
        .await;
    }

    pg_ctl("stop");
    let reason = wait_for(
        &mut rx,
        Duration::from_secs(15),
        "StoreUnreachable",
        |ev| match ev {
            Event::StoreUnreachable { reason } => Some(reason.clone()),
            _ => None,
        },
    )
    .await;
    assert!(
        reason.contains("the team database at postgres://genqueue@127.0.0.1:"),
        "{reason}"
    );
    assert!(reason.contains("cannot be reached"), "{reason}");
    assert!(!reason.contains(&password), "the password shows: {reason}");
    let creates_when_lost = w.sim.stats().creates_total;

    let err = w
        .queue
        .submit(seeded("refused while away", 1).remove(0))
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.code(), ErrorCode::StoreUnreachable, "{text}");
    assert!(
        text.starts_with("the team database at postgres://genqueue@127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("cannot be reached"), "{text}");
    assert!(!text.contains(&password), "the password shows: {text}");

    // Nothing is claimed while the database is away.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        w.sim.stats().creates_total,
        creates_when_lost,
        "created while the database was away"
    );

    pg_ctl("start");
    wait_for(&mut rx, Duration::from_secs(20), "StoreBack", |ev| {
        matches!(ev, Event::StoreBack).then_some(())
    })
    .await;
    let rows = w.wait_terminal(&ids, Duration::from_secs(120)).await;
    for g in &rows {
        assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
    }
    assert_eq!(rows.len(), n);
    assert_eq!(
        w.sim.stats().creates_total,
        n as u64,
        "one prediction per generation, none twice"
    );
    let c = w.queue.counters().unwrap();
    assert_eq!((c.completed, c.active), (n as u64, 0));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_left_behind_by_a_newer_genqueue_stops_claiming_and_refuses_creates() {
    let Some(url) = fresh_database("genqueue_too_new") else {
        return;
    };
    let mut sim = SimConfig::fast();
    sim.timing.time_scale = 0.2;
    let mut w = World::builder(sim, vec![fake_token()])
        .database(&url)
        .build()
        .await
        .expect("test world");
    w.queue.set_token_concurrency(w.token_ids[0], 1).unwrap();
    let mut rx = w.queue.events().subscribe();
    w.start();
    let ids = w.submit_seeded("left behind", 10);
    wait_for(&mut rx, Duration::from_secs(30), "a first ending", |ev| {
        matches!(ev, Event::GenerationEnded(_)).then_some(())
    })
    .await;

    // Another member's newer Genqueue migrates the database.
    let newer = genqueue_core::store::pg::PG_SCHEMA_VERSION as i32 + 1;
    genqueue_core::store::PgStore::open(&url)
        .unwrap()
        .migrate_as_newer_for_tests(newer)
        .unwrap();
    let reason = wait_for(
        &mut rx,
        Duration::from_secs(10),
        "StoreTooNew",
        |ev| match ev {
            Event::StoreTooNew { reason } => Some(reason.clone()),
            _ => None,
        },
    )
    .await;
    assert!(
        reason.contains(&format!("schema version {newer}")),
        "{reason}"
    );
    assert!(
        reason.contains(&format!(
            "knows up to {}",
            genqueue_core::store::pg::PG_SCHEMA_VERSION
        )),
        "{reason}"
    );
    assert!(reason.contains("update Genqueue"), "{reason}");
    let creates = w.sim.stats().creates_total;
    assert!(
        creates < ids.len() as u64,
        "all created before the migration"
    );

    let err = w
        .queue
        .submit(seeded("refused: too old", 1).remove(0))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StoreTooNew, "{err}");
    assert!(err.to_string().contains("update Genqueue"), "{err}");
    // Nothing more is claimed or created.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        w.sim.stats().creates_total,
        creates,
        "created after the migration"
    );
    w.stop().await;
}
