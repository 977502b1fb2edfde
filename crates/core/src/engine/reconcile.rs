//! A create whose outcome is unknown (its answer was lost, or the engine
//! stopped while it was on the wire): look for its prediction in the token's
//! own list before anything is created again (Replicate has no idempotency
//! key, shared/DESIGN.md).

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::schedule::jittered_backoff;
use super::steps::{Result, fail, release, set_wait_reason};
use super::tokens::{judge, wait_cooldown};
use chrono::{DateTime, Utc};

use crate::model::{ErrorKind, Generation, GenerationId, TokenId};
use crate::queue::Verdict;
use crate::replicate::{ApiError, Prediction};
use crate::secrets::Secret;
use crate::wait::{WaitCode, WaitReason};

/// How far back from `create_sent_at` a listed prediction may have been
/// created and still be ours (clock skew between us and Replicate).
const RECONCILE_SKEW: Duration = Duration::from_secs(120);
/// Pages of the token's prediction list read when reconciling.
const RECONCILE_PAGES: usize = 3;

/// Looks for the prediction a create with an unknown outcome may have made,
/// in the token's own list. Found: it is ours. Surely absent: back to the
/// queue with a backoff, or failed when the attempts are spent. Unsure (the
/// list itself fails): try again later, never create. `cause`: the error
/// the create got (`None` after a restart).
pub(super) async fn reconcile(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
    cause: Option<&ApiError>,
) -> Result<Option<Prediction>> {
    let sent = g.create_sent_at.unwrap_or(g.created_at);
    let settled = create_settled_at(s, sent);
    let since = sent - RECONCILE_SKEW;
    let until = settled + RECONCILE_SKEW;
    let mut failures = 0u32;
    let mut looks = 0u32;
    let mut candidates: Vec<Prediction>;
    'retry: loop {
        candidates = Vec::new();
        wait_for_siblings(s, g, token_id).await?;
        wait_cooldown(s, token_id).await?;
        let mut page: Option<String> = None;
        for _ in 0..RECONCILE_PAGES {
            let res = s
                .queue
                .client()
                .list_predictions(secret, page.as_deref())
                .await;
            let verdict = judge(s, token_id, &res)?;
            let p = match (res, verdict) {
                (Ok(p), _) => p,
                (Err(e), Some(Verdict::Disable { .. })) => {
                    fail(s, g.id, ErrorKind::CreateUnverifiable, Some(e.cause()))?;
                    return Ok(None);
                }
                (Err(e), _) => {
                    failures += 1;
                    let d =
                        jittered_backoff(s.config.retry_base, failures.min(6), s.config.retry_cap);
                    let at = s.queue.now() + d;
                    set_wait_reason(
                        s,
                        g.id,
                        WaitReason::new(WaitCode::CheckingCreate)
                            .detail(&e)
                            .until(at),
                    )?;
                    tokio::time::sleep(d).await;
                    continue 'retry;
                }
            };
            let mut older = false;
            for pred in p.results {
                let Some(created) = pred.created_at else {
                    continue;
                };
                if created < since {
                    older = true;
                    continue;
                }
                if created <= until
                    && could_be_ours(&pred, g)
                    && s.queue
                        .store()
                        .generation_by_prediction(&pred.id)?
                        .is_none()
                {
                    candidates.push(pred);
                }
            }
            match p.next {
                Some(next) if !older => page = Some(next),
                _ => break,
            }
        }
        if candidates.is_empty()
            && let Some(d) = next_landing_look(s, g.id, settled, &mut looks)?
        {
            tokio::time::sleep(d).await;
            continue 'retry;
        }
        break;
    }
    // The oldest match is the one closest to our create; one with our very
    // input before any whose data Replicate removed (those match by model
    // alone, and the list is read longer now while a create may still land).
    if let Some(pred) = candidates
        .into_iter()
        .min_by_key(|p| (!super::inputs::same_input(&p.input, &g.input), p.created_at))
    {
        tracing::info!(generation = %g.id, prediction = %pred.id, "found the prediction of a create whose answer was lost");
        return Ok(Some(pred));
    }
    // Surely not created.
    let now = s.queue.now();
    if g.attempts >= s.config.max_attempts {
        // No cause: the app stopped while sending the last one.
        fail(
            s,
            g.id,
            ErrorKind::RetriesExhausted,
            cause.map(ApiError::cause),
        )?;
    } else {
        let at = now + jittered_backoff(s.config.retry_base, g.attempts, s.config.retry_cap);
        let why = match cause {
            Some(e) => WaitReason::new(WaitCode::CreateFailed).detail(e),
            None => WaitReason::new(WaitCode::CreateInterrupted),
        };
        release(s, g.id, Some(at), Some(why.until(at)), false)?;
    }
    Ok(None)
}

/// When a create sent at `sent` can no longer be acted on: its own time
/// limit (the client has hung up by then) plus
/// [`super::EngineConfig::create_landing_margin`]: 105 s by default. Before
/// it, a list without the prediction proves nothing.
fn create_settled_at(s: &Arc<Shared>, sent: DateTime<Utc>) -> DateTime<Utc> {
    sent + s.queue.client().create_time_limit(s.config.create_wait) + s.config.create_landing_margin
}

/// The token's list did not show the prediction. Before `settled` that is
/// not conclusive: shows why the generation waits and returns how long to
/// sleep before the next look (a jittered backoff from `retry_base`, the last
/// look just past `settled`). `None`: the create can no longer be acted on.
/// A generation cancelled meanwhile is still watched (a prediction that
/// appears is cancelled on Replicate); the `Wait` transition's guard keeps
/// its reason off it.
fn next_landing_look(
    s: &Arc<Shared>,
    id: GenerationId,
    settled: DateTime<Utc>,
    looks: &mut u32,
) -> Result<Option<Duration>> {
    let now = s.queue.now();
    let Some(left) = (settled - now).to_std().ok().filter(|d| !d.is_zero()) else {
        return Ok(None);
    };
    *looks += 1;
    let d = jittered_backoff(s.config.retry_base, (*looks).min(6), s.config.retry_cap).min(left);
    set_wait_reason(
        s,
        id,
        WaitReason::new(WaitCode::CheckingCreate).until(now + d),
    )?;
    Ok(Some(d))
}

/// Whether a listed prediction may be the one our lost create made: same
/// model and same input — or, once Replicate removed its data (after an hour,
/// `input` then reads `{}`), same model alone: adopting it bills nothing
/// more, whereas creating again would bill twice.
fn could_be_ours(p: &Prediction, g: &Generation) -> bool {
    let removed = p.data_removed && p.input.as_object().is_none_or(|m| m.is_empty());
    model_matches(p, g) && (super::inputs::same_input(&p.input, &g.input) || removed)
}

/// Before reconciling, waits for the other creates on the same token with
/// the same model and input whose outcome is pending: those still awaiting
/// their answer (their prediction would look like ours), and those reconciling
/// that were sent earlier (they pick first). Without this, two generations
/// with one input could take one prediction between them.
async fn wait_for_siblings(s: &Arc<Shared>, g: &Generation, token_id: TokenId) -> Result<()> {
    let me = (g.create_sent_at, g.id);
    loop {
        let blocked = s.queue.store().in_flight()?.into_iter().any(|o| {
            o.id != g.id
                && o.token_id == Some(token_id)
                && o.create_sent_at.is_some()
                && o.model == g.model
                && o.input == g.input
                && (s.creating.lock().unwrap().contains(&o.id) || (o.create_sent_at, o.id) < me)
        });
        if !blocked {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn model_matches(p: &Prediction, g: &Generation) -> bool {
    match (&g.model.version, &p.version, &p.model) {
        (Some(v), Some(pv), _) => pv == v,
        (_, _, Some(m)) => *m == g.model_name,
        _ => true,
    }
}
