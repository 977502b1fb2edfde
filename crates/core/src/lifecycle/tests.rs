//! The lifecycle's guards, on rows of a real SQLite file, time passed in.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::{Transition, Transitioned};
use crate::model::{ErrorKind, GenerationId, GenerationStatus, ModelRef, NewGeneration, TokenId};
use crate::store::Store;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 14, 0, 0).unwrap()
}

fn store() -> (tempfile::TempDir, Store, TokenId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("genqueue.db")).unwrap();
    let token = store.insert_token("t", "abcd", t0()).unwrap();
    (dir, store, token.id)
}

fn queued(store: &Store) -> GenerationId {
    let new = NewGeneration {
        creator: Default::default(),
        model: "black-forest-labs/flux-schnell"
            .parse::<ModelRef>()
            .unwrap(),
        prompt: "a lighthouse".into(),
        input: json!({"prompt": "a lighthouse"}),
        priority: 0,
        batch_id: None,
        retried_from: None,
        deadlines: Default::default(),
    };
    store.insert_generations(&[new], t0()).unwrap()[0].id
}

fn created(token_id: TokenId) -> Transition {
    Transition::Created {
        prediction_id: "p1".into(),
        token_id,
        replicate_status: "starting".into(),
        started_at: None,
        progress: None,
    }
}

fn fail() -> Transition {
    Transition::Fail {
        kind: ErrorKind::ModelFailed,
        detail: Some("out of memory".into()),
        replicate_status: Some("failed".into()),
    }
}

fn complete() -> Transition {
    Transition::Complete {
        files: vec!["outputs/x/0.png".into()],
        urls: vec![],
        replicate_status: "succeeded".into(),
        started_at: None,
    }
}

fn step(store: &Store, id: GenerationId, t: Transition, secs: i64) -> Transitioned {
    store
        .transition(id, &t, t0() + chrono::Duration::seconds(secs))
        .unwrap()
}

#[test]
fn a_generation_runs_from_pending_to_completed_and_ends_once() {
    let (_d, store, token) = store();
    let id = queued(&store);
    store.claim_token(id, t0()).unwrap();
    let sent = step(&store, id, Transition::CreateSent, 1);
    assert!(sent.applied && !sent.ended);
    assert_eq!(sent.row.attempts, 1);
    assert_eq!(
        sent.row.create_sent_at,
        Some(t0() + chrono::Duration::seconds(1))
    );
    let run = step(&store, id, created(token), 2);
    assert_eq!(run.row.status, GenerationStatus::Processing);
    assert_eq!(run.row.prediction_id.as_deref(), Some("p1"));
    assert_eq!(run.row.create_sent_at, None);
    let done = step(&store, id, complete(), 9);
    assert!(done.ended);
    assert_eq!(done.row.status, GenerationStatus::Completed);
    assert_eq!(
        done.row.completed_at,
        Some(t0() + chrono::Duration::seconds(9))
    );
    assert_eq!(done.row.progress, Some(100));
    // A second ending of any kind is refused and writes nothing.
    for t in [complete(), fail()] {
        let again = step(&store, id, t, 10);
        assert!(!again.applied && !again.ended && !again.changed);
        assert_eq!(again.row, done.row);
    }
    let cancel = step(
        &store,
        id,
        Transition::Cancel {
            replicate_status: None,
        },
        11,
    );
    assert!(!cancel.ended && !cancel.changed);
    assert_eq!(cancel.row.status, GenerationStatus::Completed);
}

#[test]
fn progress_and_completion_need_a_processing_generation() {
    let (_d, store, _token) = store();
    let id = queued(&store);
    let progress = Transition::Progress {
        progress: Some(40),
        replicate_status: "processing".into(),
        started_at: None,
    };
    assert!(!step(&store, id, progress, 1).applied);
    assert!(!step(&store, id, complete(), 1).applied);
    let row = store.get_generation(id).unwrap().unwrap();
    assert_eq!(row.status, GenerationStatus::Pending);
    assert_eq!(row.progress, None);
}

#[test]
fn a_release_frees_the_slot_and_can_undo_the_attempt() {
    let (_d, store, _token) = store();
    let id = queued(&store);
    store.claim_token(id, t0()).unwrap();
    step(&store, id, Transition::CreateSent, 1);
    let later = t0() + chrono::Duration::seconds(30);
    let r = step(
        &store,
        id,
        Transition::Release {
            next_attempt_at: Some(later),
            reason: Some(
                crate::wait::WaitReason::new(crate::wait::WaitCode::CoolingDown).until(later),
            ),
            undo_attempt: true,
        },
        2,
    );
    assert_eq!(r.row.token_id, None);
    assert_eq!(r.row.create_sent_at, None);
    assert_eq!(r.row.attempts, 0);
    assert_eq!(r.row.next_attempt_at, Some(later));
    assert_eq!(store.in_flight().unwrap().len(), 0, "the slot is free");
}

#[test]
fn a_create_answered_after_the_user_cancelled_keeps_the_cancel_and_the_prediction() {
    let (_d, store, token) = store();
    let id = queued(&store);
    store.claim_token(id, t0()).unwrap();
    step(&store, id, Transition::CreateSent, 1);
    let c = step(
        &store,
        id,
        Transition::Cancel {
            replicate_status: None,
        },
        2,
    );
    assert!(c.ended);
    let late = step(&store, id, created(token), 3);
    assert_eq!(late.row.status, GenerationStatus::Cancelled);
    assert!(!late.ended, "an ended generation does not end again");
    assert_eq!(
        late.row.prediction_id.as_deref(),
        Some("p1"),
        "kept, so the prediction can be cancelled on Replicate"
    );
}

#[test]
fn an_interrupted_prediction_is_queued_again_without_its_token() {
    let (_d, store, token) = store();
    let id = queued(&store);
    store.claim_token(id, t0()).unwrap();
    step(&store, id, Transition::CreateSent, 1);
    step(&store, id, created(token), 2);
    let at = t0() + chrono::Duration::seconds(60);
    let r = step(
        &store,
        id,
        Transition::Requeue {
            next_attempt_at: at,
            reason: crate::wait::WaitReason::new(crate::wait::WaitCode::Interrupted).until(at),
            replicate_status: "failed".into(),
        },
        3,
    );
    assert_eq!(r.row.status, GenerationStatus::Pending);
    assert_eq!((r.row.prediction_id, r.row.token_id), (None, None));
    assert_eq!(r.row.next_attempt_at, Some(at));
    assert!(!r.ended);
}
