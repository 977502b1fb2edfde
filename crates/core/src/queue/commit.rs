//! The one commit path of the lifecycle: a [`Transition`] is written to the
//! store and, when it changed the row, announced — the row's
//! `GenerationChanged`, a `GenerationEnded` when it ended the generation,
//! then the counters. Nothing else writes a generation's state, so a store
//! change becomes an event by construction. [`Queue::commit_step`] writes
//! the rest of an engine step (the request counted on its token, an ended
//! prediction's cost) in the same transaction and announces it too.

use chrono::{DateTime, Utc};

use super::{Queue, QueueError};
use crate::events::Event;
use crate::lifecycle::{Transition, Transitioned};
use crate::model::{Generation, GenerationId};
use crate::store::StepWrites;

/// How long an ending stays remembered as announced (longer than the
/// engine's look-back at other processes' writes).
const ENDED_MEMORY: std::time::Duration = std::time::Duration::from_secs(60);

impl Queue {
    /// Applies `t` to generation `id` now (if its state allows) and
    /// announces the change. Errors: `not_found`, the store's.
    pub fn commit(&self, id: GenerationId, t: Transition) -> Result<Transitioned, QueueError> {
        self.commit_step(id, t, &StepWrites::none())
    }

    /// [`Queue::commit`] with the rest of one step's writes in the same
    /// transaction ([`crate::store::QueueStore::write_step`]): the request whose answer the
    /// step acts on is counted on its token (announced as
    /// [`Queue::record_request`] does) and an ended prediction's cost is
    /// recorded. Errors: `not_found` (generation or token), the store's.
    pub(crate) fn commit_step(
        &self,
        id: GenerationId,
        t: Transition,
        w: &StepWrites,
    ) -> Result<Transitioned, QueueError> {
        let written = self.store().write_step(id, &t, w, self.now())?;
        if let Some(token) = written.token {
            self.announce_token_counters(token);
        }
        let done = written.transition;
        if !done.applied {
            tracing::debug!(generation = %id, transition = t.name(), status = %done.row.status, "transition not allowed from this state");
        }
        if done.changed {
            if !matches!(t, Transition::Progress { .. }) {
                let row = &done.row;
                tracing::debug!(generation = %id, transition = t.name(), status = %row.status, prediction = row.prediction_id.as_deref().unwrap_or("-"), attempts = row.attempts, "generation changed");
            }
            let summary = done.row.summary();
            self.events()
                .send(Event::GenerationChanged(Box::new(summary.clone())));
            if done.ended {
                self.remember_ended(id);
                self.events()
                    .send(Event::GenerationEnded(Box::new(summary)));
            }
            self.announce_counters()?;
        }
        Ok(done)
    }

    /// Announces rows another process changed (found through the store's
    /// change counter, see `Store::data_version`): each row's
    /// `GenerationChanged`, a `GenerationEnded` for one that ended since
    /// `since` and was not announced yet (a `genq cancel` beside the app),
    /// then the counters.
    pub fn announce_changed_elsewhere(
        &self,
        rows: &[Generation],
        since: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        for g in rows {
            let summary = g.summary();
            self.events()
                .send(Event::GenerationChanged(Box::new(summary.clone())));
            let ended_now = g.status.is_terminal() && g.completed_at.is_some_and(|t| t >= since);
            if ended_now && self.remember_ended(g.id) {
                self.events()
                    .send(Event::GenerationEnded(Box::new(summary)));
            }
        }
        self.announce_counters()
    }

    /// Records that `id`'s ending was announced; false if it already was.
    fn remember_ended(&self, id: GenerationId) -> bool {
        let now = self.now();
        let mut ended = self.inner.ended.lock().unwrap();
        ended.retain(|_, at| now - *at < chrono::Duration::from_std(ENDED_MEMORY).unwrap());
        ended.insert(id, now).is_none()
    }
}
