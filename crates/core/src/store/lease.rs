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
