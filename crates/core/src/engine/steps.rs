//! The lifecycle transitions as the engine's steps take them: thin names
//! over [`crate::queue::Queue::commit`], the one path that writes a
//! generation's state and announces it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{ErrorKind, GenerationId, TokenId};
use crate::store::{RequestOutcome, StepWrites};
use crate::wait::WaitReason;

pub(super) type Result<T> = std::result::Result<T, crate::queue::QueueError>;

/// [`crate::queue::Queue::commit`] for a generation this engine drives:
/// made under its lease (see [`commit_step`]).
pub(super) fn commit(s: &Arc<Shared>, id: GenerationId, t: Transition) -> Result<Transitioned> {
    commit_step(s, id, t, &StepWrites::none())
}

/// [`crate::queue::Queue::commit_step`] for a generation this engine
/// drives, carrying its lease's fence: on a store shared by engines the
/// step is refused ([`lease_lost`]) once another engine took the lease over.
pub(super) fn commit_step(
    s: &Arc<Shared>,
    id: GenerationId,
    t: Transition,
    w: &StepWrites,
) -> Result<Transitioned> {
    let res = s
        .queue
        .commit_step(id, t, &w.fenced(super::lease::fence(s, id)));
    if res.as_ref().is_err_and(lease_lost) {
        tracing::warn!(generation = %id, "write refused: another engine took this generation over (fence); stopping");
    }
    res
}

/// True when `e` is a write refused because another engine took the
/// generation over: its task stops at once, writing and sending nothing more.
pub(super) fn lease_lost(e: &crate::queue::QueueError) -> bool {
    matches!(
        e,
        crate::queue::QueueError::Store(crate::store::StoreError::LeaseLost { .. })
    )
}

/// Ends the generation as failed, with the reason.
pub(super) fn fail(
    s: &Arc<Shared>,
    id: GenerationId,
    kind: ErrorKind,
    detail: Option<String>,
) -> Result<()> {
    fail_with_status(s, id, kind, detail, None)
}

/// [`fail`], keeping Replicate's status (`failed`, `aborted`…).
pub(super) fn fail_with_status(
    s: &Arc<Shared>,
    id: GenerationId,
    kind: ErrorKind,
    detail: Option<String>,
    replicate_status: Option<String>,
) -> Result<()> {
    fail_step(s, id, kind, detail, replicate_status, &StepWrites::none())
}

/// [`fail_with_status`] with the rest of the step's writes `w` in the same
/// transaction.
pub(super) fn fail_step(
    s: &Arc<Shared>,
    id: GenerationId,
    kind: ErrorKind,
    detail: Option<String>,
    replicate_status: Option<String>,
    w: &StepWrites,
) -> Result<()> {
    commit_step(
        s,
        id,
        Transition::Fail {
            kind,
            detail,
            replicate_status,
        },
        w,
    )?;
    Ok(())
}

/// Back to the pending queue without a token (the slot frees).
pub(super) fn release(
    s: &Arc<Shared>,
    id: GenerationId,
    next_attempt_at: Option<DateTime<Utc>>,
    reason: Option<WaitReason>,
    undo_attempt: bool,
) -> Result<()> {
    commit(
        s,
        id,
        Transition::Release {
            next_attempt_at,
            reason,
            undo_attempt,
        },
    )?;
    Ok(())
}

/// Why it waits, shown to the user.
pub(super) fn set_wait_reason(s: &Arc<Shared>, id: GenerationId, reason: WaitReason) -> Result<()> {
    commit(
        s,
        id,
        Transition::Wait {
            reason: Some(reason),
        },
    )?;
    Ok(())
}

/// A successful answer's request, to count on `token_id` in the transaction
/// of the step that acts on the answer ([`crate::queue::Queue::commit_step`])
/// instead of in one of its own.
pub(super) fn answered(token_id: TokenId) -> StepWrites {
    StepWrites {
        request: Some((token_id, RequestOutcome::Ok)),
        spend: None,
        fence: None,
    }
}

/// Counts `w`'s request on its own when the step ends without a write to
/// carry it (nothing changed). The spend has no such path: only endings carry it.
pub(super) fn count_alone(s: &Arc<Shared>, w: &StepWrites) {
    if let Some((token, outcome)) = w.request {
        s.queue.record_request(token, outcome, s.queue.now());
    }
}

/// The transition that records prediction `p` (just created, or found in
/// the token's list while its create is held) as run with `token_id`.
pub(super) fn created(p: &crate::replicate::Prediction, token_id: TokenId) -> Transition {
    Transition::Created {
        prediction_id: p.id.clone(),
        token_id,
        replicate_status: p.status.as_str().to_owned(),
        started_at: p.started_at,
        progress: p.progress().map(|x| x.percent),
    }
}
