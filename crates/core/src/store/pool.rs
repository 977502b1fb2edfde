//! The token pool: which token a generation runs on (shared/DESIGN.md, "Token pool").
//!
//! A slot is a generation row: a token's slots in use are the generations with
//! its `token_id` whose status is pending or processing. A terminal status or
//! [`Store::release_token`] frees the slot, so no count can drift or leak
//! across a crash. Claims run in one `BEGIN IMMEDIATE` transaction, so two
//! claimers (threads or processes) never take the same slot.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::codec::{to_ms, ts, uuid_text};
use super::generation_rows::load;
use super::spend::{budget_check, no_token_wait};
use super::tokens::{load_token, load_tokens};
use super::{Store, StoreError};
use crate::model::{GenerationId, GenerationStatus, Token, TokenId};
use crate::wait::WaitCode;

/// What [`Store::claim_token`] decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// The generation now holds this token (its `in_flight` and `last_used_at`
    /// already count the claim).
    Claimed(Token),
    /// No token can take it now. `until`: when to try again, if known (the
    /// earliest cooldown end for [`WaitCode::CoolingDown`], the end of a
    /// budget's day or month; `None` otherwise). `detail`: a budget's limit (`$5.00`).
    Wait {
        reason: WaitCode,
        until: Option<DateTime<Utc>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

impl ClaimOutcome {
    /// The claimed token, if any.
    pub fn token(&self) -> Option<&Token> {
        match self {
            ClaimOutcome::Claimed(t) => Some(t),
            ClaimOutcome::Wait { .. } => None,
        }
    }
}

/// The pool's choice among `tokens` at `now` (pure: no database).
///
/// Usable = active, not cooling down (`cooldown_until` unset or ≤ `now`), and
/// `in_flight < max_concurrency`. Among usable tokens: least recently used
/// (never used first), then fewest requests, then id.
pub fn choose(
    tokens: &[Token],
    now: DateTime<Utc>,
) -> Result<&Token, (WaitCode, Option<DateTime<Utc>>)> {
    if tokens.is_empty() {
        return Err((WaitCode::NoTokens, None));
    }
    let active: Vec<&Token> = tokens.iter().filter(|t| t.active).collect();
    if active.is_empty() {
        return Err((WaitCode::AllDisabled, None));
    }
    let free: Vec<&Token> = active
        .into_iter()
        .filter(|t| t.in_flight < t.max_concurrency)
        .collect();
    let cooling = |t: &Token| t.cooldown_until.is_some_and(|c| c > now);
    let best = free.iter().copied().filter(|t| !cooling(t)).min_by(|a, b| {
        // `None < Some(_)`: a token never used comes first.
        (a.last_used_at, a.request_count, a.id).cmp(&(b.last_used_at, b.request_count, b.id))
    });
    match best {
        Some(t) => Ok(t),
        None if free.is_empty() => Err((WaitCode::AllBusy, None)),
        None => Err((
            WaitCode::CoolingDown,
            free.iter().filter_map(|t| t.cooldown_until).min(),
        )),
    }
}

/// Leaves in `tokens` only those whose secret the claiming engine holds
/// (`held`; `None`: every token, as on a store of its own). Both stores call
/// it before [`choose`] (issue #15: an engine claims only with tokens whose
/// secret it holds, so it never sends, fails and disables a token it lacks).
///
/// `Some(wait)` ([`WaitCode::NoSecretHere`]) when the pool has an active
/// token but none of the active ones is held. A pool with no active token
/// is left whole, so [`choose`] still says "no tokens" or "all disabled".
pub(crate) fn keep_held(
    tokens: &mut Vec<Token>,
    held: Option<&HashSet<TokenId>>,
) -> Option<ClaimOutcome> {
    let held = held?;
    if !tokens.iter().any(|t| t.active) {
        return None;
    }
    tokens.retain(|t| held.contains(&t.id));
    if tokens.iter().any(|t| t.active) {
        return None;
    }
    Some(ClaimOutcome::Wait {
        reason: WaitCode::NoSecretHere,
        until: None,
        detail: None,
    })
}

impl Store {
    /// [`Store::claim_token_among`] with every token.
    pub fn claim_token(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        self.claim_token_among(id, now, None)
    }

    /// Gives the pending generation `id` a token slot, in one write transaction
    /// (`BEGIN IMMEDIATE`): picks with [`choose`] among the tokens in `held`
    /// (`None`: all; see [`keep_held`]), sets the generation's `token_id`
    /// (and `updated_at = now`) and the token's `last_used_at = now`.
    /// A generation that already holds a token gets that token back.
    ///
    /// Errors: [`StoreError::NotFound`] (no such generation),
    /// [`StoreError::NotPending`] (it holds no token and is not pending).
    pub fn claim_token_among(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        held: Option<&HashSet<TokenId>>,
    ) -> Result<ClaimOutcome, StoreError> {
        self.write(|tx| {
            let g = load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))?;
            if let Some(token_id) = g.token_id {
                // Still there: `ON DELETE SET NULL` clears the id of a removed token.
                if let Some(token) = load_token(tx, token_id)? {
                    return Ok(ClaimOutcome::Claimed(token));
                }
            }
            if g.status != GenerationStatus::Pending {
                return Err(StoreError::NotPending {
                    id: id.into(),
                    status: g.status,
                });
            }
            let mut tokens = load_tokens(tx)?;
            if let Some(wait) = keep_held(&mut tokens, held) {
                return Ok(wait);
            }
            // Budgets (spend settings), in this same transaction: see `spend::budget_check`.
            let (pool_hold, token_hold) = budget_check(tx, id, &mut tokens, now)?;
            if let Some(h) = pool_hold {
                return Ok(h.into_wait());
            }
            let token_id = match choose(&tokens, now) {
                Ok(t) => t.id,
                Err((reason, until)) => return Ok(no_token_wait(reason, until, token_hold)),
            };
            let now_text = ts(to_ms(now));
            tx.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")?
                .execute([uuid_text(token_id), now_text.clone()])?;
            tx.prepare_cached(
                "UPDATE generations SET token_id = ?2, updated_at = ?3 WHERE id = ?1",
            )?
            .execute([uuid_text(id), uuid_text(token_id), now_text])?;
            let token = load_token(tx, token_id)?
                .ok_or_else(|| StoreError::not_found("token", token_id))?;
            Ok(ClaimOutcome::Claimed(token))
        })
    }

    /// Frees the slot of a pending generation: `token_id` and `create_sent_at`
    /// become NULL, so it can be dispatched again (on any token). Does nothing
    /// if it holds no token.
    ///
    /// Errors: [`StoreError::NotFound`]; [`StoreError::NotPending`] for a
    /// generation past pending (its prediction belongs to its token for good).
    pub fn release_token(&self, id: GenerationId) -> Result<(), StoreError> {
        self.write(|tx| {
            let g = load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))?;
            if g.status != GenerationStatus::Pending {
                return Err(StoreError::NotPending {
                    id: id.into(),
                    status: g.status,
                });
            }
            if g.token_id.is_some() || g.create_sent_at.is_some() {
                tx.prepare_cached(
                    "UPDATE generations SET token_id = NULL, create_sent_at = NULL WHERE id = ?1",
                )?
                .execute([uuid_text(id)])?;
            }
            Ok(())
        })
    }
}
