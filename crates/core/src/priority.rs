//! Priority on a [`Queue`]: moving pending generations in the dispatch order
//! (see [`crate::store::priority`] for how the order is kept exact).

use crate::events::Event;
use crate::model::{GenerationId, GenerationSummary};
use crate::queue::{Queue, QueueError};
use crate::store::{MoveTo, StoreError};

fn not_pending(e: StoreError) -> QueueError {
    match e {
        StoreError::NotPending { status, .. } => QueueError::CannotMove { status },
        StoreError::NotFound { id, .. } => QueueError::GenerationNotFound(id.into()),
        e => e.into(),
    }
}

/// Which order `list_generations` answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ListOrder {
    /// Every generation, newest first (the seed's order).
    #[default]
    Newest,
    /// Pending generations only, in the order they will run.
    Dispatch,
}

impl Queue {
    /// Pending generations in the order they will run (see
    /// [`Store::list_dispatch_order`](crate::store::Store::list_dispatch_order)).
    pub fn list_dispatch_order(
        &self,
        limit: usize,
        before: Option<GenerationId>,
    ) -> Result<Vec<GenerationSummary>, QueueError> {
        Ok(self.store().list_dispatch_order(limit, before)?)
    }

    /// Moves a pending generation: `top` (first to run), `up`/`down` (swap
    /// with its neighbour in dispatch order), `next` (top, and any retry delay
    /// dropped). Returns its summary after the move; every generation whose
    /// priority changed is announced.
    ///
    /// Errors: `not_found`; `invalid_state` when it is not pending.
    pub fn move_generation(
        &self,
        id: GenerationId,
        to: MoveTo,
    ) -> Result<GenerationSummary, QueueError> {
        let changed = self
            .store()
            .move_pending(id, to, self.now())
            .map_err(not_pending)?;
        self.announce_ids(&changed)?;
        Ok(self.get(id)?.summary())
    }

    /// Makes the listed pending generations run exactly in this order, from
    /// the place of the earliest of them (a drag and drop in the pending
    /// list: send the ids shown, first to run first). Survives restart.
    ///
    /// Errors: `not_found`; `invalid_state` when one is not pending (nothing changes).
    pub fn reorder_pending(&self, ids: &[GenerationId]) -> Result<(), QueueError> {
        let changed = self
            .store()
            .reorder_pending(ids, self.now())
            .map_err(not_pending)?;
        self.announce_ids(&changed)
    }

    fn announce_ids(&self, ids: &[GenerationId]) -> Result<(), QueueError> {
        for id in ids {
            if let Some(g) = self.store().get_generation(*id)? {
                self.events()
                    .send(Event::GenerationChanged(Box::new(g.summary())));
            }
        }
        Ok(())
    }
}
