//! A prediction a generation gave up (interrupted, queued again) stays
//! taken: a later reconcile must not adopt it (`Store::prediction_taken`).

use super::{new_gen, on_both, secs, t0};
use crate::lifecycle::Transition;
use crate::model::GenerationStatus as S;
use crate::wait::{WaitCode, WaitReason};

#[test]
fn a_requeued_generation_keeps_its_interrupted_prediction_taken() {
    on_both(|store| {
        let t = store.insert_token("a", "aaaa", t0()).unwrap();
        let g = store.insert_generation(&new_gen("p"), t0()).unwrap();
        let created = |id: &str| Transition::Created {
            prediction_id: id.into(),
            token_id: t.id,
            replicate_status: "starting".into(),
            started_at: None,
            progress: None,
        };
        store.claim_token(g.id, t0()).unwrap();
        store
            .transition(g.id, &Transition::CreateSent, t0())
            .unwrap();
        store.transition(g.id, &created("p1"), t0()).unwrap();
        assert!(store.prediction_taken("p1").unwrap(), "held");
        assert!(!store.prediction_taken("p2").unwrap(), "nobody's yet");
        let requeue = Transition::Requeue {
            next_attempt_at: t0() + secs(1),
            reason: WaitReason::new(WaitCode::Interrupted),
            replicate_status: "failed".into(),
        };
        let row = store
            .transition(g.id, &requeue, t0() + secs(1))
            .unwrap()
            .row;
        assert_eq!((row.status, row.prediction_id), (S::Pending, None));
        assert!(
            store.prediction_taken("p1").unwrap(),
            "given up, still taken"
        );
        store.claim_token(g.id, t0() + secs(2)).unwrap();
        store
            .transition(g.id, &Transition::CreateSent, t0() + secs(2))
            .unwrap();
        store
            .transition(g.id, &created("p2"), t0() + secs(2))
            .unwrap();
        assert!(store.prediction_taken("p1").unwrap());
        assert!(store.prediction_taken("p2").unwrap());
        // Deleting the generation does not free the one it gave up.
        store.delete_generation(g.id).unwrap();
        assert!(store.prediction_taken("p1").unwrap());
    });
}
