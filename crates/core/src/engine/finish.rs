//! A prediction's end: save its outputs (succeeded) or record why it ended.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::download::{self, DownloadError};
use super::schedule::jittered_backoff;
use super::steps::{Result, count_alone, fail_step};
use crate::events::Event;
use crate::lifecycle::Transition;
use crate::model::{ErrorKind, Generation};
use crate::replicate::output_text::output_keys;
use crate::replicate::{OutputRef, Prediction, PredictionStatus, output_text};
use crate::secrets::Secret;
use crate::store::StepWrites;
use crate::wait::{WaitCode, WaitReason};

/// Download attempts for one prediction's outputs. Output URLs live an hour
/// and a download that breaks costs nothing more, so a flaky connection gets
/// ten tries over about a minute (backoff from `retry_base`, doubling, at
/// most [`DOWNLOAD_BACKOFF_CAP`]), and a retry fetches only the files not
/// saved yet: at 30 % dropped connections, one generation in ~170,000 still
/// fails. With six tries it was one in 1,400, and a fresh CI run met one
/// (the billing fault test, 12 generations).
const DOWNLOAD_ATTEMPTS: u32 = 10;
/// The longest wait between two download attempts.
const DOWNLOAD_BACKOFF_CAP: Duration = Duration::from_secs(8);
/// A terminal prediction: save outputs (succeeded) or record the end.
/// `inline`: the same outputs as `data:` URIs from an earlier answer, saved
/// instead of `p`'s URLs when they are as many. `w`: what the step writes
/// besides (the read that brought `p`, when not counted yet); the ending
/// carries it and what the prediction cost in its one transaction.
pub(super) async fn finish(
    s: &Arc<Shared>,
    g: &Generation,
    p: Prediction,
    inline: Option<Vec<OutputRef>>,
    w: &StepWrites,
    secret: &Secret,
) -> Result<()> {
    let status = p.status.as_str().to_owned();
    let mut w = w.clone();
    if p.status.is_terminal() {
        // What it cost (metrics, outputs), with the ending: the totals and
        // budgets count it from then on.
        match s.queue.final_spend(g, &p, g.token_id) {
            Ok(f) => w.spend = Some(f),
            Err(e) => {
                tracing::warn!(generation = %g.id, error = %e, "could not work out what the prediction cost")
            }
        }
    }
    let w = &w;
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
                    return save_and_complete(s, g, &p, outputs, urls, w, secret).await;
                }
            }
            if outputs.is_empty() && output_text(&p.output).is_none() {
                let kind = if p.data_removed || p.output.is_null() {
                    ErrorKind::OutputsExpired
                } else {
                    ErrorKind::NoOutput
                };
                return fail_step(s, g.id, kind, None, Some(status), w);
            }
            let url_refs = outputs.clone();
            save_and_complete(s, g, &p, outputs, url_refs, w, secret).await
        }
        PredictionStatus::Failed => {
            let err = p.error.clone().unwrap_or_default();
            let fresh = s.queue.store().get_generation(g.id)?;
            let attempts = fresh.as_ref().map_or(g.attempts, |r| r.attempts);
            if is_platform_interruption(&err) && attempts < s.config.max_attempts {
                // Replicate's own hiccup, not the input's fault: run it again.
                let at = s.queue.now()
                    + jittered_backoff(s.config.retry_base, attempts, s.config.retry_cap);
                super::steps::commit_step(
                    s,
                    g.id,
                    Transition::Requeue {
                        next_attempt_at: at,
                        reason: WaitReason::new(WaitCode::Interrupted)
                            .detail(&err)
                            .until(at),
                        replicate_status: status,
                    },
                    w,
                )?;
                return Ok(());
            }
            fail_step(
                s,
                g.id,
                ErrorKind::ModelFailed,
                Some(err).filter(|e| !e.trim().is_empty()),
                Some(status),
                w,
            )
        }
        PredictionStatus::Aborted => {
            let limit = g.deadlines.run_deadline_secs;
            let kind = if limit.is_some() {
                ErrorKind::RunDeadlineBeforeStart
            } else {
                ErrorKind::Aborted
            };
            let detail = limit.map(|s| crate::deadlines::human(Duration::from_secs(s.into())));
            fail_step(s, g.id, kind, detail, Some(status), w)
        }
        PredictionStatus::Canceled if super::deadline::run_deadline_passed(g, &p).is_some() => {
            let limit = super::deadline::run_deadline_passed(g, &p).unwrap_or_default();
            fail_step(
                s,
                g.id,
                ErrorKind::RunDeadline,
                Some(crate::deadlines::human(limit)),
                Some(status),
                w,
            )
        }
        PredictionStatus::Canceled => {
            super::steps::commit_step(
                s,
                g.id,
                Transition::Cancel {
                    replicate_status: Some(status),
                },
                w,
            )?;
            Ok(())
        }
        _ => {
            count_alone(s, w);
            Ok(())
        }
    }
}

/// Saves a succeeded prediction's outputs (retrying transient failures),
/// then its text if it has any ([`output_text`]: `text.txt` or
/// `output.json`, listed after the files), and marks the generation
/// completed; or failed with the reason. `url_refs`
/// are what Replicate listed (its https URLs are kept in `output_urls`);
/// `outputs` what is saved — the same, or their inline copies.
async fn save_and_complete(
    s: &Arc<Shared>,
    g: &Generation,
    p: &Prediction,
    outputs: Vec<OutputRef>,
    url_refs: Vec<OutputRef>,
    w: &StepWrites,
    secret: &Secret,
) -> Result<()> {
    let status = p.status.as_str().to_owned();
    let dir = s.queue.output_dir(g.id);
    // Keys from the final answer's output; the inline copies come in the same order.
    let keys = output_keys(&p.output);
    let mut attempt = 0;
    // What earlier attempts saved: a retry does not fetch those again.
    let mut saved = vec![None; outputs.len()];
    let mut names = loop {
        attempt += 1;
        match download::save_outputs(
            s.queue.client(),
            &outputs,
            &keys,
            &dir,
            &mut saved,
            secret,
            s.config.max_output_bytes,
            &|index, received, total| {
                s.queue.events().send(Event::OutputProgress {
                    id: g.id,
                    index: index as u32,
                    received,
                    total,
                })
            },
        )
        .await
        {
            Ok(n) => break n,
            Err(e) if e.is_transient() && attempt < DOWNLOAD_ATTEMPTS => {
                tracing::warn!(generation = %g.id, error = %e, "output download failed; retrying");
                tokio::time::sleep(jittered_backoff(
                    s.config.retry_base,
                    attempt,
                    s.config.retry_cap.min(DOWNLOAD_BACKOFF_CAP),
                ))
                .await;
            }
            Err(e) => {
                download::clean_partials(&dir).await;
                let (kind, detail) = match e {
                    DownloadError::Expired => (ErrorKind::OutputsExpired, None),
                    e => (ErrorKind::DownloadFailed, Some(e.to_string())),
                };
                return fail_step(s, g.id, kind, detail, Some(status), w);
            }
        }
    };
    if let Some(text) = output_text(&p.output) {
        match download::save_text(&dir, &text).await {
            Ok(name) => names.push(name),
            Err(e) => {
                return fail_step(
                    s,
                    g.id,
                    ErrorKind::DownloadFailed,
                    Some(format!("text output: {e}")),
                    Some(status),
                    w,
                );
            }
        }
    }
    // The video's poster frame, before the result is announced (its
    // notification shows it); never a reason to fail.
    super::poster::make_poster_for(&dir, &names, &g.id.to_string()).await;
    // Relative to the data folder when inside it (the default), absolute otherwise
    // (an output folder elsewhere): what `output_files` documents.
    let files: Vec<String> = names
        .iter()
        .map(|n| crate::paths::stored_output_path(s.queue.data_dir(), &dir.join(n)))
        .collect();
    // On a team's database, the files go there too before the result is
    // announced, so every machine can show it (a no-op on SQLite).
    {
        let (queue, id, shared) = (s.queue.clone(), g.id, files.clone());
        let fence = Some(super::lease::fence(s, id));
        let shared = tokio::task::spawn_blocking(move || queue.share_outputs(id, &shared, fence))
            .await
            .map_err(|e| crate::store::StoreError::OutputFile {
                doing: "share",
                path: dir.clone(),
                reason: e.to_string(),
            })
            .and_then(|r| r);
        if let Err(crate::store::StoreError::LeaseLost { .. }) = &shared {
            tracing::warn!(generation = %id, "sharing refused: another engine took this generation over (fence); stopping");
            let _ = tokio::fs::remove_dir_all(&dir).await;
        }
        shared?;
    }
    let urls: Vec<String> = url_refs
        .iter()
        .filter_map(|o| match o {
            OutputRef::Url(u) => Some(u.clone()),
            OutputRef::Data { .. } => None,
        })
        .collect();
    let done = super::steps::commit_step(
        s,
        g.id,
        Transition::Complete {
            files,
            urls,
            replicate_status: status,
            started_at: p.started_at,
        },
        w,
    );
    if done.as_ref().is_err_and(super::steps::lease_lost) {
        // The engine that took it over saves its own copy in its folder;
        // this one's would belong to no row.
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
    done?;
    Ok(())
}

/// Replicate's platform errors that say to run the prediction again.
fn is_platform_interruption(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    e.contains("please retry") || e.contains("(code: pa)")
}
