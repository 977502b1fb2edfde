//! The token pool: selection order, cooldowns, disabled tokens, slots, waits,
//! and concurrent claims.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use chrono::Utc;

use crate::model::GenerationId;

use super::{file_store, new_gen, on_both, secs, t0};
use crate::model::{GenerationStatus as S, Token};
use crate::store::{ClaimOutcome, QueueStore, RequestOutcome, Store, StoreError};
use crate::wait::{WaitCode, WaitReason};

pub(super) fn claimed(outcome: ClaimOutcome) -> Token {
    match outcome {
        ClaimOutcome::Claimed(t) => t,
        other => panic!("expected a claim, got {other:?}"),
    }
}

pub(super) fn waited(outcome: ClaimOutcome) -> (WaitCode, Option<chrono::DateTime<Utc>>) {
    match outcome {
        ClaimOutcome::Wait { reason, until, .. } => (reason, until),
        other => panic!("expected a wait, got {other:?}"),
    }
}

pub(super) fn pending(store: &dyn QueueStore) -> GenerationId {
    store.insert_generations(&[new_gen("p")], t0()).unwrap()[0].id
}

fn finish(store: &Store, id: GenerationId) {
    store
        .update_generation(id, |g| g.status = S::Completed)
        .unwrap();
}

#[test]
fn least_recently_used_first_then_fewest_requests() {
    let (_dir, store) = file_store();
    let a = store.insert_token("a", "aaaa", t0()).unwrap();
    let b = store.insert_token("b", "bbbb", t0()).unwrap();
    let c = store.insert_token("c", "cccc", t0()).unwrap();
    // Never used: fewest requests first (b has none), then by id.
    store
        .record_request(a.id, RequestOutcome::Ok, t0())
        .unwrap();
    store
        .with_conn(|conn| Ok(conn.execute("UPDATE tokens SET last_used_at = NULL", [])?))
        .unwrap();
    store
        .record_request(c.id, RequestOutcome::Ok, t0())
        .unwrap();
    store
        .record_request(c.id, RequestOutcome::Ok, t0())
        .unwrap();
    store
        .with_conn(|conn| Ok(conn.execute("UPDATE tokens SET last_used_at = NULL", [])?))
        .unwrap();
    let g1 = pending(&store);
    assert_eq!(
        claimed(store.claim_token(g1, t0() + secs(1)).unwrap()).id,
        b.id
    );
    let g2 = pending(&store);
    assert_eq!(
        claimed(store.claim_token(g2, t0() + secs(2)).unwrap()).id,
        a.id
    );
    let g3 = pending(&store);
    let t = claimed(store.claim_token(g3, t0() + secs(3)).unwrap());
    assert_eq!(t.id, c.id);
    assert_eq!((t.last_used_at, t.in_flight), (Some(t0() + secs(3)), 1));
    // All used once: the least recently used (b) comes back first.
    for g in [g1, g2, g3] {
        finish(&store, g);
    }
    let g4 = pending(&store);
    assert_eq!(
        claimed(store.claim_token(g4, t0() + secs(4)).unwrap()).id,
        b.id
    );
    assert_eq!(
        store.get_generation(g4).unwrap().unwrap().token_id,
        Some(b.id)
    );
}

#[test]
fn cooled_down_token_returns_after_its_cooldown() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", t0()).unwrap();
        let b = store.insert_token("b", "bbbb", t0()).unwrap();
        store.set_cooldown(a.id, t0() + secs(60)).unwrap();
        store.set_cooldown(b.id, t0() + secs(30)).unwrap();
        let g = pending(&**store);
        let (reason, until) = waited(store.claim_token(g, t0()).unwrap());
        assert_eq!(
            (reason, until),
            (WaitCode::CoolingDown, Some(t0() + secs(30)))
        );
        assert_eq!(store.get_generation(g).unwrap().unwrap().token_id, None);
        assert_eq!(
            claimed(store.claim_token(g, t0() + secs(30)).unwrap()).id,
            b.id
        );
        let g2 = pending(&**store);
        // b is busy now (cap 1), a still cools: the wait names a's end.
        let (reason, until) = waited(store.claim_token(g2, t0() + secs(31)).unwrap());
        assert_eq!(
            (reason, until),
            (WaitCode::CoolingDown, Some(t0() + secs(60)))
        );
        assert_eq!(
            claimed(store.claim_token(g2, t0() + secs(61)).unwrap()).id,
            a.id
        );
    });
}

#[test]
fn disabled_tokens_are_skipped() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", t0()).unwrap();
        let b = store.insert_token("b", "bbbb", t0() + secs(1)).unwrap();
        store.disable_token(a.id, "401", t0()).unwrap();
        let g = pending(&**store);
        assert_eq!(claimed(store.claim_token(g, t0()).unwrap()).id, b.id);
        store.disable_token(b.id, "402", t0()).unwrap();
        let g2 = pending(&**store);
        assert_eq!(
            waited(store.claim_token(g2, t0()).unwrap()),
            (WaitCode::AllDisabled, None)
        );
        // A generation that already holds a token keeps it, disabled or not.
        assert_eq!(claimed(store.claim_token(g, t0()).unwrap()).id, b.id);
    });
}

#[test]
fn no_tokens_says_so() {
    on_both(|store| {
        let g = pending(&**store);
        assert_eq!(
            waited(store.claim_token(g, t0()).unwrap()),
            (WaitCode::NoTokens, None)
        );
    });
}

#[test]
fn slots_default_to_one_and_can_be_raised_to_three() {
    let (_dir, store) = file_store();
    let t = store.insert_token("t", "abcd", t0()).unwrap();
    let gs: Vec<GenerationId> = (0..4).map(|_| pending(&store)).collect();
    claimed(store.claim_token(gs[0], t0()).unwrap());
    assert_eq!(
        waited(store.claim_token(gs[1], t0()).unwrap()),
        (WaitCode::AllBusy, None)
    );
    store.set_max_concurrency(t.id, 3).unwrap();
    assert_eq!(
        claimed(store.claim_token(gs[1], t0()).unwrap()).in_flight,
        2
    );
    // A processing generation still holds its slot.
    store
        .update_generation(gs[1], |g| g.status = S::Processing)
        .unwrap();
    assert_eq!(
        claimed(store.claim_token(gs[2], t0()).unwrap()).in_flight,
        3
    );
    assert_eq!(
        waited(store.claim_token(gs[3], t0()).unwrap()).0,
        WaitCode::AllBusy
    );
    // A terminal status frees a slot; so does a release.
    store
        .update_generation(gs[1], |g| g.status = S::Failed)
        .unwrap();
    assert_eq!(store.get_token(t.id).unwrap().unwrap().in_flight, 2);
    claimed(store.claim_token(gs[3], t0()).unwrap());
    store.release_token(gs[0]).unwrap();
    let g0 = store.get_generation(gs[0]).unwrap().unwrap();
    assert_eq!((g0.token_id, g0.create_sent_at), (None, None));
    assert_eq!(store.get_token(t.id).unwrap().unwrap().in_flight, 2);
}

#[test]
fn claiming_twice_returns_the_same_token() {
    on_both(|store| {
        let a = store.insert_token("a", "aaaa", t0()).unwrap();
        store.insert_token("b", "bbbb", t0()).unwrap();
        store.set_max_concurrency(a.id, 2).unwrap();
        let g = pending(&**store);
        let first = claimed(store.claim_token(g, t0()).unwrap());
        let again = claimed(store.claim_token(g, t0() + secs(5)).unwrap());
        assert_eq!(first.id, again.id);
        assert_eq!(again.in_flight, 1);
    });
}

#[test]
fn claim_and_release_need_a_pending_generation() {
    let (_dir, store) = file_store();
    store.insert_token("a", "aaaa", t0()).unwrap();
    let g = pending(&store);
    finish(&store, g);
    let err = store.claim_token(g, t0()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotPending {
                status: S::Completed,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(
        store.release_token(g),
        Err(StoreError::NotPending { .. })
    ));
    let missing = GenerationId::new();
    assert!(matches!(
        store.claim_token(missing, t0()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.release_token(missing),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn mixed_busy_and_cooling_tokens_wait_for_the_cooldown() {
    on_both(|store| {
        store.insert_token("a", "aaaa", t0()).unwrap();
        store.insert_token("b", "bbbb", t0()).unwrap();
        let g = pending(&**store);
        let busy = claimed(store.claim_token(g, t0()).unwrap());
        let other = store
            .list_tokens()
            .unwrap()
            .into_iter()
            .find(|t| t.id != busy.id)
            .unwrap();
        store.set_cooldown(other.id, t0() + secs(20)).unwrap();
        let g2 = pending(&**store);
        assert_eq!(
            waited(store.claim_token(g2, t0()).unwrap()),
            (WaitCode::CoolingDown, Some(t0() + secs(20)))
        );
    });
}

#[test]
fn wait_reasons_read_as_sentences_and_serialize_in_snake_case() {
    let until = t0() + secs(130);
    assert_eq!(
        WaitReason::new(WaitCode::CoolingDown)
            .until(until)
            .english(&Utc),
        "Every token is cooling down after Replicate's rate limit; next try at 14:02:10"
    );
    assert!(
        WaitReason::new(WaitCode::NoTokens)
            .english(&Utc)
            .contains("add one")
    );
    assert!(
        WaitReason::new(WaitCode::AllDisabled)
            .english(&Utc)
            .contains("disabled")
    );
    assert!(
        WaitReason::new(WaitCode::AllBusy)
            .english(&Utc)
            .contains("waiting for one to finish")
    );
    assert_eq!(
        serde_json::to_string(&WaitCode::AllBusy).unwrap(),
        "\"all_busy\""
    );
    let wait = ClaimOutcome::Wait {
        reason: WaitCode::CoolingDown,
        until: Some(until),
        detail: None,
    };
    let v = serde_json::to_value(&wait).unwrap();
    assert_eq!(v["outcome"], "wait");
    assert_eq!(v["reason"], "cooling_down");
}

/// Claims every generation from `threads` threads at once; returns how many
/// generations each token got.
fn claim_concurrently(
    stores: Vec<Store>,
    gens: Vec<GenerationId>,
) -> HashMap<crate::model::TokenId, usize> {
    let barrier = Arc::new(Barrier::new(stores.len()));
    let chunks: Vec<Vec<GenerationId>> = (0..stores.len())
        .map(|i| gens.iter().copied().skip(i).step_by(stores.len()).collect())
        .collect();
    let handles: Vec<_> = stores
        .into_iter()
        .zip(chunks)
        .map(|(store, mine)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                mine.iter()
                    .filter_map(|g| store.claim_token(*g, t0()).unwrap().token().map(|t| t.id))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut per_token = HashMap::new();
    for h in handles {
        for t in h.join().unwrap() {
            *per_token.entry(t).or_insert(0) += 1;
        }
    }
    per_token
}

fn setup_pool(store: &Store) -> Vec<GenerationId> {
    for (i, cap) in [1u32, 2, 3].into_iter().enumerate() {
        let t = store.insert_token(&format!("t{i}"), "abcd", t0()).unwrap();
        store.set_max_concurrency(t.id, cap).unwrap();
    }
    let news: Vec<_> = (0..40).map(|i| new_gen(&format!("g{i}"))).collect();
    store
        .insert_generations(&news, t0())
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
}

fn assert_no_double_booking(store: &Store, per_token: &HashMap<crate::model::TokenId, usize>) {
    let tokens = store.list_tokens().unwrap();
    for t in &tokens {
        let got = per_token.get(&t.id).copied().unwrap_or(0);
        assert_eq!(got as u32, t.max_concurrency, "token {} got {got}", t.label);
        assert_eq!(t.in_flight, t.max_concurrency);
    }
    let holding = store.in_flight().unwrap().len();
    assert_eq!(holding, 6, "exactly the 6 slots are taken");
}

#[test]
fn concurrent_claims_from_threads_sharing_a_store_never_double_book() {
    let (_dir, store) = file_store();
    let gens = setup_pool(&store);
    let per_token = claim_concurrently(vec![store.clone(); 8], gens);
    assert_no_double_booking(&store, &per_token);
}

#[test]
fn concurrent_claims_from_separate_connections_never_double_book() {
    let (dir, store) = file_store();
    let gens = setup_pool(&store);
    let path = dir.path().join("data").join("genqueue.db");
    let stores: Vec<Store> = (0..6).map(|_| Store::open(&path).unwrap()).collect();
    let per_token = claim_concurrently(stores, gens);
    assert_no_double_booking(&store, &per_token);
}

/// `claim_next` takes the queue's next ready generation and claims a slot
/// for it: highest priority, then oldest; none while every slot is taken
/// or nothing is ready (a later `next_attempt_at`).
#[test]
fn claim_next_takes_the_next_ready_generation_while_a_slot_is_free() {
    on_both(|store| {
        let t = store.insert_token("a", "aaaa", t0()).unwrap();
        store.set_max_concurrency(t.id, 2).unwrap();
        let ids: Vec<GenerationId> = (0..4).map(|_| pending(&**store)).collect();
        store.update_generation(ids[2], |g| g.priority = 1).unwrap();
        store
            .update_generation(ids[0], |g| g.next_attempt_at = Some(t0() + secs(60)))
            .unwrap();
        let first = store.claim_next(t0(), None).unwrap().expect("a claim");
        assert_eq!((first.0, first.1.id), (ids[2], t.id), "priority first");
        let second = store.claim_next(t0(), None).unwrap().expect("a claim");
        assert_eq!(second.0, ids[1], "then the oldest ready one");
        assert!(
            store.claim_next(t0(), None).unwrap().is_none(),
            "no slot left"
        );
        assert_eq!(store.get_token(t.id).unwrap().unwrap().in_flight, 2);
        let g3 = store.get_generation(ids[3]).unwrap().unwrap();
        assert_eq!(g3.token_id, None, "a waiting claim writes nothing");
    });
}

/// Engines draining one team queue at once (one PostgreSQL database, a
/// store each) take different generations with `claim_next` and fill the
/// pool's slots exactly: a generation another engine is claiming is
/// skipped, not claimed twice.
#[test]
fn engines_taking_the_next_generation_at_once_take_different_ones() {
    let Some(url) = super::backends::pg_url() else {
        return;
    };
    let first = crate::store::PgStore::open(&url).unwrap();
    let mut caps = HashMap::new();
    for (i, cap) in [1u32, 2, 3].into_iter().enumerate() {
        let t = first.insert_token(&format!("t{i}"), "abcd", t0()).unwrap();
        first.set_max_concurrency(t.id, cap).unwrap();
        caps.insert(t.id, cap as usize);
    }
    let news: Vec<_> = (0..40).map(|i| new_gen(&format!("g{i}"))).collect();
    first.insert_generations(&news, t0()).unwrap();
    let engines = 6;
    let barrier = Arc::new(Barrier::new(engines));
    let handles: Vec<_> = (0..engines)
        .map(|_| {
            let (barrier, store) = (barrier.clone(), crate::store::PgStore::open(&url).unwrap());
            std::thread::spawn(move || {
                barrier.wait();
                let mut got = Vec::new();
                for _ in 0..4 {
                    got.extend(store.claim_next(t0(), None).unwrap());
                }
                got
            })
        })
        .collect();
    let mut claims: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    // A claim that found every token locked at that moment waited: fill up.
    while let Some(c) = first.claim_next(t0(), None).unwrap() {
        claims.push(c);
    }
    let distinct: std::collections::HashSet<_> = claims.iter().map(|c| c.0).collect();
    assert_eq!(
        distinct.len(),
        claims.len(),
        "a generation claimed twice: {claims:?}"
    );
    let mut per_token: HashMap<_, usize> = HashMap::new();
    for (_, t) in &claims {
        *per_token.entry(t.id).or_default() += 1;
    }
    assert_eq!(per_token, caps, "each token's slots, exactly");
    assert_eq!(first.in_flight().unwrap().len(), 6);
}
