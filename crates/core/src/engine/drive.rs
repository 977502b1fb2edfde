//! One generation's journey on its claimed token: which step comes next —
//! create ([`super::create`]), or reconcile a create whose answer was lost
//! ([`super::reconcile`]), then follow ([`super::follow`]) and save the
//! outputs ([`super::finish`]).

use std::sync::Arc;

use super::Shared;
use super::steps::{Result, fail, release, set_wait_reason};
use super::{create, finish, follow, reconcile};
use crate::lifecycle::Transition;
use crate::model::{ErrorKind, GenerationId, GenerationStatus, TokenId};
use crate::queue::QueueError;
use crate::secrets::SecretError;
use crate::store::StepWrites;
use crate::wait::{WaitCode, WaitReason};

/// Drives one generation until it is terminal or back in the pending queue.
/// `true`: it was left untouched, as it holds another token than `token_id`
/// (or none) now: the dispatcher should look at it once this task lets go
/// of its lease.
pub(super) async fn drive(s: &Arc<Shared>, id: GenerationId, token_id: TokenId) -> bool {
    let e = match drive_inner(s, id, token_id).await {
        Ok(left) => return left,
        Err(e) => e,
    };
    if super::steps::lease_lost(&e) {
        // Another engine drives it now (it took the lease over): leave
        // it to that one, writing and sending nothing more.
        return false;
    }
    if matches!(
        e,
        QueueError::Store(crate::store::StoreError::TooNew { .. })
    ) {
        // A newer Genqueue migrated the team database: this engine can
        // write nothing more. An engine of the newer version takes the
        // generation over when its lease expires.
        return false;
    }
    tracing::error!(generation = %id, error = %e, "a generation's task failed");
    // Give the slot back and try later: nothing is lost, the row holds the state.
    let backoff = s.config.retry_base * 5;
    let unsent = s
        .queue
        .store()
        .get_generation(id)
        .ok()
        .flatten()
        .is_some_and(|g| g.status == GenerationStatus::Pending && g.create_sent_at.is_none());
    if unsent {
        let _ = super::steps::commit(
            s,
            id,
            Transition::Release {
                next_attempt_at: Some(s.queue.now() + backoff),
                reason: Some(
                    WaitReason::new(WaitCode::InternalError)
                        .detail(&e)
                        .until(s.queue.now() + backoff),
                ),
                undo_attempt: false,
            },
        );
    }
    // In flight: not at once; the dispatcher resumes it on a later pass.
    tokio::time::sleep(backoff).await;
    false
}

async fn drive_inner(s: &Arc<Shared>, id: GenerationId, token_id: TokenId) -> Result<bool> {
    let Some(g) = s.queue.store().get_generation(id)? else {
        return Ok(false);
    };
    // The token is the one the row holds, read under this engine's lease.
    // The one this task was handed (a claim's or a recovery's answer) may
    // be stale: the generation was given back and claimed again on another
    // token, or given back and not claimed yet, between that answer and the
    // lease. Creating on it then would run a prediction on a token whose
    // slot the store does not count, and the token could go over its cap
    // (issue #15's kill test). Left to the dispatcher, which sees the row
    // as it is once this task lets go of the lease.
    if g.token_id != Some(token_id) {
        tracing::info!(generation = %id, "the generation holds another token now, or none; left to the dispatcher");
        return Ok(true);
    }
    let unsent = g.status == GenerationStatus::Pending && g.create_sent_at.is_none();
    let secret = match s.queue.secret(token_id).await {
        Ok(secret) => secret,
        Err(QueueError::Secret(SecretError::NotFound(_)))
            if s.queue.store().shared_by_engines() =>
        {
            // A team's token whose secret left this machine's keyring since
            // the claim: other members may hold it, so it is not disabled
            // from here (issue #15). Recorded as missing (claims here skip
            // it); an unsent generation goes back to the queue, one in
            // flight to an engine that holds the secret (its lease is let go
            // when this task ends).
            let _ = s.queue.secret_here(token_id).await;
            if unsent {
                release(s, id, None, None, false)?;
            }
            return Ok(false);
        }
        Err(QueueError::Secret(SecretError::NotFound(_))) => {
            // Without its secret the token is useless; a prediction it owns cannot be followed.
            s.queue.disable_token(
                token_id,
                "Its secret is missing from the system keyring; paste the token again in Add a token, then switch it back on",
            )?;
            if unsent {
                release(s, id, None, None, false)?;
            } else {
                fail(s, id, ErrorKind::TokenSecretMissing, None)?;
            }
            return Ok(false);
        }
        Err(e) => {
            // Locked or unreachable keyring: the user can fix it; wait, lose nothing.
            let at = s.queue.now() + s.config.retry_cap;
            let why = WaitReason::new(WaitCode::KeyringUnavailable)
                .detail(&e)
                .until(at);
            if unsent {
                release(s, id, Some(at), Some(why), false)?;
            } else {
                set_wait_reason(s, id, why)?;
                tokio::time::sleep(s.config.retry_cap).await;
            }
            return Ok(false);
        }
    };
    let prediction = if g.prediction_id.is_some() {
        None
    } else if g.create_sent_at.is_some() {
        match reconcile::reconcile(s, &g, token_id, &secret, None).await? {
            Some(p) => Some((p, StepWrites::none())),
            None => return Ok(false),
        }
    } else if g.status == GenerationStatus::Pending {
        match create::create(s, &g, token_id, &secret).await? {
            Some(p) => Some(p),
            None => return Ok(false),
        }
    } else {
        return Ok(false);
    };
    let (g, last) = match prediction {
        Some((p, w)) => match follow::adopt(s, id, &p, token_id, &secret, &w).await? {
            Some(g) => {
                if p.status.is_terminal() {
                    let none = StepWrites::none();
                    return finish::finish(s, &g, p, None, &none, &secret)
                        .await
                        .map(|()| false);
                }
                (g, Some(p))
            }
            None => return Ok(false),
        },
        None => (g, None),
    };
    follow::follow(s, &g, last, token_id, &secret)
        .await
        .map(|()| false)
}
