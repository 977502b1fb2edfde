//! The token pool's claim on PostgreSQL: the seed's choice (least recently
//! used, then fewest requests; [`choose`], the one rule shared with SQLite)
//! with the chosen token's row taken `FOR UPDATE SKIP LOCKED`, so engines
//! claiming at once never wait on each other and never exceed a token's cap.
//!
//! In one transaction: the generation's row is locked (`FOR UPDATE`); the
//! tokens are read with their slots in use; [`choose`] names the best; its
//! row is locked, skipping it if another engine holds it; its slots are
//! counted again under that lock (a claim committed meanwhile is seen, as
//! PostgreSQL re-reads at each statement under READ COMMITTED) and the
//! choice is checked again. A skipped or now-full token is left out and the
//! choice is made again among the rest; when none is left, the wait is
//! [`WaitCode::AllBusy`]. Budgets are checked first, with SQLite's rule
//! (see `pg/spend.rs`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::pg_err;
use super::reads::{load as load_generation, load_token, load_tokens};
use super::spend::budget_check;
use crate::model::{GenerationId, GenerationStatus, TokenId};
use crate::store::pool::{choose, keep_held};
use crate::store::spend::no_token_wait;
use crate::store::{ClaimOutcome, StoreError};
use crate::wait::WaitCode;

/// Claims a slot for generation `id` at `now` inside the caller's transaction.
/// Only tokens in `held` are chosen (`None`: all; see [`keep_held`]).
pub(crate) async fn claim(
    tx: &impl GenericClient,
    id: GenerationId,
    now: DateTime<Utc>,
    held: Option<&HashSet<TokenId>>,
) -> Result<ClaimOutcome, StoreError> {
    let g = load_generation(tx, id, true)
        .await?
        .ok_or_else(|| StoreError::not_found("generation", id))?;
    if let Some(token_id) = g.token_id
        && let Some(token) = load_token(tx, token_id).await?
    {
        return Ok(ClaimOutcome::Claimed(token));
    }
    if g.status != GenerationStatus::Pending {
        return Err(StoreError::NotPending {
            id: id.into(),
            status: g.status,
        });
    }
    let mut tokens = load_tokens(tx).await?;
    if let Some(wait) = keep_held(&mut tokens, held) {
        return Ok(wait);
    }
    // Budgets (spend settings), in this same transaction: see `spend::budget_check`.
    let (pool_hold, token_hold) = budget_check(tx, id, &mut tokens, now).await?;
    if let Some(h) = pool_hold {
        return Ok(h.into_wait());
    }
    let mut skipped = false;
    loop {
        let chosen = match choose(&tokens, now) {
            Ok(t) => t.id,
            Err(_) if skipped => {
                return Ok(ClaimOutcome::Wait {
                    reason: WaitCode::AllBusy,
                    until: None,
                    detail: None,
                });
            }
            Err((reason, until)) => return Ok(no_token_wait(reason, until, token_hold)),
        };
        let uid = uuid::Uuid::from(chosen);
        let locked = tx
            .query_opt(
                "SELECT id FROM tokens WHERE id = $1 FOR UPDATE SKIP LOCKED",
                &[&uid],
            )
            .await
            .map_err(pg_err)?
            .is_some();
        // Read again under the lock: its slots, flags and cooldown as committed now.
        let fresh = if locked {
            load_token(tx, chosen).await?
        } else {
            None
        };
        let still_best = fresh
            .as_ref()
            .is_some_and(|t| choose(std::slice::from_ref(t), now).is_ok());
        if !still_best {
            skipped = true;
            tokens.retain(|t| t.id != chosen);
            continue;
        }
        tx.execute(
            "UPDATE tokens SET last_used_at = $2 WHERE id = $1",
            &[&uid, &now],
        )
        .await
        .map_err(pg_err)?;
        let gid = uuid::Uuid::from(id);
        tx.execute(
            "UPDATE generations SET token_id = $2, updated_at = $3 WHERE id = $1",
            &[&gid, &uid, &now],
        )
        .await
        .map_err(pg_err)?;
        let token = load_token(tx, chosen)
            .await?
            .ok_or_else(|| StoreError::not_found("token", chosen))?;
        return Ok(ClaimOutcome::Claimed(token));
    }
}
