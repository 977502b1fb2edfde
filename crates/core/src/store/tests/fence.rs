//! Fencing (`store/lease.rs`): a step written under a lease that another
//! engine has since taken over is refused on PostgreSQL, inside its own
//! transaction, and nothing of it is kept (not the transition, not the
//! request counted on the token, not the cost); the holder's own writes go
//! through on both stores.

use super::backends::{Backend, pg_url};
use super::{new_gen, on_both, secs, t0};
use crate::lifecycle::Transition;
use crate::model::{GenerationId, GenerationStatus as S, TokenId};
use crate::spend::Usd;
use crate::store::{
    Fence, FinalSpend, Lease, PgStore, QueueStore, RequestOutcome, StepWrites, StoreError,
};

/// A generation processing on a fresh token, as the engine leaves it after the create.
fn processing(store: &dyn QueueStore) -> (GenerationId, TokenId) {
    let t = store.insert_token("a", "aaaa", t0()).unwrap();
    let g = store.insert_generations(&[new_gen("p")], t0()).unwrap()[0].id;
    store.claim_token(g, t0()).unwrap();
    store.transition(g, &Transition::CreateSent, t0()).unwrap();
    let created = Transition::Created {
        prediction_id: "p1".into(),
        token_id: t.id,
        replicate_status: "processing".into(),
        started_at: Some(t0()),
        progress: None,
    };
    assert!(store.transition(g, &created, t0()).unwrap().applied);
    (g, t.id)
}

/// The ending step of `id` (its read counted, its cost, `Complete`) under `fence`.
fn ending(id: GenerationId, token: TokenId, fence: Fence) -> (Transition, StepWrites) {
    let t = Transition::Complete {
        files: vec!["outputs/x/out-0.webp".into()],
        urls: vec![],
        replicate_status: "succeeded".into(),
        started_at: Some(t0()),
    };
    let w = StepWrites {
        request: Some((token, RequestOutcome::Ok)),
        spend: Some(FinalSpend {
            generation_id: id,
            model_name: "black-forest-labs/flux-schnell".into(),
            cost: Some(Usd(3_000)),
            parts: vec![],
            predict_ms: Some(1_200),
            token_id: Some(token),
            charged_at: t0() + secs(5),
        }),
        fence: None,
    };
    (t, w.fenced(fence))
}

fn taken(l: Lease) -> i64 {
    match l {
        Lease::Taken { fence } => fence,
        Lease::Held { .. } => panic!("the lease is free or expired: taken"),
    }
}

#[test]
fn a_step_under_a_lease_taken_over_is_refused_and_writes_nothing() {
    let Some(url) = pg_url() else { return };
    let store = PgStore::open(&url).unwrap();
    let (id, token) = processing(&store);
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let fa = taken(store.take_lease(id, a, t0() + secs(30), t0()).unwrap());
    // A sleeps past its lease (SIGSTOP, a closed laptop); B takes it over.
    let fb = taken(
        store
            .take_lease(id, b, t0() + secs(90), t0() + secs(31))
            .unwrap(),
    );
    assert_eq!(fb, fa + 1);

    let stale = Fence {
        engine: a,
        fence: fa,
    };
    let (t, w) = ending(id, token, stale);
    let err = store.write_step(id, &t, &w, t0() + secs(40)).unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    // Neither A's id with B's fence nor B's id with A's fence passes.
    for f in [
        Fence {
            engine: a,
            fence: fb,
        },
        Fence {
            engine: b,
            fence: fa,
        },
    ] {
        let (t, w) = ending(id, token, f);
        let err = store.write_step(id, &t, &w, t0() + secs(40)).unwrap_err();
        assert!(
            matches!(err, StoreError::LeaseLost { .. }),
            "{f:?}: {err:?}"
        );
    }
    let row = store.get_generation(id).unwrap().unwrap();
    assert_eq!(
        row.status,
        S::Processing,
        "the refused ending was not written"
    );
    assert!(row.output_files.is_empty());
    assert_eq!(store.get_token(token).unwrap().unwrap().request_count, 0);
    assert!(
        store
            .spend_of(&[id])
            .unwrap()
            .iter()
            .all(|s| s.final_cost.is_none()),
        "no cost recorded"
    );

    // B, the holder, ends it.
    let (t, w) = ending(
        id,
        token,
        Fence {
            engine: b,
            fence: fb,
        },
    );
    let done = store.write_step(id, &t, &w, t0() + secs(41)).unwrap();
    assert!(done.transition.applied && done.transition.ended);
    assert_eq!(store.get_token(token).unwrap().unwrap().request_count, 1);
}

#[test]
fn a_step_under_no_lease_or_a_released_one_is_refused() {
    let Some(url) = pg_url() else { return };
    let store = PgStore::open(&url).unwrap();
    let (id, token) = processing(&store);
    let a = uuid::Uuid::new_v4();
    let (t, w) = ending(
        id,
        token,
        Fence {
            engine: a,
            fence: 0,
        },
    );
    let err = store.write_step(id, &t, &w, t0()).unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    let fa = taken(store.take_lease(id, a, t0() + secs(30), t0()).unwrap());
    store.release_lease(id, a).unwrap();
    let (t, w) = ending(
        id,
        token,
        Fence {
            engine: a,
            fence: fa,
        },
    );
    let err = store.write_step(id, &t, &w, t0()).unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err:?}");
    assert_eq!(
        store.get_generation(id).unwrap().unwrap().status,
        S::Processing
    );
    // A generation deleted meanwhile is gone, not "taken over".
    store.delete_generation(id).unwrap();
    let err = store.write_step(id, &t, &w, t0()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

#[test]
fn the_lease_holders_step_is_written_on_both_stores() {
    on_both(|store: &Backend| {
        let (id, token) = processing(&**store);
        let e = uuid::Uuid::new_v4();
        let fence = taken(store.take_lease(id, e, t0() + secs(30), t0()).unwrap());
        // Renewing keeps the fence: a step after a renewal still passes.
        store.renew_leases(e, &[id], t0() + secs(60)).unwrap();
        let (t, w) = ending(id, token, Fence { engine: e, fence });
        let done = store.write_step(id, &t, &w, t0() + secs(6)).unwrap();
        assert!(done.transition.applied && done.transition.ended);
        assert_eq!(store.get_token(token).unwrap().unwrap().request_count, 1);
    });
}
