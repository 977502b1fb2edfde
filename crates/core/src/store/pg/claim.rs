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

use super::reads::{load as load_generation, load_token, load_tokens};
use super::spend::budget_check;
use super::{PgStore, pg_err, pool_err};
use crate::model::{GenerationId, GenerationStatus, TokenId};
use crate::store::codec::to_ms;
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

impl PgStore {
    /// A claim in its own transaction, timed ([`PgStore::claim_times_us`]):
    /// of generation `id`, or (`None`) of the next ready one in
    /// `next_dispatchable`'s order, taken `FOR UPDATE SKIP LOCKED` so that
    /// a generation another engine is claiming is skipped and one it
    /// claimed no longer matches. `Ok(None)`: no generation is ready.
    pub(super) fn claim_pg(
        &self,
        id: Option<GenerationId>,
        now: DateTime<Utc>,
        held: Option<&HashSet<TokenId>>,
    ) -> Result<Option<(GenerationId, ClaimOutcome)>, StoreError> {
        let now = to_ms(now);
        let held = held.cloned();
        let start = std::time::Instant::now();
        let out = self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let id = match id {
                Some(id) => id,
                None => {
                    let next = tx
                        .query_opt(
                            "SELECT id FROM generations WHERE status = 'pending' \
                             AND token_id IS NULL \
                             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
                             ORDER BY priority DESC, created_at ASC, id ASC LIMIT 1 \
                             FOR UPDATE SKIP LOCKED",
                            &[&now],
                        )
                        .await
                        .map_err(pg_err)?;
                    match next {
                        Some(row) => GenerationId::from(row.get::<_, uuid::Uuid>(0)),
                        None => return Ok(None),
                    }
                }
            };
            let out = claim(&tx, id, now, held.as_ref()).await?;
            tx.commit().await.map_err(pg_err)?;
            Ok(Some((id, out)))
        });
        self.note_claim(start.elapsed());
        out
    }
}
