//! One generation's journey on its claimed token: create (or reconcile a
//! create whose answer was lost), follow, save the outputs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Shared;
use super::download::{self, DownloadError};
use super::schedule::{Observation, jittered_backoff};
use crate::model::{ErrorKind, Generation, GenerationId, GenerationStatus, TokenId};
use crate::replicate::{
    ApiError, ApiErrorKind, CreatePrediction, OutputRef, Prediction, PredictionStatus,
};
use crate::secrets::{Secret, SecretError};

/// How far back from `create_sent_at` a listed prediction may have been
/// created and still be ours (clock skew between us and Replicate).
const RECONCILE_SKEW: Duration = Duration::from_secs(120);
/// Pages of the token's prediction list read when reconciling.
const RECONCILE_PAGES: usize = 3;
/// Consecutive failed status reads before a generation is given up.
const MAX_READ_FAILURES: u32 = 30;
/// How long a token's creates stay paced after its cooldown ends.
const PACED_AFTER_429: Duration = Duration::from_secs(60);
/// Download attempts for one prediction's outputs.
const DOWNLOAD_ATTEMPTS: u32 = 4;

type Result<T> = std::result::Result<T, crate::queue::QueueError>;

/// Drives one generation until it is terminal or back in the pending queue.
pub(super) async fn drive(s: &Arc<Shared>, id: GenerationId, token_id: TokenId) {
    if let Err(e) = drive_inner(s, id, token_id).await {
        tracing::error!(generation = %id, error = %e, "a generation's task failed");
        // Give the slot back and try later: nothing is lost, the row holds the state.
        let now = Utc::now();
        let backoff = s.config.retry_base * 5;
        let _ = s.queue.store().update_generation(id, |g| {
            if g.status == GenerationStatus::Pending && g.create_sent_at.is_none() {
                g.token_id = None;
                g.next_attempt_at = Some(now + backoff);
                g.wait_reason = Some(format!("Retrying after an internal error: {e}"));
            }
        });
        // In flight: not at once; the dispatcher resumes it on a later pass.
        tokio::time::sleep(backoff).await;
    }
}

async fn drive_inner(s: &Arc<Shared>, id: GenerationId, token_id: TokenId) -> Result<()> {
    let Some(g) = s.queue.store().get_generation(id)? else {
        return Ok(());
    };
    let secret = match s.queue.secret(token_id).await {
        Ok(secret) => secret,
        Err(crate::queue::QueueError::Secret(SecretError::NotFound(_))) => {
            // Without its secret the token is useless; a prediction it owns cannot be followed.
            let t = s.queue.store().disable_token(
                token_id,
                "Its secret is missing from the system keyring; remove it and add it again",
                Utc::now(),
            )?;
            s.queue.events().send(crate::events::Event::TokenChanged(t));
            if g.status == GenerationStatus::Pending && g.create_sent_at.is_none() {
                release(s, id, None, None)?;
            } else {
                fail(
                    s,
                    id,
                    ErrorKind::Other,
                    "The token that owns this prediction is missing from the system keyring".into(),
                )?;
            }
            return Ok(());
        }
        Err(e) => {
            // Locked or unreachable keyring: the user can fix it; wait, lose nothing.
            let at = Utc::now() + s.config.retry_cap;
            let why = format!(
                "Cannot read the token from the system keyring ({e}); next try at {}",
                at.format("%H:%M:%S")
            );
            if g.status == GenerationStatus::Pending && g.create_sent_at.is_none() {
                release(s, id, Some(at), Some(why))?;
            } else {
                set_wait_reason(s, id, why)?;
                tokio::time::sleep(s.config.retry_cap).await;
            }
            return Ok(());
        }
    };
    let prediction = if g.prediction_id.is_some() {
        None
    } else if g.create_sent_at.is_some() {
        match reconcile(s, &g, token_id, &secret).await? {
            Some(p) => Some(p),
            None => return Ok(()),
        }
    } else if g.status == GenerationStatus::Pending {
        match create(s, &g, token_id, &secret).await? {
            Some(p) => Some(p),
            None => return Ok(()),
        }
    } else {
        return Ok(());
    };
    let (g, last) = match prediction {
        Some(p) => match adopt(s, id, &p, token_id, &secret).await? {
            Some(g) => {
                if p.status.is_terminal() {
                    return finish(s, &g, p, None, &secret).await;
                }
                (g, Some(p))
            }
            None => return Ok(()),
        },
        None => (g, None),
    };
    follow(s, &g, last, token_id, &secret).await
}

/// Sends the create, recording it first so a kill cannot lose track of it.
/// `None`: the generation went back to the queue or ended.
async fn create(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
) -> Result<Option<Prediction>> {
    wait_cooldown(s, token_id).await?;
    pace_create(s, token_id).await;
    let now = Utc::now();
    let g = s.queue.store().update_generation(g.id, |g| {
        if g.status == GenerationStatus::Pending {
            g.create_sent_at = Some(now);
            g.attempts += 1;
            g.wait_reason = None;
            g.next_attempt_at = None;
        }
    })?;
    if g.status != GenerationStatus::Pending {
        return Ok(None); // cancelled before we sent anything
    }
    s.queue.announce(&g)?;
    let req = CreatePrediction {
        model: g.model.clone(),
        input: g.input.clone(),
        wait: s.config.create_wait,
        cancel_after: None,
    };
    s.creating.lock().unwrap().insert(g.id);
    let res = s.queue.client().create_prediction(secret, &req).await;
    s.creating.lock().unwrap().remove(&g.id);
    record(s, token_id, &res);
    match res {
        Ok(p) => Ok(Some(p)),
        Err(e) => on_create_error(s, &g, token_id, secret, e).await,
    }
}

async fn on_create_error(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
    e: ApiError,
) -> Result<Option<Prediction>> {
    let now = Utc::now();
    match e.kind {
        ApiErrorKind::RateLimited => {
            cool_down(s, token_id, &e)?;
            undo_attempt(s, g.id)?;
            release(s, g.id, None, None)?;
            Ok(None)
        }
        ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden | ApiErrorKind::PaymentRequired => {
            let why = match e.kind {
                ApiErrorKind::PaymentRequired => {
                    format!("Replicate says this account has no credit left: {e}")
                }
                _ => format!("Replicate refused this token: {e}"),
            };
            let t = s.queue.store().disable_token(token_id, &why, now)?;
            s.queue.events().send(crate::events::Event::TokenChanged(t));
            undo_attempt(s, g.id)?;
            release(s, g.id, None, None)?;
            Ok(None)
        }
        ApiErrorKind::Invalid => {
            let msg = e.detail.clone().unwrap_or_else(|| e.to_string());
            fail(
                s,
                g.id,
                ErrorKind::InputRejected,
                format!("Replicate rejected the input: {msg}"),
            )?;
            Ok(None)
        }
        ApiErrorKind::NotFound => {
            fail(
                s,
                g.id,
                ErrorKind::Other,
                format!("Replicate has no model {} ({e})", g.model),
            )?;
            Ok(None)
        }
        ApiErrorKind::Connect => {
            // Never reached the server: nothing was created, nothing billed.
            undo_attempt(s, g.id)?;
            let n = g.attempts;
            let at = now + jittered_backoff(s.config.retry_base, n, s.config.retry_cap);
            release(
                s,
                g.id,
                Some(at),
                Some(format!(
                    "Cannot reach Replicate ({e}); next try at {}",
                    at.format("%H:%M:%S")
                )),
            )?;
            Ok(None)
        }
        _ if e.may_have_acted() => {
            // The prediction may exist: look before creating again.
            tokio::time::sleep(s.config.reconcile_grace).await;
            let g = s
                .queue
                .store()
                .get_generation(g.id)?
                .ok_or(crate::queue::QueueError::GenerationNotFound(g.id))?;
            match reconcile_with(s, &g, token_id, secret, Some(&e)).await? {
                Some(p) => Ok(Some(p)),
                None => Ok(None),
            }
        }
        _ => {
            fail(
                s,
                g.id,
                ErrorKind::Other,
                format!("Replicate answered the create with an error: {e}"),
            )?;
            Ok(None)
        }
    }
}

/// After a restart: a create was sent but its answer never stored.
async fn reconcile(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
) -> Result<Option<Prediction>> {
    reconcile_with(s, g, token_id, secret, None).await
}

/// Looks for the prediction a create with an unknown outcome may have made,
/// in the token's own list (Replicate has no idempotency key). Found: it is
/// ours. Surely absent: back to the queue with a backoff, or failed when the
/// attempts are spent. Unsure (the list itself fails): try again later,
/// never create.
async fn reconcile_with(
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
            record(s, token_id, &res);
            let p = match res {
                Ok(p) => p,
                Err(e) => {
                    if e.kind == ApiErrorKind::RateLimited {
                        cool_down(s, token_id, &e)?;
                    } else if matches!(e.kind, ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden)
                    {
                        let t = s.queue.store().disable_token(
                            token_id,
                            &format!("Replicate refused this token: {e}"),
                            Utc::now(),
                        )?;
                        s.queue.events().send(crate::events::Event::TokenChanged(t));
                        fail(
                            s,
                            g.id,
                            ErrorKind::Other,
                            format!(
                                "The create's answer was lost and its token was then refused ({e}), so whether a prediction was made cannot be checked"
                            ),
                        )?;
                        return Ok(None);
                    }
                    failures += 1;
                    let d =
                        jittered_backoff(s.config.retry_base, failures.min(6), s.config.retry_cap);
                    let at = Utc::now() + d;
                    set_wait_reason(
                        s,
                        g.id,
                        format!(
                            "Checking whether Replicate received the request ({e}); next look at {}",
                            at.format("%H:%M:%S")
                        ),
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
        .min_by_key(|p| (p.input != g.input, p.created_at))
    {
        tracing::info!(generation = %g.id, prediction = %pred.id, "found the prediction of a create whose answer was lost");
        return Ok(Some(pred));
    }
    // Surely not created.
    let now = Utc::now();
    if g.attempts >= s.config.max_attempts {
        let why = cause
            .map(|e| e.to_string())
            .unwrap_or_else(|| "the app stopped while sending it".into());
        fail(
            s,
            g.id,
            ErrorKind::RetriesExhausted,
            format!(
                "Gave up after {} attempts; the last one failed: {why}",
                g.attempts
            ),
        )?;
    } else {
        let at = now + jittered_backoff(s.config.retry_base, g.attempts, s.config.retry_cap);
        let why = cause
            .map(|e| format!("Replicate answered with an error ({e})"))
            .unwrap_or_else(|| "The app stopped while sending it".into());
        release(
            s,
            g.id,
            Some(at),
            Some(format!("{why}; next try at {}", at.format("%H:%M:%S"))),
        )?;
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
fn next_landing_look(
    s: &Arc<Shared>,
    id: GenerationId,
    settled: DateTime<Utc>,
    looks: &mut u32,
) -> Result<Option<Duration>> {
    let now = Utc::now();
    let Some(left) = (settled - now).to_std().ok().filter(|d| !d.is_zero()) else {
        return Ok(None);
    };
    *looks += 1;
    let d = jittered_backoff(s.config.retry_base, (*looks).min(6), s.config.retry_cap).min(left);
    let why = format!(
        "Checking whether Replicate received the request; next look at {}",
        (now + d).format("%H:%M:%S")
    );
    // A generation cancelled meanwhile is still watched (a prediction that
    // appears is cancelled on Replicate) but shows no reason.
    let g = s.queue.store().update_generation(id, |g| {
        if g.status == GenerationStatus::Pending {
            g.wait_reason = Some(why);
        }
    })?;
    s.queue.announce(&g)?;
    Ok(Some(d))
}

/// Whether a listed prediction may be the one our lost create made: same
/// model and same input — or, once Replicate removed its data (after an hour,
/// `input` then reads `{}`), same model alone: adopting it bills nothing
/// more, whereas creating again would bill twice.
fn could_be_ours(p: &Prediction, g: &Generation) -> bool {
    let removed = p.data_removed && p.input.as_object().is_none_or(|m| m.is_empty());
    model_matches(p, g) && (p.input == g.input || removed)
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

/// Stores the prediction's id: from now on the generation is `processing`
/// and owned by `token_id`. A generation cancelled meanwhile gets its
/// prediction cancelled on Replicate. `None`: nothing more to do.
async fn adopt(
    s: &Arc<Shared>,
    id: GenerationId,
    p: &Prediction,
    token_id: TokenId,
    secret: &Secret,
) -> Result<Option<Generation>> {
    let now = Utc::now();
    let g = s.queue.store().update_generation(id, |g| {
        g.prediction_id = Some(p.id.clone());
        g.create_sent_at = None;
        g.token_id = Some(token_id);
        g.replicate_status = Some(p.status.as_str().to_owned());
        if g.status == GenerationStatus::Pending {
            g.status = GenerationStatus::Processing;
            g.started_at = p.started_at.or(Some(now));
        }
        g.progress = p.progress().map(|x| x.percent);
        g.wait_reason = None;
    })?;
    if g.status == GenerationStatus::Cancelled {
        if !p.status.is_terminal() {
            let res = s.queue.client().cancel_prediction(secret, &p.id).await;
            record(s, token_id, &res);
        }
        s.queue.announce(&g)?;
        return Ok(None);
    }
    s.queue.announce(&g)?;
    Ok(Some(g))
}

/// Reads the prediction on the schedule until it is terminal.
///
/// `last` is the create's answer when it just came: with `Prefer: wait` it
/// often says `processing` while already carrying the output, so the
/// prediction has ended and the first read goes at once. Its inline (`data:`)
/// outputs are kept and saved instead of downloading the same files again.
async fn follow(
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
            .and_then(|t| (Utc::now() - t).to_std().ok())
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
        tokio::time::sleep(delay).await;
        wait_cooldown(s, token_id).await?;
        // Cancelled (by this process or another) or deleted: stop following.
        match s.queue.store().get_generation(g.id)? {
            Some(row) if row.status == GenerationStatus::Processing => {}
            _ => return Ok(()),
        }
        let res = s.queue.client().get_prediction(secret, &pid).await;
        record(s, token_id, &res);
        let p = match res {
            Ok(p) => {
                failures = 0;
                p
            }
            Err(e) => match e.kind {
                ApiErrorKind::NotFound => {
                    return fail(s, g.id, ErrorKind::OutputsExpired, "This prediction can no longer be found on Replicate (expired on Replicate)".into());
                }
                ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden => {
                    let t = s.queue.store().disable_token(
                        token_id,
                        &format!("Replicate refused this token: {e}"),
                        Utc::now(),
                    )?;
                    s.queue.events().send(crate::events::Event::TokenChanged(t));
                    return fail(
                        s,
                        g.id,
                        ErrorKind::Other,
                        format!(
                            "The token that owns this prediction was refused by Replicate, so its result cannot be read: {e}"
                        ),
                    );
                }
                ApiErrorKind::RateLimited => {
                    cool_down(s, token_id, &e)?;
                    continue;
                }
                _ => {
                    failures += 1;
                    if failures >= MAX_READ_FAILURES {
                        return fail(
                            s,
                            g.id,
                            ErrorKind::RetriesExhausted,
                            format!(
                                "Lost contact with Replicate while following the prediction: {e}"
                            ),
                        );
                    }
                    tokio::time::sleep(jittered_backoff(
                        s.config.retry_base,
                        failures.min(5),
                        s.config.retry_cap,
                    ))
                    .await;
                    continue;
                }
            },
        };
        if p.status.is_terminal() {
            let inline = (!inline.is_empty()).then_some(std::mem::take(&mut inline));
            return finish(s, g, p, inline, secret).await;
        }
        let data: Vec<OutputRef> = p.outputs();
        if !data.is_empty() && data.iter().all(|o| matches!(o, OutputRef::Data { .. })) {
            inline = data;
        }
        // Update what the user sees only when it changed.
        let progress = p.progress();
        let pct = progress.map(|x| x.percent);
        obs.starting = p.status == PredictionStatus::Starting;
        let now_i = Instant::now();
        if let Some(pc) = pct {
            if let Some((t0, p0)) = last_progress {
                if pc > p0 {
                    let dt = now_i.duration_since(t0).as_secs_f64();
                    if dt > 0.0 {
                        obs.percent_per_sec = Some((pc - p0) as f64 / dt);
                    }
                }
            }
            if last_progress.is_none_or(|(_, p0)| pc != p0) {
                last_progress = Some((now_i, pc));
            }
            obs.percent = Some(pc);
        }
        let expected_passed = obs.expected.is_some_and(|e| obs.elapsed >= e);
        if obs.starting || expected_passed || obs.percent_per_sec.is_none() {
            obs.misses += 1;
        }
        let status = p.status.as_str().to_owned();
        let row = s.queue.store().get_generation(g.id)?;
        if let Some(row) = row {
            if row.progress != pct
                || row.replicate_status.as_deref() != Some(status.as_str())
                || (row.started_at.is_none() && p.started_at.is_some())
            {
                let g2 = s.queue.store().update_generation(g.id, |r| {
                    if r.status == GenerationStatus::Processing {
                        r.progress = pct.or(r.progress);
                        r.replicate_status = Some(status.clone());
                        if p.started_at.is_some() {
                            r.started_at = p.started_at;
                        }
                    }
                })?;
                s.queue.announce(&g2)?;
            }
        }
    }
}

/// A terminal prediction: save outputs (succeeded) or record the end.
/// `inline`: the same outputs as `data:` URIs from an earlier answer, saved
/// instead of `p`'s URLs when they are as many.
async fn finish(
    s: &Arc<Shared>,
    g: &Generation,
    p: Prediction,
    inline: Option<Vec<OutputRef>>,
    secret: &Secret,
) -> Result<()> {
    let status = p.status.as_str().to_owned();
    match p.status {
        PredictionStatus::Succeeded => {
            if let (Some(a), Some(b)) = (p.started_at, p.completed_at) {
                if let Ok(d) = (b - a).to_std() {
                    s.run_times.lock().unwrap().record(&g.model_name, d);
                }
            }
            let mut outputs = p.outputs();
            if let Some(inline) = inline {
                if inline.len() == outputs.len() {
                    // Kept for their URLs below; the bytes come from the inline copies.
                    let urls = std::mem::replace(&mut outputs, inline);
                    return save_and_complete(s, g, &p, outputs, urls, secret).await;
                }
            }
            if outputs.is_empty() {
                let why = if p.data_removed || p.output.is_null() {
                    (ErrorKind::OutputsExpired, "The prediction succeeded, but its outputs expired on Replicate before they could be saved".to_owned())
                } else {
                    (
                        ErrorKind::Other,
                        "The prediction succeeded but returned no file".to_owned(),
                    )
                };
                return fail_with_status(s, g.id, why.0, why.1, Some(status));
            }
            let url_refs = outputs.clone();
            save_and_complete(s, g, &p, outputs, url_refs, secret).await
        }
        PredictionStatus::Failed => {
            let err = p
                .error
                .clone()
                .unwrap_or_else(|| "the model failed without saying why".into());
            let fresh = s.queue.store().get_generation(g.id)?;
            let attempts = fresh.as_ref().map_or(g.attempts, |r| r.attempts);
            if is_platform_interruption(&err) && attempts < s.config.max_attempts {
                // Replicate's own hiccup, not the input's fault: run it again.
                let at = Utc::now()
                    + jittered_backoff(s.config.retry_base, attempts, s.config.retry_cap);
                let g2 = s.queue.store().update_generation(g.id, |r| {
                    if r.status == GenerationStatus::Processing {
                        r.status = GenerationStatus::Pending;
                        r.prediction_id = None;
                        r.token_id = None;
                        r.progress = None;
                        r.replicate_status = Some(status.clone());
                        r.next_attempt_at = Some(at);
                        r.wait_reason = Some(format!(
                            "Replicate interrupted the prediction ({err}); next try at {}",
                            at.format("%H:%M:%S")
                        ));
                    }
                })?;
                s.queue.announce(&g2)?;
                return Ok(());
            }
            fail_with_status(
                s,
                g.id,
                ErrorKind::ModelFailed,
                format!("The model failed: {err}"),
                Some(status),
            )
        }
        PredictionStatus::Aborted => fail_with_status(
            s,
            g.id,
            ErrorKind::Aborted,
            "Replicate aborted the prediction before it started (its deadline passed)".into(),
            Some(status),
        ),
        PredictionStatus::Canceled => {
            let now = Utc::now();
            let g2 = s.queue.store().update_generation(g.id, |r| {
                if r.status.is_active() {
                    r.status = GenerationStatus::Cancelled;
                    r.completed_at = Some(now);
                }
                r.replicate_status = Some(status.clone());
            })?;
            s.queue.announce(&g2)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Saves a succeeded prediction's outputs (retrying transient failures) and
/// marks the generation completed; or failed with the reason. `url_refs`
/// are what Replicate listed (its https URLs are kept in `output_urls`);
/// `outputs` what is saved — the same, or their inline copies.
async fn save_and_complete(
    s: &Arc<Shared>,
    g: &Generation,
    p: &Prediction,
    outputs: Vec<OutputRef>,
    url_refs: Vec<OutputRef>,
    secret: &Secret,
) -> Result<()> {
    let status = p.status.as_str().to_owned();
    let dir = s.queue.output_dir(g.id);
    let mut attempt = 0;
    let names = loop {
        attempt += 1;
        match download::save_outputs(
            s.queue.client(),
            &outputs,
            &dir,
            secret,
            s.config.max_output_bytes,
        )
        .await
        {
            Ok(n) => break n,
            Err(e) if e.is_transient() && attempt < DOWNLOAD_ATTEMPTS => {
                tracing::warn!(generation = %g.id, error = %e, "output download failed; retrying");
                tokio::time::sleep(jittered_backoff(
                    s.config.retry_base,
                    attempt,
                    s.config.retry_cap,
                ))
                .await;
            }
            Err(e) => {
                download::clean_partials(&dir).await;
                let kind = match e {
                    DownloadError::Expired => ErrorKind::OutputsExpired,
                    _ => ErrorKind::DownloadFailed,
                };
                let msg = match e {
                    DownloadError::Expired => "The prediction succeeded, but its outputs expired on Replicate before they could be saved".to_owned(),
                    e => format!("The prediction succeeded, but saving its outputs failed: {e}"),
                };
                return fail_with_status(s, g.id, kind, msg, Some(status));
            }
        }
    };
    // Relative to the data folder when inside it (the default), absolute otherwise
    // (an output folder elsewhere): what `output_files` documents.
    let rel: Vec<String> = names
        .iter()
        .map(|n| crate::settings::stored_output_path(s.queue.data_dir(), &dir.join(n)))
        .collect();
    let urls: Vec<String> = url_refs
        .iter()
        .filter_map(|o| match o {
            OutputRef::Url(u) => Some(u.clone()),
            OutputRef::Data { .. } => None,
        })
        .collect();
    let now = Utc::now();
    let g2 = s.queue.store().update_generation(g.id, |r| {
        if r.status == GenerationStatus::Processing {
            r.status = GenerationStatus::Completed;
            r.output_files = rel.clone();
            r.output_urls = urls.clone();
            r.completed_at = Some(now);
            r.progress = Some(100);
            r.replicate_status = Some(status.clone());
            r.error = None;
            r.error_kind = None;
            if r.started_at.is_none() {
                r.started_at = p.started_at;
            }
        }
    })?;
    s.queue.announce(&g2)?;
    Ok(())
}

/// Replicate's platform errors that say to run the prediction again.
fn is_platform_interruption(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    e.contains("please retry") || e.contains("(code: pa)")
}

fn fail(s: &Arc<Shared>, id: GenerationId, kind: ErrorKind, msg: String) -> Result<()> {
    fail_with_status(s, id, kind, msg, None)
}

fn fail_with_status(
    s: &Arc<Shared>,
    id: GenerationId,
    kind: ErrorKind,
    msg: String,
    replicate_status: Option<String>,
) -> Result<()> {
    let now = Utc::now();
    let g = s.queue.store().update_generation(id, |g| {
        if g.status.is_active() {
            g.status = GenerationStatus::Failed;
            g.error = Some(msg.clone());
            g.error_kind = Some(kind);
            g.completed_at = Some(now);
            g.create_sent_at = None;
            g.wait_reason = None;
            g.next_attempt_at = None;
            if replicate_status.is_some() {
                g.replicate_status = replicate_status.clone();
            }
        }
    })?;
    s.queue.announce(&g)
}

/// Back to the pending queue without a token (the slot frees).
fn release(
    s: &Arc<Shared>,
    id: GenerationId,
    next_attempt_at: Option<DateTime<Utc>>,
    reason: Option<String>,
) -> Result<()> {
    let g = s.queue.store().update_generation(id, |g| {
        g.token_id = None;
        g.create_sent_at = None;
        if g.status == GenerationStatus::Pending {
            g.next_attempt_at = next_attempt_at;
            g.wait_reason = reason.clone();
        }
    })?;
    s.queue.announce(&g)
}

fn undo_attempt(s: &Arc<Shared>, id: GenerationId) -> Result<()> {
    s.queue
        .store()
        .update_generation(id, |g| g.attempts = g.attempts.saturating_sub(1))?;
    Ok(())
}

fn set_wait_reason(s: &Arc<Shared>, id: GenerationId, reason: String) -> Result<()> {
    let g = s
        .queue
        .store()
        .update_generation(id, |g| g.wait_reason = Some(reason))?;
    s.queue.announce(&g)
}

/// A 429: no request on this token before the reset Replicate announced
/// (else an exponential, jittered delay from the token's recent 429s).
fn cool_down(s: &Arc<Shared>, token_id: TokenId, e: &ApiError) -> Result<()> {
    let streak = s
        .queue
        .store()
        .get_token(token_id)?
        .map_or(0, |t| t.rate_limited_count.min(6) as u32);
    let d = e.retry_after.unwrap_or_else(|| {
        jittered_backoff(Duration::from_secs(2), streak, Duration::from_secs(60))
    });
    let until = Utc::now() + d;
    let t = s.queue.store().set_cooldown(token_id, until)?;
    s.queue.events().send(crate::events::Event::TokenChanged(t));
    let resume = tokio::time::Instant::now() + d;
    s.next_create.lock().unwrap().insert(
        token_id,
        super::Pacing {
            next: resume,
            until: resume + PACED_AFTER_429,
        },
    );
    Ok(())
}

/// After a 429, keeps the token's creates at least `min_create_interval`
/// apart for [`PACED_AFTER_429`]: its slots then come back one by one
/// instead of all at once (which would spend the fresh budget in a burst and
/// provoke the next 429). Otherwise creates go at once, so the account's
/// burst allowance is used.
async fn pace_create(s: &Arc<Shared>, token_id: TokenId) {
    let turn = {
        let mut pacing = s.next_create.lock().unwrap();
        let now = tokio::time::Instant::now();
        let Some(p) = pacing.get_mut(&token_id).filter(|p| p.until > now) else {
            return;
        };
        let turn = p.next.max(now);
        p.next = turn + s.config.min_create_interval;
        turn
    };
    tokio::time::sleep_until(turn).await;
}

/// Sleeps while the token cools down after a 429.
async fn wait_cooldown(s: &Arc<Shared>, token_id: TokenId) -> Result<()> {
    loop {
        let Some(t) = s.queue.store().get_token(token_id)? else {
            return Ok(());
        };
        match t.cooldown_until {
            Some(until) if until > Utc::now() => {
                let d = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                tokio::time::sleep(d).await;
            }
            _ => return Ok(()),
        }
    }
}

fn record<T>(s: &Arc<Shared>, token_id: TokenId, res: &std::result::Result<T, ApiError>) {
    s.queue
        .record_request(token_id, crate::queue::request_outcome(res), Utc::now());
}
