//! A finishing task claims the next generation itself: when a generation's
//! task ends, its slot is free, and the task takes the next dispatchable
//! generation at once instead of ending and waiting for the dispatcher's
//! pass (task end → join → pass → claim → spawn: ~several ms a generation;
//! BENCHMARKS.md, scenario 1). The dispatcher still does everything else
//! (wait reasons, backoffs, the first claims, a pause).

use std::sync::Arc;

use super::Shared;
use crate::model::{GenerationId, TokenId};
use crate::store::ClaimOutcome;

/// Claims the next dispatchable generation for the task that just ended
/// one, or `None` (paused, nothing ready, no free slot, or any error: the
/// dispatcher's next pass decides then). The generation is entered in
/// [`Shared::driving`] before it is claimed, so the dispatcher's recovery
/// never starts a second task for it.
pub(super) fn claim_next(s: &Arc<Shared>) -> Option<(GenerationId, TokenId)> {
    if s.stop.is_cancelled() || s.queue.is_paused().unwrap_or(true) {
        return None;
    }
    let store = s.queue.store();
    let now = s.queue.now();
    let ready = store.next_dispatchable(now, 1).ok()?;
    let g = ready.into_iter().next()?;
    if !s.driving.lock().unwrap().insert(g.id) {
        return None;
    }
    let held = s.queue.claim_filter_known();
    match store.claim_token_among(g.id, now, held.as_ref()) {
        Ok(ClaimOutcome::Claimed(token)) => Some((g.id, token.id)),
        // No slot (the dispatcher records why it waits), or gone meanwhile.
        _ => {
            s.driving.lock().unwrap().remove(&g.id);
            None
        }
    }
}
