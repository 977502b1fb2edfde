//! Leases: which engine follows an in-flight generation when several
//! engines share one queue (a team's PostgreSQL database, issue #15).
//!
//! An engine takes a generation's lease before it drives it (creates,
//! reconciles, follows, saves) and renews it while it does; an engine that
//! finds the lease held by another leaves the generation alone until the
//! lease expires (that engine was killed, or slept past it), then takes it
//! over. Each take-over raises the row's fencing number. The engine that
//! takes over starts from the row as stored, so a create whose answer was
//! lost is reconciled through the token's prediction list, never sent again
//! blindly (issue #17's rule, `engine/reconcile.rs`).
//!
//! Fencing: every write an engine makes for a generation it drives carries
//! its [`Fence`] (`StepWrites::fence`); PostgreSQL checks it in the write's
//! own transaction and refuses it with [`StoreError::LeaseLost`](super::StoreError::LeaseLost)
//! once the lease is no longer that engine's with that fence (another took
//! it over while this one slept past it). Nothing of the refused write is
//! kept; the engine stops driving the generation.
//!
//! SQLite needs none of this: one engine per data folder, enforced by the
//! folder's engine lock, so its lease is always granted (the trait's
//! default methods).

use chrono::{DateTime, Utc};

/// What [`QueueStore::take_lease`](super::QueueStore::take_lease) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// This engine holds the lease now; `fence` is the row's fencing number
    /// (raised whenever the lease changes hands).
    Taken { fence: i64 },
    /// Another engine holds it until `until`; look again then.
    Held { until: DateTime<Utc> },
}

/// The lease a write is made under: engine `engine`'s lease with fencing
/// number `fence` (as [`Lease::Taken`] gave it). Fences start at 1 on
/// PostgreSQL, so `fence: 0` names no lease: a write carrying it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub engine: uuid::Uuid,
    pub fence: i64,
}
