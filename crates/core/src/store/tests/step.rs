//! One engine step's writes in one transaction (`Store::write_step`): the
//! request counted on its token, the ended prediction's cost and the
//! transition commit together or not at all, on both stores.

use super::backends::Backend;
use super::{new_gen, on_both, secs, t0};
use crate::lifecycle::Transition;
use crate::model::{GenerationId, GenerationStatus as S, TokenId};
use crate::spend::Usd;
use crate::store::{FinalSpend, RequestOutcome, StepWrites, StoreError};

fn cost_of(id: GenerationId, token: TokenId) -> FinalSpend {
    FinalSpend {
        generation_id: id,
        model_name: "black-forest-labs/flux-schnell".into(),
        cost: Some(Usd(3_000)),
        parts: vec![],
        predict_ms: Some(1_200),
        token_id: Some(token),
        charged_at: t0() + secs(5),
    }
}

/// A generation processing on a fresh token, as the engine leaves it after the create.
fn processing(store: &Backend) -> (GenerationId, TokenId) {
    let t = store.insert_token("a", "aaaa", t0()).unwrap();
    let g = store.insert_generation(&new_gen("p"), t0()).unwrap();
    store.claim_token(g.id, t0()).unwrap();
    store
        .transition(g.id, &Transition::CreateSent, t0())
        .unwrap();
    let created = Transition::Created {
        prediction_id: "p1".into(),
        token_id: t.id,
        replicate_status: "processing".into(),
        started_at: Some(t0()),
        progress: None,
    };
    assert!(store.transition(g.id, &created, t0()).unwrap().applied);
    (g.id, t.id)
}

fn complete() -> Transition {
    Transition::Complete {
        files: vec!["outputs/x/out-0.webp".into()],
        urls: vec![],
        replicate_status: "succeeded".into(),
        started_at: Some(t0()),
    }
}

#[test]
fn an_ending_step_counts_its_read_records_its_cost_and_ends_the_row() {
    on_both(|store| {
        let (id, token) = processing(store);
        let w = StepWrites {
            request: Some((token, RequestOutcome::Ok)),
            spend: Some(cost_of(id, token)),
            fence: None,
        };
        let done = store
            .write_step(id, &complete(), &w, t0() + secs(6))
            .unwrap();
        assert!(done.transition.applied && done.transition.ended);
        assert_eq!(done.transition.row.status, S::Completed);
        let t = done.token.expect("the counted token comes back");
        assert_eq!((t.request_count, t.error_count), (1, 0));
        assert_eq!(store.get_token(token).unwrap().unwrap().request_count, 1);
        let spend = store.spend_of(&[id]).unwrap();
        assert_eq!(spend.len(), 1);
        assert!(spend[0].ended);
        assert_eq!(spend[0].final_cost, Some(Usd(3_000)));
    });
}

#[test]
fn a_step_that_fails_in_its_transition_writes_neither_the_count_nor_the_cost() {
    on_both(|store| {
        let (_, token) = processing(store);
        // The transition runs last and fails (no such generation): the request
        // count and the spend row written before it in the same transaction are
        // rolled back with it.
        let gone = GenerationId::new();
        let w = StepWrites {
            request: Some((token, RequestOutcome::Error)),
            spend: Some(cost_of(gone, token)),
            fence: None,
        };
        let err = store
            .write_step(gone, &complete(), &w, t0() + secs(6))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let t = store.get_token(token).unwrap().unwrap();
        assert_eq!((t.request_count, t.error_count), (0, 0));
        assert!(store.spend_of(&[gone]).unwrap().is_empty());
    });
}

#[test]
fn a_refused_transition_still_counts_the_request_and_records_the_cost() {
    on_both(|store| {
        let (id, token) = processing(store);
        // Cancelled by the user while the last read was on the wire.
        store
            .transition(
                id,
                &Transition::Cancel {
                    replicate_status: None,
                },
                t0() + secs(1),
            )
            .unwrap();
        let w = StepWrites {
            request: Some((token, RequestOutcome::Ok)),
            spend: Some(cost_of(id, token)),
            fence: None,
        };
        let done = store
            .write_step(id, &complete(), &w, t0() + secs(6))
            .unwrap();
        assert!(!done.transition.applied);
        assert_eq!(done.transition.row.status, S::Cancelled);
        assert_eq!(done.token.unwrap().request_count, 1);
        // The prediction ran and was billed either way.
        assert!(store.spend_of(&[id]).unwrap()[0].ended);
    });
}

#[test]
fn a_step_whose_token_was_removed_still_writes_its_transition() {
    on_both(|store| {
        let (id, token) = processing(store);
        store.remove_token(token).unwrap();
        let w = StepWrites {
            request: Some((token, RequestOutcome::Ok)),
            spend: None,
            fence: None,
        };
        let done = store
            .write_step(id, &complete(), &w, t0() + secs(6))
            .unwrap();
        assert!(done.token.is_none());
        assert_eq!(done.transition.row.status, S::Completed);
    });
}

#[test]
fn a_step_with_nothing_besides_is_the_plain_transition() {
    on_both(|store| {
        let (id, token) = processing(store);
        let done = store
            .write_step(id, &complete(), &StepWrites::none(), t0() + secs(6))
            .unwrap();
        assert!(done.token.is_none() && done.transition.ended);
        assert_eq!(store.get_token(token).unwrap().unwrap().request_count, 0);
        assert!(store.spend_of(&[id]).unwrap().is_empty());
    });
}
