//! The order in which pending generations run, and changing it.
//!
//! Dispatch order is `priority DESC, created_at ASC, id ASC` over pending
//! generations that hold no token (the `generations_dispatch` index). New
//! generations come with priority 0, so by default the oldest runs first.
//!
//! Every move is one primitive, [`Store::reorder_pending`]: the listed
//! generations take consecutive priorities in the given order, placed where
//! the earliest of them (in the current order) stood; pending generations
//! ahead of that place are raised by a constant when needed so they stay
//! ahead. The result is exact (no tie is left to `created_at`) and it is in
//! the store, so it survives a restart.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::codec::{get_uuid, ts, uuid_text};
use super::generation_rows::{SUMMARY_COLUMNS, summary_from_row};
use super::{Store, StoreError};
use crate::model::{GenerationId, GenerationStatus, GenerationSummary, PROMPT_EXCERPT_CHARS};

/// A generation's place in the dispatch order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    id: GenerationId,
    priority: i64,
    created_at: String,
}

impl Key {
    /// Sorts like the dispatch order (first to run is smallest).
    fn order(&self) -> (i64, &str, GenerationId) {
        (-self.priority, self.created_at.as_str(), self.id)
    }
}

const DISPATCHABLE: &str = "status = 'pending' AND token_id IS NULL";

fn key_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Key> {
    Ok(Key {
        id: get_uuid(r, "id")?,
        priority: r.get("priority")?,
        created_at: r.get("created_at")?,
    })
}

/// Up to `n` dispatchable generations after `k` in dispatch order (from the first if `None`).
fn keys_after(conn: &Connection, k: Option<&Key>, n: usize) -> Result<Vec<Key>, StoreError> {
    let n = n as i64;
    let Some(k) = k else {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
             ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?1"
        ))?;
        return Ok(stmt
            .query_map([n], key_from_row)?
            .collect::<Result<_, _>>()?);
    };
    let mut out: Vec<Key> = conn
        .prepare_cached(&format!(
            "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
             AND priority = ?1 AND (created_at, id) > (?2, ?3) \
             ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?4"
        ))?
        .query_map(
            (k.priority, &k.created_at, uuid_text(k.id), n),
            key_from_row,
        )?
        .collect::<Result<_, _>>()?;
    let rest = n - out.len() as i64;
    if rest > 0 {
        let more: Vec<Key> = conn
            .prepare_cached(&format!(
                "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
                 AND priority < ?1 ORDER BY priority DESC, created_at ASC, id ASC LIMIT ?2"
            ))?
            .query_map((k.priority, rest), key_from_row)?
            .collect::<Result<_, _>>()?;
        out.extend(more);
    }
    Ok(out)
}

/// The dispatchable generation just before `k` in dispatch order, if any.
fn key_before(conn: &Connection, k: &Key) -> Result<Option<Key>, StoreError> {
    let same = conn
        .prepare_cached(&format!(
            "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
             AND priority = ?1 AND (created_at, id) < (?2, ?3) \
             ORDER BY priority ASC, created_at DESC, id DESC LIMIT 1"
        ))?
        .query_row((k.priority, &k.created_at, uuid_text(k.id)), key_from_row)
        .optional()?;
    if same.is_some() {
        return Ok(same);
    }
    Ok(conn
        .prepare_cached(&format!(
            "SELECT id, priority, created_at FROM generations INDEXED BY generations_dispatch WHERE {DISPATCHABLE} \
             AND priority > ?1 ORDER BY priority ASC, created_at DESC, id DESC LIMIT 1"
        ))?
        .query_row([k.priority], key_from_row)
        .optional()?)
}

/// A pending generation's key; errors if it is missing or not pending.
/// `None` if it is pending but holds a token (its create is under way).
fn pending_key(conn: &Connection, id: GenerationId) -> Result<Option<Key>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, priority, created_at, status, token_id FROM generations WHERE id = ?1",
        )?
        .query_row([uuid_text(id)], |r| {
            Ok((
                key_from_row(r)?,
                r.get::<_, String>("status")?,
                r.get::<_, Option<String>>("token_id")?,
            ))
        })
        .optional()?;
    let Some((key, status, token)) = row else {
        return Err(StoreError::not_found("generation", id));
    };
    if status != GenerationStatus::Pending.as_str() {
        return Err(StoreError::NotPending {
            id: id.into(),
            status: status.parse().unwrap_or(GenerationStatus::Processing),
        });
    }
    Ok(token.is_none().then_some(key))
}

/// Where [`Store::move_pending`] puts a generation.
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

impl Store {
    /// Pending generations in the order they will run, at most `limit`
    /// (capped at [`MAX_LIST_LIMIT`](super::generations::MAX_LIST_LIMIT)):
    /// first those holding a token (their create is under way), oldest first,
    /// then the rest in dispatch order. `before` is a cursor: the id of the
    /// last item of the previous page (a pending one without a token).
    pub fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Result<Vec<GenerationSummary>, StoreError> {
        let limit = limit.min(super::generations::MAX_LIST_LIMIT);
        let cols = SUMMARY_COLUMNS.replace("?PROMPT?", &PROMPT_EXCERPT_CHARS.to_string());
        self.with_conn(|conn| {
            let mut out: Vec<GenerationSummary> = Vec::new();
            let after = match before {
                None => {
                    let mut stmt = conn.prepare_cached(&format!(
                        "SELECT {cols} FROM generations INDEXED BY generations_token_slots \
                         WHERE token_id IS NOT NULL AND status IN ('pending', 'processing') \
                         AND status = 'pending' ORDER BY created_at, id LIMIT ?1"
                    ))?;
                    out.extend(
                        stmt.query_map([limit as i64], summary_from_row)?
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                    None
                }
                Some(id) => match pending_key(conn, id) {
                    Ok(Some(k)) => Some(k),
                    // A cursor that has run or gone meanwhile: start over.
                    _ => None,
                },
            };
            let keys = keys_after(conn, after.as_ref(), limit.saturating_sub(out.len()))?;
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {cols} FROM generations WHERE id = ?1"))?;
            for k in keys {
                out.push(stmt.query_row([uuid_text(k.id)], summary_from_row)?);
            }
            Ok(out)
        })
    }

    /// Gives the listed pending generations priorities so that they run
    /// exactly in the given order, at the place of the earliest of them in
    /// the current order (see the module doc); returns the ids whose priority
    /// changed (the listed ones and any raised ahead of them).
    ///
    /// Duplicates count once; listed generations already holding a token
    /// (their create is under way) are left as they are.
    /// Errors: [`StoreError::NotFound`], [`StoreError::NotPending`] (nothing changes).
    pub fn reorder_pending(
        &self,
        ids: &[GenerationId],
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| reorder(tx, ids, now))
    }

    /// Moves one pending generation in the dispatch order (see [`MoveTo`]);
    /// returns the ids whose row changed. Errors as [`Store::reorder_pending`].
    pub fn move_pending(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Result<Vec<GenerationId>, StoreError> {
        self.write(|tx| {
            let Some(k) = pending_key(tx, id)? else {
                return Ok(Vec::new());
            };
            let mut changed = match to {
                MoveTo::Up => match key_before(tx, &k)? {
                    Some(b) => reorder(tx, &[k.id, b.id], now)?,
                    None => Vec::new(),
                },
                MoveTo::Down => match keys_after(tx, Some(&k), 1)?.pop() {
                    Some(c) => reorder(tx, &[c.id, k.id], now)?,
                    None => Vec::new(),
                },
                MoveTo::Top | MoveTo::Next => match keys_after(tx, None, 1)?.pop() {
                    Some(first) if first.id != k.id => reorder(tx, &[k.id, first.id], now)?,
                    _ => Vec::new(),
                },
            };
            if to == MoveTo::Next {
                let n = tx
                    .prepare_cached(
                        "UPDATE generations SET next_attempt_at = NULL, wait_reason = NULL, \
                         updated_at = ?2 WHERE id = ?1 AND next_attempt_at IS NOT NULL",
                    )?
                    .execute([uuid_text(id), ts(now)])?;
                if n > 0 && !changed.contains(&id) {
                    changed.push(id);
                }
            }
            Ok(changed)
        })
    }
}

fn reorder(
    conn: &Connection,
    ids: &[GenerationId],
    now: DateTime<Utc>,
) -> Result<Vec<GenerationId>, StoreError> {
    let mut seen = HashSet::new();
    let mut listed: Vec<Key> = Vec::new();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        if let Some(k) = pending_key(conn, id)? {
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
    let tail = keys_after(conn, Some(&earliest), listed.len() + 1)?
        .into_iter()
        .find(|k| !in_list.contains(&k.id));
    let head_last = key_before(conn, &earliest)?;
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
            let mut stmt = conn.prepare_cached(&format!(
                "UPDATE generations INDEXED BY generations_dispatch SET priority = priority + ?1, updated_at = ?2 \
                 WHERE {DISPATCHABLE} AND (priority > ?3 \
                 OR (priority = ?3 AND (created_at, id) < (?4, ?5))) RETURNING id"
            ))?;
            let raised = stmt.query_map(
                (
                    raise,
                    ts(now),
                    earliest.priority,
                    &earliest.created_at,
                    uuid_text(earliest.id),
                ),
                |r| get_uuid(r, "id"),
            )?;
            for id in raised {
                changed.push(id?);
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "UPDATE generations SET priority = ?2, updated_at = ?3 WHERE id = ?1 AND priority != ?2",
    )?;
    for (i, k) in listed.iter().enumerate() {
        let p = s + n - i as i64;
        if stmt.execute((uuid_text(k.id), p, ts(now)))? > 0 {
            changed.push(k.id);
        }
    }
    Ok(changed)
}
