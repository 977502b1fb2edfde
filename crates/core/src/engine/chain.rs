//! A finishing task claims the next generation itself: when a generation's
//! task ends, its slot is free, and the task takes the next dispatchable
//! generation at once instead of ending and waiting for the dispatcher's
//! pass (task end → join → pass → claim → spawn: ~several ms a generation;
//! BENCHMARKS.md, scenario 1). The dispatcher still does everything else
//! (wait reasons, backoffs, the first claims, a pause).

use std::sync::Arc;

use super::Shared;
use crate::model::{GenerationId, TokenId};

/// Claims the next dispatchable generation for the task that just ended
/// one, or `None` (paused, nothing ready, no free slot, or any error: the
/// dispatcher's next pass decides then). In one store call
/// ([`crate::store::QueueStore::claim_next`]): engines sharing a queue take
/// different generations. One this engine's dispatcher started a task for
/// meanwhile (its recovery saw the claim) is left to that task.
pub(super) fn claim_next(s: &Arc<Shared>) -> Option<(GenerationId, TokenId)> {
    if s.stop.is_cancelled() || s.queue.is_paused().unwrap_or(true) {
        return None;
    }
    let held = s.queue.claim_filter_known();
    let (id, token) = s
        .queue
        .store()
        .claim_next(s.queue.now(), held.as_ref())
        .ok()??;
    s.driving
        .lock()
        .unwrap()
        .insert(id)
        .then_some((id, token.id))
}
