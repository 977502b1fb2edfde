//! One engine step's writes in one transaction: the request whose answer
//! the step acts on (counted on its token), what an ended prediction cost
//! (its `spend` row) and the lifecycle [`Transition`] — all or nothing, one
//! commit instead of three (issue 12: a generation's slot time is mostly its
//! store writes once the HTTP is on loopback; BENCHMARKS.md, scenario 1).
//!
//! A server database does the same in one transaction: `UPDATE tokens …`,
//! `INSERT INTO spend … ON CONFLICT …`, then the transition with the row
//! locked.

use chrono::{DateTime, Utc};

use super::spend::{FinalSpend, record_final_in};
use super::tokens::{RequestOutcome, record_request_in};
use super::transitions::transition_in;
use super::{Store, StoreError};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{GenerationId, Token, TokenId};

/// What one step writes besides its transition (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepWrites {
    /// A request sent with this token whose outcome is counted now (as
    /// [`Store::record_request`]): the answer the step acts on.
    pub request: Option<(TokenId, RequestOutcome)>,
    /// What the ended prediction cost (as [`Store::record_final`]). Written
    /// whether or not the transition applies: the prediction ran either way.
    pub spend: Option<FinalSpend>,
    /// The lease the engine writes under (`store/lease.rs`): on a store
    /// shared by engines the whole step is refused with
    /// [`StoreError::LeaseLost`] unless the generation's lease is still
    /// this engine's with this fence. SQLite ignores it (one engine per folder).
    pub fence: Option<super::Fence>,
}

impl StepWrites {
    /// Nothing besides the transition.
    pub fn none() -> StepWrites {
        StepWrites::default()
    }

    /// These writes, made under lease `fence`.
    pub fn fenced(&self, fence: super::Fence) -> StepWrites {
        StepWrites {
            fence: Some(fence),
            ..self.clone()
        }
    }

    /// True when there is nothing besides the transition (the fence is no write).
    pub fn is_empty(&self) -> bool {
        self.request.is_none() && self.spend.is_none()
    }
}

/// What [`Store::write_step`] wrote.
#[derive(Debug, Clone)]
pub struct StepWritten {
    /// The transition's outcome, as [`Store::transition`] returns it.
    pub transition: Transitioned,
    /// The token row after counting `request`, when there was one.
    pub token: Option<Token>,
}

impl Store {
    /// Counts `w.request`, records `w.spend`, then applies `t` to generation
    /// `id` at `now` (as [`Store::transition`]), in one write transaction
    /// (`BEGIN IMMEDIATE`): all or nothing.
    ///
    /// A token removed meanwhile is not counted (`token` is `None`); the
    /// rest is written. Errors: [`StoreError::NotFound`] for a missing
    /// generation (nothing is written then); the store's own.
    pub fn write_step(
        &self,
        id: GenerationId,
        t: &Transition,
        w: &StepWrites,
        now: DateTime<Utc>,
    ) -> Result<StepWritten, StoreError> {
        self.write(|tx| {
            let token = match w.request {
                Some((token, outcome)) => match record_request_in(tx, token, outcome, now) {
                    Ok(t) => Some(t),
                    // Removed meanwhile: nothing to count on; the step's own writes go on.
                    Err(StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                },
                None => None,
            };
            if let Some(f) = &w.spend {
                record_final_in(tx, f)?;
            }
            let transition = transition_in(tx, id, t, now)?;
            Ok(StepWritten { transition, token })
        })
    }
}
