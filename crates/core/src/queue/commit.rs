//! The one commit path of the lifecycle: a [`Transition`] is written to the
//! store and, when it changed the row, announced — the row's
//! `GenerationChanged`, a `GenerationEnded` when it ended the generation,
//! then the counters. Nothing else writes a generation's state, so a store
//! change becomes an event by construction.

use super::{Queue, QueueError};
use crate::events::Event;
use crate::lifecycle::{Transition, Transitioned};
use crate::model::GenerationId;

impl Queue {
    /// Applies `t` to generation `id` now (if its state allows) and
    /// announces the change. Errors: `not_found`, the store's.
    pub fn commit(&self, id: GenerationId, t: Transition) -> Result<Transitioned, QueueError> {
        let done = self.store().transition(id, &t, self.now())?;
        if !done.applied {
            tracing::debug!(generation = %id, transition = t.name(), status = %done.row.status, "transition not allowed from this state");
        }
        if done.changed {
            let summary = done.row.summary();
            self.events()
                .send(Event::GenerationChanged(summary.clone()));
            if done.ended {
                self.events().send(Event::GenerationEnded(summary));
            }
            self.announce_counters()?;
        }
        Ok(done)
    }
}
