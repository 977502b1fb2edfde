//! Following a prediction: adopt it (the generation becomes `processing`),
//! then read it on the schedule until it ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Shared;
use super::finish::finish;
use super::schedule::{Observation, jittered_backoff};
use super::steps::{Result, answered, count_alone, fail};
use super::stream::Wake;
use super::tokens::{judge, wait_cooldown};
use crate::lifecycle::Transition;
use crate::model::{ErrorKind, Generation, GenerationId, GenerationStatus, TokenId};
use crate::queue::Verdict;
use crate::replicate::{OutputRef, Prediction, PredictionStatus};
use crate::secrets::Secret;
use crate::store::StepWrites;

/// Consecutive failed status reads before a generation is given up.
const MAX_READ_FAILURES: u32 = 30;

/// Stores the prediction's id: from now on the generation is `processing`
/// and owned by `token_id`, with `w` (the create's request) in the same
/// transaction. A generation cancelled meanwhile gets its prediction
/// cancelled on Replicate. `None`: nothing more to do.
pub(super) async fn adopt(
    s: &Arc<Shared>,
    id: GenerationId,
    p: &Prediction,
    token_id: TokenId,
    secret: &Secret,
    w: &StepWrites,
) -> Result<Option<Generation>> {
    let done = match super::steps::commit_step(s, id, super::steps::created(p, token_id), w) {
        Ok(done) => done,
        Err(e) if super::steps::lease_lost(&e) => {
            // Another engine drives it now. If it holds another prediction,
            // this one (sent late: a stall) would run and be billed for
            // nothing: cancel it. With none yet, that engine's reconcile
            // adopts this one through the list: leave it.
            if let Ok(Some(g)) = s.queue.store().get_generation(id) {
                cancel_orphan(s, &g, p, token_id, secret).await;
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let g = done.row;
    // Adopted already while the create was held (engine/peek.rs).
    let adopted = done.applied || g.prediction_id.as_deref() == Some(p.id.as_str());
    if !adopted || g.status != GenerationStatus::Processing {
        s.streams.take(id);
    }
    if g.status == GenerationStatus::Cancelled {
        if !p.status.is_terminal() {
            let res = s.queue.client().cancel_prediction(secret, &p.id).await;
            judge(s, token_id, &res)?;
        }
        return Ok(None);
    }
    if !adopted {
        cancel_orphan(s, &g, p, token_id, secret).await;
    }
    if !adopted || g.status != GenerationStatus::Processing {
        return Ok(None);
    }
    Ok(Some(g))
}

/// Cancels prediction `p`, made for generation `g` but not adopted: `g`
/// holds another prediction now, so `p` would run and be billed for
/// nothing. Left alone when `g` holds none (it may still adopt `p`) or `p`
/// has ended. Errors are logged: the prediction then runs to its end.
async fn cancel_orphan(
    s: &Arc<Shared>,
    g: &Generation,
    p: &Prediction,
    token_id: TokenId,
    secret: &Secret,
) {
    let holds_another = g
        .prediction_id
        .as_deref()
        .is_some_and(|other| other != p.id);
    if !holds_another || p.status.is_terminal() {
        return;
    }
    tracing::warn!(generation = %g.id, prediction = %p.id, "a prediction made for a generation that holds another; cancelling it");
    let res = s.queue.client().cancel_prediction(secret, &p.id).await;
    if let Err(e) = judge(s, token_id, &res) {
        tracing::warn!(prediction = %p.id, error = %e, "could not cancel an orphaned prediction");
    } else if let Err(e) = &res {
        tracing::warn!(prediction = %p.id, error = %e, "could not cancel an orphaned prediction");
    }
}

/// Reads the prediction on the schedule until it is terminal.
///
/// `last` is the create's answer when it just came: with `Prefer: wait` it
/// often says `processing` while already carrying the output, so the
/// prediction has ended and the first read goes at once. Its inline (`data:`)
/// outputs are kept and saved instead of downloading the same files again.
pub(super) async fn follow(
    s: &Arc<Shared>,
    g: &Generation,
    last: Option<Prediction>,
    token_id: TokenId,
    secret: &Secret,
) -> Result<()> {
    let Some(pid) = g.prediction_id.clone() else {
        return Ok(());
    };
    // Elapsed running time counts from Replicate's `started_at` when known.
    let started = {
        let since_start = last
            .as_ref()
            .and_then(|p| p.started_at)
            .or(g.started_at)
            .and_then(|t| (s.queue.now() - t).to_std().ok())
            .unwrap_or_default();
        Instant::now()
            .checked_sub(since_start)
            .unwrap_or_else(Instant::now)
    };
    let output_ready = last.as_ref().is_some_and(|p| !p.output.is_null());
    let mut inline: Vec<OutputRef> = last
        .as_ref()
        .map(|p| p.outputs())
        .filter(|o| !o.is_empty() && o.iter().all(|o| matches!(o, OutputRef::Data { .. })))
        .unwrap_or_default();
    let mut obs = Observation::default();
    let mut last_progress: Option<(Instant, u8)> = None;
    let mut first = true;
    let mut failures = 0u32;
    // The prediction's stream, while one is open: reads come when it says
    // the prediction ended (or every `streams.check`), else on the schedule.
    let mut live = s.streams.take(g.id).unwrap_or_default();
    if let Some(p) = &last {
        live.open(s, g.id, p);
    }
    loop {
        obs.elapsed = started.elapsed();
        obs.expected = s.run_times.lock().unwrap().median(&g.model_name);
        let delay = if first && output_ready {
            Duration::ZERO
        } else if first
            && g.replicate_status.as_deref() == Some("processing")
            && obs.expected.is_none()
        {
            s.config.schedule.first
        } else {
            s.config.schedule.next_delay(&obs)
        };
        first = false;
        let mut wait = live.gap(s, delay);
        // A prediction still starting is read again by its time-to-start
        // deadline, stream or not.
        if obs.starting {
            let limit = super::deadline::start_limit(s, g);
            let row = s.queue.store().get_generation(g.id)?;
            let left = row.map_or(limit, |r| {
                super::deadline::until_start_deadline(s, &r, limit)
            });
            wait = wait.min(left);
        }
        if live.sleep(wait).await == Wake::Broken {
            continue; // back to the schedule, from now
        }
        wait_cooldown(s, token_id).await?;
        // Cancelled (by this process or another), deleted, or ended by an
        // engine that took it over: stop following.
        let row = match s.queue.store().get_generation(g.id)? {
            Some(row) if row.status == GenerationStatus::Processing => row,
            row => {
                if let Some(r) = &row
                    && r.status == GenerationStatus::Cancelled
                    && s.queue.store().shared_by_engines()
                    && !r
                        .replicate_status
                        .as_deref()
                        .is_some_and(|st| PredictionStatus::parse(st).is_terminal())
                {
                    // Cancelled on a machine whose keyring lacks the token's
                    // secret, so Replicate was not told (`Queue::cancel`):
                    // this engine holds it and stops the prediction.
                    let res = s.queue.client().cancel_prediction(secret, &pid).await;
                    if let Err(e) = judge(s, token_id, &res) {
                        tracing::warn!(generation = %g.id, error = %e, "could not cancel a prediction cancelled elsewhere");
                    }
                    tracing::info!(generation = %g.id, ok = res.is_ok(), "cancelled on Replicate for the machine that cancelled it");
                }
                let status = row.map_or("deleted".to_owned(), |r| r.status.to_string());
                tracing::info!(generation = %g.id, %status, "no longer processing; stopped following it");
                return Ok(());
            }
        };
        let res = s.queue.client().get_prediction(secret, &pid).await;
        // A successful read is counted with what it leads to (the progress
        // or the ending), in that write's transaction.
        let verdict = match &res {
            Ok(_) => None,
            Err(_) => judge(s, token_id, &res)?,
        };
        let w = answered(token_id);
        let p = match (res, verdict) {
            (Ok(p), _) => {
                failures = 0;
                p
            }
            (Err(e), Some(Verdict::NotFound)) => {
                return fail(s, g.id, ErrorKind::OutputsExpired, Some(e.cause()));
            }
            (Err(e), Some(Verdict::Disable { .. })) => {
                return fail(s, g.id, ErrorKind::TokenRefused, Some(e.cause()));
            }
            (Err(_), Some(Verdict::CoolDown { .. })) => continue,
            (Err(e), _) => {
                failures += 1;
                if failures >= MAX_READ_FAILURES {
                    return fail(s, g.id, ErrorKind::LostContact, Some(e.cause()));
                }
                tokio::time::sleep(jittered_backoff(
                    s.config.retry_base,
                    failures.min(5),
                    s.config.retry_cap,
                ))
                .await;
                continue;
            }
        };
        if p.status.is_terminal() {
            let inline = (!inline.is_empty()).then_some(std::mem::take(&mut inline));
            return finish(s, g, p, inline, &w, secret).await;
        }
        if super::deadline::enforce_start(s, &row, &p, secret).await? {
            count_alone(s, &w);
            return Ok(());
        }
        live.open(s, g.id, &p);
        let data: Vec<OutputRef> = p.outputs();
        if !data.is_empty() && data.iter().all(|o| matches!(o, OutputRef::Data { .. })) {
            inline = data;
        }
        let progress = p.progress().map(|x| x.percent);
        observe_progress(&mut obs, &mut last_progress, &p, progress);
        // Update what the user sees only when it changed.
        let status = p.status.as_str();
        if row.progress != progress
            || row.replicate_status.as_deref() != Some(status)
            || (row.started_at.is_none() && p.started_at.is_some())
        {
            super::steps::commit_step(
                s,
                g.id,
                Transition::Progress {
                    progress,
                    replicate_status: status.to_owned(),
                    started_at: p.started_at,
                },
                &w,
            )?;
        } else {
            count_alone(s, &w);
        }
    }
}

/// Feeds one read into the schedule's observation: still starting, the
/// progress rate from the logs, a guess that missed.
fn observe_progress(
    obs: &mut Observation,
    last_progress: &mut Option<(Instant, u8)>,
    p: &Prediction,
    pct: Option<u8>,
) {
    obs.starting = p.status == PredictionStatus::Starting;
    let now_i = Instant::now();
    if let Some(pc) = pct {
        if let Some((t0, p0)) = *last_progress {
            if pc > p0 {
                let dt = now_i.duration_since(t0).as_secs_f64();
                if dt > 0.0 {
                    obs.percent_per_sec = Some((pc - p0) as f64 / dt);
                }
            }
        }
        if last_progress.is_none_or(|(_, p0)| pc != p0) {
            *last_progress = Some((now_i, pc));
        }
        obs.percent = Some(pc);
    }
    let expected_passed = obs.expected.is_some_and(|e| obs.elapsed >= e);
    if obs.starting || expected_passed || obs.percent_per_sec.is_none() {
        obs.misses += 1;
    }
}
