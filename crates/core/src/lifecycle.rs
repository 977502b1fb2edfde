//! The generation lifecycle (shared/DESIGN.md, "Generation lifecycle"): every
//! change of a generation's row is one [`Transition`], written here once and
//! guarded by the states it may start from.
//!
//! ```text
//!   pending ──CreateSent──▶ pending (create on the wire) ──Created──▶ processing
//!      ▲  ◀──Release── (429, refused token, nothing was made)           │
//!      └────────────────Requeue (Replicate interrupted it) ◀────────────┤
//!   pending/processing ──Fail──▶ failed     processing ──Complete──▶ completed
//!   pending/processing ──Cancel─▶ cancelled  (Progress, Wait: no change of status)
//! ```
//!
//! A transition is applied to a row in one store transaction
//! ([`crate::store::Store::transition`]) and announced by
//! [`crate::queue::Queue::commit`], so that a store change becomes an event by
//! construction. Transitions that end a generation ([`Transition::ends`]) are
//! announced as [`crate::events::Event::GenerationEnded`] exactly once: the
//! guard refuses a second ending.

use chrono::{DateTime, Utc};

use crate::model::{ErrorKind, Generation, GenerationStatus, TokenId};
use crate::wait::WaitReason;

/// One change of a generation's lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// The create is about to be sent on the claimed token; recorded before
    /// it is sent, so a kill cannot lose track of it. From `pending` holding
    /// a token.
    CreateSent,
    /// The prediction exists (the create answered, or reconciling found it):
    /// `processing`, owned by `token_id`. From `pending`; a generation
    /// cancelled meanwhile keeps `cancelled` but records the prediction, so
    /// that it can be cancelled on Replicate.
    Created {
        prediction_id: String,
        token_id: TokenId,
        replicate_status: String,
        started_at: Option<DateTime<Utc>>,
        progress: Option<u8>,
    },
    /// What the user sees while it runs. From `processing`.
    Progress {
        progress: Option<u8>,
        replicate_status: String,
        started_at: Option<DateTime<Utc>>,
    },
    /// Every output saved. From `processing`.
    Complete {
        /// Saved files (see [`Generation::output_files`]).
        files: Vec<String>,
        /// Replicate's https output URLs.
        urls: Vec<String>,
        replicate_status: String,
        started_at: Option<DateTime<Utc>>,
    },
    /// The end, with its reason. From `pending` or `processing`.
    Fail {
        kind: ErrorKind,
        /// The cause's own words (see [`crate::failure`]).
        detail: Option<String>,
        /// Replicate's status when it said so (`failed`, `aborted`…).
        replicate_status: Option<String>,
    },
    /// Cancelled by the user, or Replicate says `canceled`. From `pending` or
    /// `processing`; on an ended generation only Replicate's status is kept.
    Cancel { replicate_status: Option<String> },
    /// Back to the queue without a token, its slot freed: nothing was made on
    /// Replicate (a 429, a refused token, a create surely not received).
    /// `undo_attempt`: the attempt did not count. From `pending`.
    Release {
        next_attempt_at: Option<DateTime<Utc>>,
        reason: Option<WaitReason>,
        undo_attempt: bool,
    },
    /// Replicate interrupted the prediction (its own hiccup): pending again,
    /// to be created anew after `next_attempt_at`. From `processing`.
    Requeue {
        next_attempt_at: DateTime<Utc>,
        reason: WaitReason,
        replicate_status: String,
    },
    /// Why it waits, shown to the user (`None` clears it). From `pending` or
    /// `processing`.
    Wait { reason: Option<WaitReason> },
    /// A new priority (higher runs first). From any state.
    Prioritize { priority: i64 },
}

impl Transition {
    /// The transition's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateSent => "create_sent",
            Self::Created { .. } => "created",
            Self::Progress { .. } => "progress",
            Self::Complete { .. } => "complete",
            Self::Fail { .. } => "fail",
            Self::Cancel { .. } => "cancel",
            Self::Release { .. } => "release",
            Self::Requeue { .. } => "requeue",
            Self::Wait { .. } => "wait",
            Self::Prioritize { .. } => "prioritize",
        }
    }

    /// Whether the states `from` may take this transition. Ending
    /// transitions are allowed only from an active state, so a generation
    /// ends once.
    pub fn allowed_from(&self, from: GenerationStatus) -> bool {
        use GenerationStatus::*;
        match self {
            Self::CreateSent | Self::Release { .. } => from == Pending,
            Self::Created { .. } => matches!(from, Pending | Cancelled),
            Self::Progress { .. } | Self::Complete { .. } | Self::Requeue { .. } => {
                from == Processing
            }
            Self::Fail { .. } | Self::Wait { .. } => from.is_active(),
            // Replicate's `canceled` is recorded on an ended row too.
            Self::Cancel { .. } | Self::Prioritize { .. } => true,
        }
    }

    /// Applies the transition to `g` at `now` if its state allows it.
    /// Returns whether it was allowed (`g` is unchanged otherwise).
    pub fn apply(&self, g: &mut Generation, now: DateTime<Utc>) -> bool {
        if !self.allowed_from(g.status) {
            return false;
        }
        match self.clone() {
            Self::CreateSent => {
                g.create_sent_at = Some(now);
                g.attempts += 1;
                g.wait_reason = None;
                g.next_attempt_at = None;
            }
            Self::Created {
                prediction_id,
                token_id,
                replicate_status,
                started_at,
                progress,
            } => {
                g.prediction_id = Some(prediction_id);
                g.create_sent_at = None;
                g.token_id = Some(token_id);
                g.replicate_status = Some(replicate_status);
                g.progress = progress;
                g.wait_reason = None;
                if g.status == GenerationStatus::Pending {
                    g.status = GenerationStatus::Processing;
                    g.started_at = started_at.or(Some(now));
                }
            }
            Self::Progress {
                progress,
                replicate_status,
                started_at,
            } => {
                g.progress = progress.or(g.progress);
                g.replicate_status = Some(replicate_status);
                if started_at.is_some() {
                    g.started_at = started_at;
                }
            }
            Self::Complete {
                files,
                urls,
                replicate_status,
                started_at,
            } => {
                g.status = GenerationStatus::Completed;
                g.output_files = files;
                g.output_urls = urls;
                g.completed_at = Some(now);
                g.progress = Some(100);
                g.replicate_status = Some(replicate_status);
                g.error = None;
                g.error_kind = None;
                g.wait_reason = None;
                if g.started_at.is_none() {
                    g.started_at = started_at;
                }
            }
            Self::Fail {
                kind,
                detail,
                replicate_status,
            } => {
                g.status = GenerationStatus::Failed;
                g.error = detail;
                g.error_kind = Some(kind);
                g.completed_at = Some(now);
                g.create_sent_at = None;
                g.wait_reason = None;
                g.next_attempt_at = None;
                if replicate_status.is_some() {
                    g.replicate_status = replicate_status;
                }
            }
            Self::Cancel { replicate_status } => {
                if g.status.is_active() {
                    g.status = GenerationStatus::Cancelled;
                    g.completed_at = Some(now);
                    g.wait_reason = None;
                    g.next_attempt_at = None;
                }
                if replicate_status.is_some() {
                    g.replicate_status = replicate_status;
                }
            }
            Self::Release {
                next_attempt_at,
                reason,
                undo_attempt,
            } => {
                g.token_id = None;
                g.create_sent_at = None;
                g.next_attempt_at = next_attempt_at;
                g.wait_reason = reason;
                if undo_attempt {
                    g.attempts = g.attempts.saturating_sub(1);
                }
            }
            Self::Requeue {
                next_attempt_at,
                reason,
                replicate_status,
            } => {
                g.status = GenerationStatus::Pending;
                g.prediction_id = None;
                g.token_id = None;
                g.progress = None;
                g.replicate_status = Some(replicate_status);
                g.next_attempt_at = Some(next_attempt_at);
                g.wait_reason = Some(reason);
            }
            Self::Wait { reason } => g.wait_reason = reason,
            Self::Prioritize { priority } => g.priority = priority,
        }
        true
    }

    /// Whether taking this transition ends the generation (completed,
    /// failed, cancelled).
    pub fn ends(&self) -> bool {
        matches!(
            self,
            Self::Complete { .. } | Self::Fail { .. } | Self::Cancel { .. }
        )
    }
}

/// What [`crate::store::Store::transition`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Transitioned {
    /// The row as stored now.
    pub row: Generation,
    /// False when the row's state did not allow the transition (nothing written).
    pub applied: bool,
    /// True when the row was written (allowed, and it changed something).
    pub changed: bool,
    /// True when this transition took the row from active to ended.
    pub ended: bool,
}

#[cfg(test)]
mod tests;
