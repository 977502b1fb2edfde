//! The lifecycle's write path: one [`Transition`] applied to one row in one
//! write transaction (`BEGIN IMMEDIATE`), guarded by the states it may start
//! from ([`crate::lifecycle`]). A server database does the same in one
//! transaction with the row locked (`SELECT … FOR UPDATE`).

use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use super::generation_rows::{load, write_row};
use super::{Store, StoreError};
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{Generation, GenerationId};

impl Store {
    /// Applies `t` to generation `id` at `now`, if its state allows it, and
    /// returns the row as stored. Nothing is written when the state refuses
    /// the transition or it changes nothing (`applied`/`ended` then say so).
    ///
    /// Errors: [`StoreError::NotFound`] if there is no such id; the store's own.
    pub fn transition(
        &self,
        id: GenerationId,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Result<Transitioned, StoreError> {
        self.write(|tx| transition_in(tx, id, t, now))
    }
}

/// [`Store::transition`] inside the caller's write transaction `tx` (also
/// used by [`Store::write_step`](super::step)).
pub(super) fn transition_in(
    tx: &Transaction<'_>,
    id: GenerationId,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<Transitioned, StoreError> {
    let before = load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))?;
    let g = match planned(&before, t, now) {
        Planned::Unchanged(done) => return Ok(done),
        Planned::Write(g) => g,
    };
    write_row(tx, &g)?;
    super::given_up::record_in(tx, &before, &g, now)?;
    let row = load(tx, id)?.ok_or_else(|| StoreError::not_found("generation", id))?;
    Ok(written(&before, row))
}

/// What a transition does to a row, decided before any write (both stores).
pub(crate) enum Planned {
    /// Nothing to write: the state refused `t`, or it changes nothing.
    Unchanged(Transitioned),
    /// The row to write (`updated_at` already `now`).
    Write(Generation),
}

/// Applies `t` to a copy of `before` at `now` (see [`Planned`]).
pub(crate) fn planned(before: &Generation, t: &Transition, now: DateTime<Utc>) -> Planned {
    let mut g = before.clone();
    if !t.apply(&mut g, now) {
        return Planned::Unchanged(Transitioned {
            row: before.clone(),
            applied: false,
            changed: false,
            ended: false,
        });
    }
    if g == *before {
        return Planned::Unchanged(Transitioned {
            row: before.clone(),
            applied: true,
            changed: false,
            ended: false,
        });
    }
    g.updated_at = now;
    Planned::Write(g)
}

/// The outcome of a written transition: `row` as stored after it.
pub(crate) fn written(before: &Generation, row: Generation) -> Transitioned {
    Transitioned {
        ended: before.status.is_active() && !row.status.is_active(),
        applied: true,
        changed: true,
        row,
    }
}
