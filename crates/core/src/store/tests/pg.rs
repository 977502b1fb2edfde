//! What only the PostgreSQL store has to prove: several engines (each its
//! own store and pool) claiming from one database, and the password kept
//! out of what it shows.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use super::backends::pg_url;
use super::{new_gen, t0};
use crate::model::TokenId;
use crate::store::{ClaimOutcome, PgStore, QueueStore, StoreError, StoreNews};

#[test]
fn engines_claiming_at_once_never_put_a_token_over_its_cap() {
    let Some(url) = pg_url() else { return };
    let setup = PgStore::open(&url).unwrap();
    let mut caps = HashMap::new();
    for (i, cap) in [1u32, 2, 3].into_iter().enumerate() {
        let t = setup.insert_token(&format!("t{i}"), "abcd", t0()).unwrap();
        setup.set_max_concurrency(t.id, cap).unwrap();
        caps.insert(t.id, cap as usize);
    }
    let gens: Vec<_> = (0..24).map(|i| new_gen(&format!("p{i}"))).collect();
    let ids: Vec<_> = setup
        .insert_generations(&gens, t0())
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect();
    let engines = 4;
    let barrier = Arc::new(Barrier::new(engines));
    let ids = Arc::new(ids);
    let handles: Vec<_> = (0..engines)
        .map(|e| {
            let (url, barrier, ids) = (url.clone(), barrier.clone(), ids.clone());
            std::thread::spawn(move || {
                let store = PgStore::open(&url).unwrap();
                barrier.wait();
                let mut got: Vec<TokenId> = Vec::new();
                // Each engine walks the queue from a different place.
                for k in 0..ids.len() {
                    let id = ids[(k + e * 6) % ids.len()];
                    if let ClaimOutcome::Claimed(t) = store.claim_token(id, t0()).unwrap() {
                        got.push(t.id);
                    }
                }
                got
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // A slot skipped while another engine held its token's row is taken now.
    for id in ids.iter() {
        setup.claim_token(*id, t0()).unwrap();
    }
    // What the database holds: slots per token, counted from the rows.
    let mut held: HashMap<TokenId, usize> = HashMap::new();
    for id in ids.iter() {
        if let Some(t) = setup.get_generation(*id).unwrap().unwrap().token_id {
            *held.entry(t).or_default() += 1;
        }
    }
    assert_eq!(held, caps, "every slot taken once, none over its cap");
    for t in setup.list_tokens().unwrap() {
        assert_eq!(t.in_flight as usize, caps[&t.id]);
    }
}

#[test]
fn the_password_never_shows_in_errors_or_debug() {
    let Some(url) = pg_url() else { return };
    let password = url
        .split_whitespace()
        .find_map(|p| p.strip_prefix("password="))
        .expect("the test cluster has a password")
        .to_owned();
    let store = PgStore::open(&url).unwrap();
    let shown = format!("{store:?} {}", store.shown());
    assert!(!shown.contains(&password), "{shown}");
    assert!(shown.contains("postgres://"), "{shown}");

    let wrong = url.replace(
        &format!("password={password}"),
        "password=not-the-password-42",
    );
    let err = PgStore::open(&wrong).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, StoreError::CannotOpen { .. }), "{text}");
    assert!(!text.contains("not-the-password-42"), "{text}");
    assert!(text.contains("password authentication failed"), "{text}");

    let as_url = format!("postgres://genqueue:{password}@127.0.0.1:1/nowhere");
    let err = PgStore::open(&as_url).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(&password), "{text}");
    assert!(
        text.contains("postgres://genqueue@127.0.0.1:1/nowhere"),
        "{text}"
    );
}

#[test]
fn counters_follow_transitions_and_deletes_like_sqlite() {
    super::on_both(|store| {
        let g = store
            .insert_generations(&[new_gen("a"), new_gen("b")], t0())
            .unwrap();
        let c = store.counters().unwrap();
        assert_eq!((c.pending, c.active, c.unviewed), (2, 2, 2));
        store.mark_viewed(g[0].id, t0()).unwrap();
        store.delete_generation(g[1].id).unwrap().unwrap();
        let c = store.counters().unwrap();
        assert_eq!((c.pending, c.active, c.unviewed), (1, 1, 0));
        assert!(store.get_generation(g[1].id).unwrap().is_none());
        assert_eq!(store.get_generation(g[0].id).unwrap().unwrap().prompt, "a");
    });
}

/// Rows written before the search used FTS5's tokens (their index empty
/// after PG migration 0010) are indexed when a store next opens the database.
#[test]
fn rows_without_a_search_index_are_indexed_when_the_store_opens() {
    let Some(url) = pg_url() else {
        return;
    };
    let first = PgStore::open(&url).unwrap();
    for (i, p) in ["Café at dawn", "a quiet harbour", ""].iter().enumerate() {
        first
            .insert_generations(&[new_gen(p)], t0() + chrono::Duration::seconds(i as i64))
            .unwrap();
    }
    let cleared = first
        .run(|pool| async move {
            let c = pool.get().await.map_err(crate::store::pg::pool_err)?;
            c.execute("UPDATE generations SET prompt_search = NULL", &[])
                .await
                .map_err(crate::store::pg::pg_err)
        })
        .unwrap();
    assert_eq!(cleared, 3);
    let search = |s: &PgStore, text: &str| {
        let q = crate::store::HistoryQuery {
            text: Some(text.to_owned()),
            ..Default::default()
        };
        s.history(&q).unwrap().items.len()
    };
    assert_eq!(search(&first, "cafe"), 0, "not indexed yet");
    let reopened = PgStore::open(&url).unwrap();
    assert_eq!(search(&reopened, "cafe"), 1);
    assert_eq!(search(&reopened, "harbo"), 1);
    assert_eq!(search(&reopened, ""), 3);
}

/// A shared output is streamed in 1 MiB chunks both ways and comes back
/// byte for byte; sharing again replaces it; an unknown file is `false`.
#[test]
fn a_shared_output_of_several_chunks_comes_back_byte_for_byte() {
    let Some(url) = pg_url() else {
        return;
    };
    let store = PgStore::open(&url).unwrap();
    let g = store
        .insert_generations(&[new_gen("a long video")], t0())
        .unwrap()
        .remove(0);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("0.mp4");
    let bytes: Vec<u8> = (0..(2 * 1024 * 1024 + 12_345))
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    std::fs::write(&src, &bytes).unwrap();
    let stored = format!("outputs/{}/0.mp4", g.id);
    store.share_output_file(g.id, &stored, &src, None).unwrap();
    let dest = dir.path().join("elsewhere").join("0.mp4");
    assert!(store.fetch_output_file(g.id, &stored, &dest).unwrap());
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
    // Shared again (a take-over finished it anew): the new bytes replace the old.
    std::fs::write(&src, b"short").unwrap();
    store.share_output_file(g.id, &stored, &src, None).unwrap();
    let again = dir.path().join("again.mp4");
    assert!(store.fetch_output_file(g.id, &stored, &again).unwrap());
    assert_eq!(std::fs::read(&again).unwrap(), b"short");
    assert!(
        !store
            .fetch_output_file(g.id, "outputs/x/1.png", &dir.path().join("n"))
            .unwrap()
    );
    assert!(!dir.path().join("n").exists());
    let left: Vec<_> = std::fs::read_dir(dir.path().join("elsewhere"))
        .unwrap()
        .collect();
    assert_eq!(left.len(), 1, "no .part file left behind");
}

#[test]
fn a_store_session_has_the_idle_in_transaction_and_lock_timeouts() {
    let Some(url) = pg_url() else { return };
    let store = PgStore::open(&url).unwrap();
    let shown = store
        .run(|pool| async move {
            let c = pool.get().await.map_err(crate::store::pg::pool_err)?;
            let mut out = Vec::new();
            for name in ["idle_in_transaction_session_timeout", "lock_timeout"] {
                let row = c
                    .query_one(&format!("SHOW {name}"), &[])
                    .await
                    .map_err(crate::store::pg::pg_err)?;
                out.push(row.get::<_, String>(0));
            }
            Ok(out)
        })
        .unwrap();
    assert_eq!(shown, ["10s", "5s"]);
}

#[test]
fn a_database_migrated_by_a_newer_genqueue_is_refused_naming_both_versions() {
    let Some(url) = pg_url() else { return };
    let store = PgStore::open(&url).unwrap();
    let newer = crate::store::pg::PG_SCHEMA_VERSION + 3;
    store.set_schema_version_for_tests(newer as i32);
    drop(store);
    let err = PgStore::open(&url).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, StoreError::TooNew { found, supported, .. }
            if found == newer as i64 && supported == crate::store::pg::PG_SCHEMA_VERSION),
        "{text}"
    );
    assert!(text.contains(&format!("schema version {newer}")), "{text}");
    assert!(
        text.contains(&format!(
            "knows up to {}",
            crate::store::pg::PG_SCHEMA_VERSION
        )),
        "{text}"
    );
    assert!(text.contains("postgres://"), "{text}");
}

/// The first [`StoreNews::TooNew`] told within 10 s.
fn too_new_news(rx: &mut tokio::sync::broadcast::Receiver<StoreNews>) -> String {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(StoreNews::TooNew { reason }) => return reason,
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::TryRecvError::Empty) => {
                assert!(std::time::Instant::now() < end, "no TooNew news in 10 s");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("news: {e}"),
        }
    }
}

#[test]
fn a_newer_genqueue_migrating_while_a_store_is_open_stops_that_store_naming_both_versions() {
    let Some(url) = pg_url() else { return };
    let old = PgStore::open(&url).unwrap();
    let mut news = old.subscribe_news();
    let newer = crate::store::pg::PG_SCHEMA_VERSION + 1;
    let other = PgStore::open(&url).unwrap();
    other.migrate_as_newer_for_tests(newer as i32).unwrap();

    let reason = too_new_news(&mut news);
    assert!(
        reason.contains(&format!("schema version {newer}")),
        "{reason}"
    );
    assert!(
        reason.contains(&format!(
            "knows up to {}",
            crate::store::pg::PG_SCHEMA_VERSION
        )),
        "{reason}"
    );
    assert!(!reason.contains("move the file aside"), "{reason}");
    // Every call is refused from now on, without reaching the database.
    let calls = old.calls();
    let err = QueueStore::counters(&old).unwrap_err();
    assert_eq!(err.code(), "store_too_new", "{err}");
    assert!(
        QueueStore::insert_generations(&old, &[new_gen("too late")], t0()).is_err(),
        "a create went through"
    );
    assert_eq!(old.calls(), calls);
}

#[test]
fn a_store_reconnecting_after_a_newer_genqueue_migrated_reads_the_version_and_stops() {
    let Some(url) = pg_url() else { return };
    let old = PgStore::open(&url).unwrap();
    let mut news = old.subscribe_news();
    let name = old.application_name().to_owned();
    let other = PgStore::open(&url).unwrap();
    let newer = crate::store::pg::PG_SCHEMA_VERSION + 2;
    // Migrated while `old` was away: no notification reaches it.
    other.set_schema_version_for_tests(newer as i32);
    other
        .run(move |pool| async move {
            let c = pool.get().await.map_err(crate::store::pg::pool_err)?;
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .await
            .map_err(crate::store::pg::pg_err)?;
            Ok(())
        })
        .unwrap();
    let reason = too_new_news(&mut news);
    assert!(
        reason.contains(&format!("schema version {newer}")),
        "{reason}"
    );
    assert_eq!(
        QueueStore::counters(&old).unwrap_err().code(),
        "store_too_new"
    );
}

#[test]
fn a_migration_that_fails_names_the_database_s_version_and_the_one_needed() {
    let Some(url) = pg_url() else { return };
    let store = PgStore::open(&url).unwrap();
    let older = crate::store::pg::PG_SCHEMA_VERSION - 1;
    // The last migration's tables are there already: running it again fails
    // as a migration fails for a real reason (a role without the right).
    store.set_schema_version_for_tests(older as i32);
    drop(store);
    let err = PgStore::open(&url).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Migration { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "it has schema version {older} and this version of Genqueue needs {}",
            crate::store::pg::PG_SCHEMA_VERSION
        )),
        "{text}"
    );
    assert!(text.contains("postgres://"), "{text}");
}
