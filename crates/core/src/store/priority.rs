//! The order in which pending generations run, and changing it: the one
//! algorithm, for every store.
//!
//! Dispatch order is `priority DESC, created_at ASC, id ASC` over pending
//! generations that hold no token (the `generations_dispatch` index). New
//! generations come with priority 0, so by default the oldest runs first.
//!
//! Every move is one primitive, [`reorder`]: the listed generations take
//! consecutive priorities in the given order, placed where the earliest of
//! them (in the current order) stood; pending generations ahead of that
//! place are raised by a constant when needed so they stay ahead. The result
//! is exact (no tie is left to `created_at`) and it is in the store, so it
//! survives a restart.
//!
//! A store gives the algorithm its rows through [`OrderRows`] (a few reads
//! and writes inside one write transaction): SQLite's in
//! `priority_sqlite.rs`, PostgreSQL's in `pg/order.rs`. The methods are
//! `async` so that PostgreSQL's driver fits; SQLite's answer at once and
//! are driven by [`ready`].

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::GenerationId;

/// A generation's place in the dispatch order. `At` is the store's own
/// form of `created_at` (SQLite's text, PostgreSQL's `timestamptz`), so
/// keys compare exactly as the store orders them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key<At> {
    pub id: GenerationId,
    pub priority: i64,
    pub created_at: At,
}

impl<At: Ord> Key<At> {
    /// Sorts like the dispatch order (first to run is smallest).
    fn order(&self) -> (i64, &At, GenerationId) {
        (-self.priority, &self.created_at, self.id)
    }
}

/// The reads and writes [`reorder`] and [`move_pending`] need, all inside
/// one write transaction of the store. "Dispatchable": pending and holding
/// no token.
pub(crate) trait OrderRows {
    /// The store's form of `created_at`.
    type At: Ord + Clone;

    /// A pending generation's key: `None` if it holds a token (its create is
    /// under way). Errors: [`StoreError::NotFound`], [`StoreError::NotPending`].
    async fn pending_key(&self, id: GenerationId) -> Result<Option<Key<Self::At>>, StoreError>;

    /// Up to `n` dispatchable generations after `k` in dispatch order (from
    /// the first if `None`).
    async fn keys_after(
        &self,
        k: Option<&Key<Self::At>>,
        n: usize,
    ) -> Result<Vec<Key<Self::At>>, StoreError>;

    /// The dispatchable generation just before `k` in dispatch order, if any.
    async fn key_before(&self, k: &Key<Self::At>) -> Result<Option<Key<Self::At>>, StoreError>;

    /// Adds `by` to the priority of every dispatchable generation before `k`
    /// (`updated_at = now`); returns their ids.
    async fn raise_ahead(
        &self,
        k: &Key<Self::At>,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError>;

    /// Sets `id`'s priority to `p` (`updated_at = now`) unless it has it
    /// already; `true` if it changed.
    async fn set_priority(
        &self,
        id: GenerationId,
        p: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Drops `id`'s retry delay and its wait reason (`updated_at = now`);
    /// `true` if it had a delay.
    async fn drop_retry_delay(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// Drives a future that never waits (SQLite's [`OrderRows`]) to its answer.
///
/// Panics if it does wait: only futures made of synchronous work belong here.
pub(crate) fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("a synchronous store's future waited"),
    }
}

/// Gives the listed pending generations priorities so that they run exactly
/// in the given order (see the module doc and [`QueueStore::reorder_pending`]);
/// returns the ids whose priority changed.
///
/// [`QueueStore::reorder_pending`]: super::QueueStore::reorder_pending
pub(crate) async fn reorder<R: OrderRows>(
    rows: &R,
    ids: &[GenerationId],
    now: DateTime<Utc>,
) -> Result<Vec<GenerationId>, StoreError> {
    let mut seen = HashSet::new();
    let mut listed: Vec<Key<R::At>> = Vec::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        if let Some(k) = rows.pending_key(id).await? {
            listed.push(k);
        }
    }
    let Some(earliest) = listed
        .iter()
        .min_by(|a, b| a.order().cmp(&b.order()))
        .cloned()
    else {
        return Ok(Vec::new());
    };
    let n = listed.len() as i64;
    let in_list: HashSet<GenerationId> = listed.iter().map(|k| k.id).collect();
    // The first unlisted generation after the earliest listed one: the block goes before it.
    let tail = rows
        .keys_after(Some(&earliest), listed.len() + 1)
        .await?
        .into_iter()
        .find(|k| !in_list.contains(&k.id));
    let head_last = rows.key_before(&earliest).await?;
    // The block takes s+n (first) … s+1 (last).
    let s = match (&tail, &head_last) {
        (Some(t), _) => t.priority,
        (None, Some(h)) => h.priority - n - 1,
        (None, None) => -1,
    };
    let mut changed = Vec::new();
    if let Some(h) = &head_last {
        let raise = s + n + 1 - h.priority;
        if raise > 0 {
            changed.extend(rows.raise_ahead(&earliest, raise, now).await?);
        }
    }
    for (i, k) in listed.iter().enumerate() {
        let p = s + n - i as i64;
        if rows.set_priority(k.id, p, now).await? {
            changed.push(k.id);
        }
    }
    Ok(changed)
}

/// Moves one pending generation in the dispatch order (see [`MoveTo`]);
/// returns the ids whose row changed. Errors as [`reorder`].
pub(crate) async fn move_pending<R: OrderRows>(
    rows: &R,
    id: GenerationId,
    to: MoveTo,
    now: DateTime<Utc>,
) -> Result<Vec<GenerationId>, StoreError> {
    let Some(k) = rows.pending_key(id).await? else {
        return Ok(Vec::new());
    };
    let mut changed = match to {
        MoveTo::Up => match rows.key_before(&k).await? {
            Some(b) => reorder(rows, &[k.id, b.id], now).await?,
            None => Vec::new(),
        },
        MoveTo::Down => match rows.keys_after(Some(&k), 1).await?.pop() {
            Some(c) => reorder(rows, &[c.id, k.id], now).await?,
            None => Vec::new(),
        },
        MoveTo::Top | MoveTo::Next => match rows.keys_after(None, 1).await?.pop() {
            Some(first) if first.id != k.id => reorder(rows, &[k.id, first.id], now).await?,
            _ => Vec::new(),
        },
    };
    if to == MoveTo::Next && rows.drop_retry_delay(id, now).await? && !changed.contains(&id) {
        changed.push(id);
    }
    Ok(changed)
}

/// Where [`move_pending`] puts a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MoveTo {
    /// First in dispatch order.
    Top,
    /// Before its predecessor.
    Up,
    /// After its successor.
    Down,
    /// First in dispatch order, and any retry delay (`next_attempt_at`) dropped,
    /// so it is the very next one dispatched.
    Next,
}
