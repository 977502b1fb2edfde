//! What only the PostgreSQL store has to prove: several engines (each its
//! own store and pool) claiming from one database, and the password kept
//! out of what it shows.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use super::backends::pg_url;
use super::{new_gen, t0};
use crate::model::TokenId;
use crate::store::{ClaimOutcome, PgStore, QueueStore, StoreError};

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
