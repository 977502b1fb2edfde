//! The engine's side of a generation's deadlines ([`crate::deadlines`]):
//! the time-to-start deadline it keeps itself, and what Replicate's
//! `Cancel-After` endings mean for the generation.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::steps::{Result, fail_with_status};
use super::tokens::judge;
use crate::deadlines::{self, DEFAULT_START_DEADLINE};
use crate::model::{ErrorKind, Generation};
use crate::replicate::{Prediction, PredictionStatus};
use crate::secrets::Secret;

/// The time-to-start deadline of `g`: its own, else the setting.
pub(super) fn start_limit(s: &Arc<Shared>, g: &Generation) -> Duration {
    match g.deadlines.start_deadline_secs {
        Some(secs) => Duration::from_secs(secs.into()),
        None => s
            .queue
            .store()
            .settings()
            .map(|st| st.start_deadline())
            .unwrap_or(DEFAULT_START_DEADLINE),
    }
}

/// How long until `g`'s prediction, still `starting`, passes its
/// time-to-start deadline (zero once passed). Counted on the queue's clock
/// from `g.started_at`, which holds the time the prediction was recorded
/// until Replicate reports its own `started_at` (see
/// [`crate::lifecycle::Transition::Created`]).
pub(super) fn until_start_deadline(s: &Arc<Shared>, g: &Generation, limit: Duration) -> Duration {
    let Some(since) = g.started_at else {
        return limit;
    };
    let waited = (s.queue.now() - since).to_std().unwrap_or_default();
    limit.saturating_sub(waited)
}

/// Ends `g` if its prediction `p` is still `starting` past the time-to-start
/// deadline: cancelled on Replicate with `g`'s own token (`secret`), then
/// failed with [`ErrorKind::StartTimeout`]. Returns whether it ended; a
/// cancel that did not get through is tried again at the next read.
pub(super) async fn enforce_start(
    s: &Arc<Shared>,
    g: &Generation,
    p: &Prediction,
    secret: &Secret,
) -> Result<bool> {
    if p.status != PredictionStatus::Starting {
        return Ok(false);
    }
    let limit = start_limit(s, g);
    if !until_start_deadline(s, g, limit).is_zero() {
        return Ok(false);
    }
    let Some(token_id) = g.token_id else {
        return Ok(false);
    };
    // A cancel cannot be taken back: only while this engine still holds
    // the lease (it may have slept past it; the new holder decides then).
    super::lease::still_held(s, g.id)?;
    let res = s.queue.client().cancel_prediction(secret, &p.id).await;
    judge(s, token_id, &res)?;
    let answer = match res {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(generation = %g.id, error = %e, "could not cancel a prediction past its time-to-start deadline; trying again");
            return Ok(false);
        }
    };
    let billed = answer.started_at.is_some();
    tracing::info!(generation = %g.id, limit = ?limit, "time-to-start deadline passed; prediction cancelled");
    let kind = if billed {
        ErrorKind::StartTimeoutBilled
    } else {
        ErrorKind::StartTimeout
    };
    fail_with_status(
        s,
        g.id,
        kind,
        Some(deadlines::human(limit)),
        Some(answer.status.as_str().to_owned()),
    )?;
    Ok(true)
}

/// Whether Replicate's `canceled` on `p` is its run deadline (`Cancel-After`)
/// rather than a cancel by someone: `g` has a run deadline and the
/// prediction ended at or after it, by Replicate's own clock.
pub(super) fn run_deadline_passed(g: &Generation, p: &Prediction) -> Option<Duration> {
    let limit = Duration::from_secs(g.deadlines.run_deadline_secs?.into());
    let (created, ended) = (p.created_at?, p.completed_at?);
    let ran = (ended - created).to_std().ok()?;
    // Replicate's timestamps are rounded; a second's slack.
    (ran + Duration::from_secs(1) >= limit).then_some(limit)
}
