//! The create step: record it, send it, and decide from the answer.

use std::sync::Arc;

use super::Shared;
use super::reconcile;
use super::schedule::jittered_backoff;
use super::steps::{Result, answered, fail, release};
use super::tokens::{judge, pace_create, wait_cooldown};
use crate::lifecycle::Transition;
use crate::model::{ErrorKind, Generation, GenerationStatus, TokenId};
use crate::queue::{QueueError, Verdict};
use crate::replicate::{ApiError, CreatePrediction, Prediction};
use crate::secrets::Secret;
use crate::store::StepWrites;
use crate::wait::{WaitCode, WaitReason};

/// Sends the create, recording it first so a kill cannot lose track of it.
/// `None`: the generation went back to the queue or ended. With the
/// prediction comes what its step must write besides the transition: a
/// successful create is counted on its token when it is adopted, in the
/// same transaction ([`super::steps::answered`]).
pub(super) async fn create(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
) -> Result<Option<(Prediction, StepWrites)>> {
    wait_cooldown(s, token_id).await?;
    // The input files go with this token's account, before the create.
    let Some(input) = super::inputs::wire_input(s, g, token_id, secret).await? else {
        return Ok(None);
    };
    pace_create(s, token_id).await;
    let sent = super::steps::commit(s, g.id, Transition::CreateSent)?;
    if !sent.applied || sent.row.status != GenerationStatus::Pending {
        return Ok(None); // cancelled before we sent anything
    }
    let g = sent.row;
    if stalled_before_sending(s, &g) {
        // Nothing went out: give it back (fenced, so a lease lost meanwhile
        // stops this task instead) and let the dispatcher send it afresh.
        release(s, g.id, None, None, true)?;
        return Ok(None);
    }
    let req = CreatePrediction {
        model: g.model.clone(),
        input,
        wait: s.config.create_wait,
        cancel_after: g
            .deadlines
            .run_deadline_secs
            .map(|s| std::time::Duration::from_secs(s.into())),
    };
    s.creating.lock().unwrap().insert(g.id);
    let held = s.queue.client().create_prediction(secret, &req);
    let res = super::peek::while_held(s, &g, token_id, secret, held).await;
    s.creating.lock().unwrap().remove(&g.id);
    let verdict = match &res {
        Ok(_) => None, // counted when adopted
        Err(_) => judge(s, token_id, &res)?,
    };
    match (res, verdict) {
        (Ok(p), _) => Ok(Some((p, answered(token_id)))),
        (Err(e), Some(v)) => Ok(on_create_error(s, &g, token_id, secret, e, v)
            .await?
            .map(|p| (p, StepWrites::none()))),
        (Err(e), None) => Err(e.into()),
    }
}

/// Whether this process stalled between recording the create
/// (`create_sent_at`) and sending it for longer than half of
/// [`super::EngineConfig::create_landing_margin`] (the machine slept, the
/// process was stopped, the database answered very late). Sending it now
/// could land after the moment past which every engine takes "not in the
/// token's list" as "never made" (`reconcile::create_settled_at`): another
/// engine that took the generation over meanwhile may have created it
/// again, and this one would be billed twice. The stamp and the check
/// read this engine's own clock.
fn stalled_before_sending(s: &Shared, g: &Generation) -> bool {
    let Some(stamped) = g.create_sent_at else {
        return false;
    };
    let late = s.queue.now() - stamped;
    let stalled =
        late > chrono::Duration::from_std(s.config.create_landing_margin / 2).unwrap_or_default();
    if stalled {
        tracing::warn!(
            generation = %g.id,
            late_ms = late.num_milliseconds(),
            "stalled between recording a create and sending it; not sending it now"
        );
    }
    stalled
}

/// What a failed create means for its generation, from the token rules'
/// verdict: nothing was made (another token, or later), it may have been
/// made (reconcile), or it never will be (fail).
async fn on_create_error(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
    e: ApiError,
    v: Verdict,
) -> Result<Option<Prediction>> {
    match v {
        // The token is out (disabled or cooling down): another one takes it.
        Verdict::Disable { .. } | Verdict::CoolDown { .. } => {
            release(s, g.id, None, None, true)?;
            Ok(None)
        }
        Verdict::Rejected { detail } => {
            fail(s, g.id, ErrorKind::InputRejected, Some(detail))?;
            Ok(None)
        }
        Verdict::NotFound => {
            fail(s, g.id, ErrorKind::ModelNotFound, Some(e.cause()))?;
            Ok(None)
        }
        Verdict::NotSent => {
            // Never reached the server: nothing was created, nothing billed.
            let at = s.queue.now()
                + jittered_backoff(s.config.retry_base, g.attempts, s.config.retry_cap);
            release(
                s,
                g.id,
                Some(at),
                Some(WaitReason::new(WaitCode::Unreachable).detail(&e).until(at)),
                true,
            )?;
            Ok(None)
        }
        Verdict::MaybeActed => {
            // The prediction may exist: look before creating again.
            tokio::time::sleep(s.config.reconcile_grace).await;
            let g = s
                .queue
                .store()
                .get_generation(g.id)?
                .ok_or(QueueError::GenerationNotFound(g.id))?;
            reconcile::reconcile(s, &g, token_id, secret, Some(&e)).await
        }
        Verdict::Other => {
            fail(s, g.id, ErrorKind::CreateFailed, Some(e.cause()))?;
            Ok(None)
        }
    }
}
