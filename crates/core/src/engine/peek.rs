//! Progress while a create is held (`Prefer: wait`, issue 12).
//!
//! A held create answers only when its prediction ends or the hold runs out
//! (60 s): until then the prediction's id, and so its stream, are unknown.
//! When a create is still held after [`StreamConfig::peek_after`](super::StreamConfig::peek_after),
//! the token's own prediction list (`GET /predictions`, one request) is read
//! once; the one prediction there with our model and input that no other
//! generation holds or gave up is ours (the same match as reconciling a lost create).
//! It is adopted at once (the generation becomes `processing`, as when the
//! create answers) and its stream opened, so streamed progress shows during
//! the rest of the hold; the follower takes that stream over when the
//! create answers. Nothing is adopted when the match is not unique, or when
//! another create with the same model and input is on the wire on this token.

use std::future::Future;
use std::sync::Arc;

use super::Shared;
use super::stream::Live;
use super::tokens::judge;
use crate::model::{Generation, GenerationStatus, TokenId};
use crate::replicate::{ApiError, Prediction};
use crate::secrets::Secret;

/// How far before `create_sent_at` a listed prediction may have been created
/// and still be ours (clock skew between us and Replicate).
const SKEW: chrono::Duration = chrono::Duration::seconds(120);

/// Awaits the held `create`; if it is still held after `peek_after`, looks
/// for its prediction and streams it meanwhile (see the module docs). The
/// stream, if one was opened, waits in [`Shared::streams`] for the follower.
pub(super) async fn while_held(
    s: &Arc<Shared>,
    g: &Generation,
    token_id: TokenId,
    secret: &Secret,
    create: impl Future<Output = Result<Prediction, ApiError>>,
) -> Result<Prediction, ApiError> {
    let Some(after) = s
        .config
        .streams
        .peek_after
        .filter(|_| s.config.create_wait.is_some() && s.config.streams.max_open > 0)
    else {
        return create.await;
    };
    tokio::pin!(create);
    tokio::select! {
        res = &mut create => return res,
        _ = tokio::time::sleep(after) => {}
    }
    tokio::select! {
        res = &mut create => return res,
        live = look(s, g, token_id, secret) => {
            if let Some(live) = live {
                s.streams.hold(g.id, live);
            }
        }
    }
    let res = create.await;
    // An ended or failed create leaves nothing to follow with this stream.
    if !res.as_ref().is_ok_and(|p| !p.status.is_terminal()) {
        s.streams.take(g.id);
    }
    res
}

/// Lists the token's predictions once; adopts the unique match and opens its
/// stream. `None` when nothing was adopted (or on any failure: the create's
/// answer still comes).
async fn look(s: &Arc<Shared>, g: &Generation, token_id: TokenId, secret: &Secret) -> Option<Live> {
    let siblings = s.queue.store().in_flight().ok()?.into_iter().any(|o| {
        o.id != g.id
            && o.token_id == Some(token_id)
            && o.create_sent_at.is_some()
            && o.model == g.model
            && o.input == g.input
    });
    if siblings {
        return None;
    }
    let res = s.queue.client().list_predictions(secret, None).await;
    judge(s, token_id, &res).ok()?;
    let page = res.ok()?;
    let since = g.create_sent_at.unwrap_or(g.created_at) - SKEW;
    let mut found = page.results.into_iter().filter(|p| {
        p.input == g.input
            && p.model.as_deref().is_none_or(|m| m == g.model_name)
            && p.created_at.is_none_or(|t| t >= since)
            && s.queue
                .store()
                .prediction_taken(&p.id)
                .is_ok_and(|taken| !taken)
    });
    let p = found.next()?;
    if found.next().is_some() || p.status.is_terminal() {
        return None;
    }
    let done = super::steps::commit(s, g.id, super::steps::created(&p, token_id)).ok()?;
    if !done.applied || done.row.status != GenerationStatus::Processing {
        return None;
    }
    tracing::debug!(generation = %g.id, "held create: prediction found in the list, streaming it");
    let mut live = Live::default();
    live.open(s, g.id, &p);
    Some(live)
}
