//! The engine's side of the token rules: every request's answer goes
//! through [`judge`] (which applies [`crate::queue::Queue::judge`], the rules
//! written once), plus the pacing of a token's creates after a 429 and the
//! wait for its cooldown — the engine's scheduling, not a rule of the pool.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::steps::Result;
use crate::model::TokenId;
use crate::queue::Verdict;
use crate::replicate::ApiError;

/// How long a token's creates stay paced after its cooldown ends.
const PACED_AFTER_429: Duration = Duration::from_secs(60);

/// Records a request on its token and applies the token rules; a cooldown
/// also paces the token's next creates. `None`: the request succeeded.
pub(super) fn judge<T>(
    s: &Arc<Shared>,
    token_id: TokenId,
    res: &std::result::Result<T, ApiError>,
) -> Result<Option<Verdict>> {
    let v = s.queue.judge(token_id, res)?;
    if let Some(Verdict::CoolDown { for_ }) = &v {
        let resume = tokio::time::Instant::now() + *for_;
        s.next_create.lock().unwrap().insert(
            token_id,
            super::Pacing {
                next: resume,
                until: resume + PACED_AFTER_429,
            },
        );
    }
    Ok(v)
}

/// After a 429, keeps the token's creates at least `min_create_interval`
/// apart for [`PACED_AFTER_429`]: its slots then come back one by one
/// instead of all at once (which would spend the fresh budget in a burst and
/// provoke the next 429). Otherwise creates go at once, so the account's
/// burst allowance is used.
pub(super) async fn pace_create(s: &Arc<Shared>, token_id: TokenId) {
    let turn = {
        let mut pacing = s.next_create.lock().unwrap();
        let now = tokio::time::Instant::now();
        let Some(p) = pacing.get_mut(&token_id).filter(|p| p.until > now) else {
            return;
        };
        let turn = p.next.max(now);
        p.next = turn + s.config.min_create_interval;
        turn
    };
    tokio::time::sleep_until(turn).await;
}

/// Sleeps while the token cools down after a 429.
pub(super) async fn wait_cooldown(s: &Arc<Shared>, token_id: TokenId) -> Result<()> {
    loop {
        let Some(t) = s.queue.store().get_token(token_id)? else {
            return Ok(());
        };
        match t.cooldown_until {
            Some(until) if until > s.queue.now() => {
                let d = (until - s.queue.now()).to_std().unwrap_or(Duration::ZERO);
                tokio::time::sleep(d).await;
            }
            _ => return Ok(()),
        }
    }
}
