//! This engine's leases (see `store/lease.rs`): taken before a generation
//! is driven, renewed while it is, let go when its task ends or the engine
//! stops. A lease another engine holds leaves the generation to it; the
//! dispatcher looks again when that lease would expire, and then takes the
//! generation over from its stored state (a lost create is reconciled
//! through the token's list, never sent again blindly).
//!
//! A lease lost while driving (this engine slept past it and another took
//! over) stops this engine's task for it: at its first write, which the
//! store refuses (every write carries the lease's [`Fence`]; see
//! `steps::commit_step`), or at the next renewal, whichever comes first.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::Shared;
use crate::model::{GenerationId, TokenId};
use crate::store::{Fence, Lease, StoreError};

/// Takes `id`'s lease for this engine; on success returns the token that
/// stops its task should the lease be lost. `None`: another engine holds
/// it (its expiry is noted for the dispatcher's next look) or the store
/// failed (logged; the dispatcher tries again on a later pass).
pub(super) fn take(s: &Arc<Shared>, id: GenerationId) -> Option<CancellationToken> {
    let now = s.queue.now();
    let until = now + s.config.lease;
    match s.queue.store().take_lease(id, s.engine_id, until, now) {
        Ok(Lease::Taken { fence }) => {
            let stop = s.stop.child_token();
            s.leased.lock().unwrap().insert(id, (stop.clone(), fence));
            Some(stop)
        }
        Ok(Lease::Held { until }) => {
            let mut next = s.lease_wake.lock().unwrap();
            *next = Some(next.map_or(until, |n: DateTime<Utc>| n.min(until)));
            None
        }
        Err(e) => {
            tracing::warn!(generation = %id, error = %e, "could not take a generation's lease");
            None
        }
    }
}

/// The lease this engine drives `id` under, carried by every write for it.
/// Fence 0 (no lease: a store shared by engines refuses the write) when it
/// holds none: it was never taken, or its task already ended.
pub(super) fn fence(s: &Shared, id: GenerationId) -> Fence {
    let fence = s.leased.lock().unwrap().get(&id).map_or(0, |l| l.1);
    Fence {
        engine: s.engine_id,
        fence,
    }
}

/// Whether this engine may drive in-flight generation `id` of token
/// `token_id` (resume it, or take it over once another engine's lease
/// expired): on a store shared by engines only if it holds the token's
/// secret now, which it needs to reconcile a lost create through the
/// token's list and to follow the prediction; an engine that holds it will
/// (issue #15). On a store of its own (SQLite) always: the folder's one
/// engine handles a missing secret itself (`drive.rs`).
pub(super) async fn may_take_over(s: &Arc<Shared>, id: GenerationId, token_id: TokenId) -> bool {
    if !s.queue.store().shared_by_engines() || s.driving.lock().unwrap().contains(&id) {
        return true;
    }
    s.queue.secret_here(token_id).await == crate::queue::SecretHere::Held
}

/// Renews `id`'s lease now, before a step that cannot be taken back and
/// writes nothing first (a cancel sent to Replicate). Errors:
/// [`StoreError::LeaseLost`] when another engine holds it now; the store's.
pub(super) fn still_held(s: &Shared, id: GenerationId) -> Result<(), crate::queue::QueueError> {
    let until = s.queue.now() + s.config.lease;
    let lost = s.queue.store().renew_leases(s.engine_id, &[id], until)?;
    if lost.is_empty() {
        return Ok(());
    }
    tracing::warn!(generation = %id, "lease lost to another engine; not cancelling");
    Err(StoreError::LeaseLost { id: id.into() }.into())
}

/// Lets go of `id`'s lease: its task ended.
pub(super) fn release(s: &Arc<Shared>, id: GenerationId) {
    s.leased.lock().unwrap().remove(&id);
    if let Err(e) = s.queue.store().release_lease(id, s.engine_id) {
        tracing::warn!(generation = %id, error = %e, "could not let go of a lease");
    }
}

/// Lets go of every lease this engine holds (a clean stop: another engine
/// may take the work over at once instead of after the lease expires).
pub(super) fn release_all(s: &Shared) {
    let ids: Vec<GenerationId> = s.leased.lock().unwrap().drain().map(|(id, _)| id).collect();
    for id in ids {
        if let Err(e) = s.queue.store().release_lease(id, s.engine_id) {
            tracing::warn!(generation = %id, error = %e, "could not let go of a lease");
        }
    }
}

/// The earliest expiry of a lease another engine held when last asked
/// (taken out: the dispatcher wakes then and asks again).
pub(super) fn next_look(s: &Shared) -> Option<DateTime<Utc>> {
    s.lease_wake.lock().unwrap().take()
}

/// Renews this engine's leases every third of their length until the engine
/// stops; stops the task of any lease found lost.
pub(super) async fn renew_loop(s: Arc<Shared>) {
    let every = s.config.lease / 3;
    loop {
        tokio::select! {
            _ = s.stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let ids: Vec<GenerationId> = (s.leased.lock().unwrap().iter())
            .filter(|(_, (stop, _))| !stop.is_cancelled())
            .map(|(id, _)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let until = s.queue.now() + s.config.lease;
        let (q, engine) = (s.queue.clone(), s.engine_id);
        let renewed =
            tokio::task::spawn_blocking(move || q.store().renew_leases(engine, &ids, until)).await;
        match renewed {
            Ok(Ok(lost)) => {
                // Kept in `leased` (with its fence, which the store now
                // refuses) until the task ends and lets it go.
                for id in lost {
                    if let Some((stop, _)) = s.leased.lock().unwrap().get(&id) {
                        if !stop.is_cancelled() {
                            tracing::warn!(generation = %id, "lease lost to another engine; letting it go");
                            stop.cancel();
                        }
                    }
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "could not renew the leases"),
            Err(e) => tracing::warn!(error = %e, "lease renewal task failed"),
        }
    }
}
