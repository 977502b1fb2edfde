//! The token rules (shared/DESIGN.md, "Token pool"), written once: what an
//! answer from Replicate means for the token that made the request.
//!
//! [`verdict`] maps an [`ApiError`] to a [`Verdict`]; [`Queue::judge`]
//! records every request on its token and applies the token's part of the
//! verdict (disable, cool down) in one place. What the verdict means for a
//! generation depends on the step that made the request (a create, a list
//! while reconciling, a read while following): the engine's steps decide
//! that from the same verdict.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Queue, QueueError};
use crate::events::Event;
use crate::model::TokenId;
use crate::replicate::{ApiError, ApiErrorKind};
use crate::store::RequestOutcome;

/// Longest cooldown after a 429 that did not say when the limit resets.
pub const MAX_COOLDOWN: Duration = Duration::from_secs(60);

/// What an error answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// 401/403 (the token is wrong, revoked or not allowed) or 402 (the
    /// account has no credit): the token is disabled with `reason`; nothing
    /// was made on Replicate.
    Disable { reason: String },
    /// 429: no request on this token for `for_` (Replicate's `Retry-After`
    /// or "resets in ~Ns"; else an exponential, jittered delay from the
    /// token's recent 429s); the work moves to another token.
    CoolDown { for_: Duration },
    /// The request never reached Replicate (DNS, refused, TLS): nothing was
    /// made; try again after a backoff.
    NotSent,
    /// No usable answer, but Replicate may have acted (time-out, dropped
    /// connection, 5xx, an unreadable 2xx): a create's prediction may exist.
    MaybeActed,
    /// 400/422: the request (the input) is wrong; retrying cannot help.
    /// Replicate's own message.
    Rejected { detail: String },
    /// 404: no such model or prediction (or another account's).
    NotFound,
    /// Anything else (an unexpected status, a URL we refuse).
    Other,
}

/// The verdict on an error answer, from its class alone. `streak`: the
/// token's recent 429s (for a cooldown Replicate did not announce).
pub fn verdict(e: &ApiError, streak: u32) -> Verdict {
    match e.kind {
        ApiErrorKind::PaymentRequired => Verdict::Disable {
            reason: format!("Out of credit — top up on Replicate ({e})"),
        },
        ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden => Verdict::Disable {
            reason: format!("Replicate refused this token: {e}"),
        },
        ApiErrorKind::RateLimited => Verdict::CoolDown {
            for_: e.retry_after.unwrap_or_else(|| {
                crate::engine::jittered_backoff(Duration::from_secs(2), streak, MAX_COOLDOWN)
            }),
        },
        ApiErrorKind::Connect => Verdict::NotSent,
        ApiErrorKind::Invalid => Verdict::Rejected {
            detail: e.detail.clone().unwrap_or_else(|| e.cause()),
        },
        ApiErrorKind::NotFound => Verdict::NotFound,
        _ if e.may_have_acted() => Verdict::MaybeActed,
        _ => Verdict::Other,
    }
}

/// How a request's result counts on its token.
pub(crate) fn request_outcome<T>(res: &Result<T, ApiError>) -> RequestOutcome {
    match res {
        Ok(_) => RequestOutcome::Ok,
        Err(e) if e.kind == ApiErrorKind::RateLimited => RequestOutcome::RateLimited,
        Err(e) if e.kind == ApiErrorKind::NotFound => RequestOutcome::Ok,
        Err(_) => RequestOutcome::Error,
    }
}

impl Queue {
    /// Records a request's outcome on its token and, for an error, applies
    /// the token's part of the [`verdict`]: disabled (and announced) or
    /// cooling down until `now + for_`. Returns the verdict (`None`: success).
    pub fn judge<T>(
        &self,
        token: TokenId,
        res: &Result<T, ApiError>,
    ) -> Result<Option<Verdict>, QueueError> {
        let now = self.now();
        self.record_request(token, request_outcome(res), now);
        let Err(e) = res else { return Ok(None) };
        let streak = match e.kind {
            ApiErrorKind::RateLimited => self
                .store()
                .get_token(token)?
                .map_or(0, |t| t.rate_limited_count.min(6) as u32),
            _ => 0,
        };
        let v = verdict(e, streak);
        match &v {
            Verdict::Disable { reason } => {
                let t = self.store().disable_token(token, reason, now)?;
                self.events().send(Event::TokenChanged(Box::new(t)));
            }
            Verdict::CoolDown { for_ } => {
                let until: DateTime<Utc> = now + *for_;
                let t = self.store().set_cooldown(token, until)?;
                self.events().send(Event::TokenChanged(Box::new(t)));
            }
            _ => {}
        }
        Ok(Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ApiErrorKind, status: Option<u16>) -> ApiError {
        ApiError {
            status,
            ..ApiError::new(kind, "")
        }
    }

    #[test]
    fn refused_and_unpaid_tokens_are_disabled_with_the_reason() {
        for (kind, status, words) in [
            (ApiErrorKind::Unauthorized, 401, "refused this token"),
            (ApiErrorKind::Forbidden, 403, "refused this token"),
            (
                ApiErrorKind::PaymentRequired,
                402,
                "Out of credit — top up on Replicate",
            ),
        ] {
            match verdict(&err(kind, Some(status)), 0) {
                Verdict::Disable { reason } => assert!(reason.contains(words), "{reason}"),
                v => panic!("{status}: {v:?}"),
            }
        }
    }

    #[test]
    fn a_429_cools_down_for_what_replicate_announced() {
        let mut e = err(ApiErrorKind::RateLimited, Some(429));
        e.retry_after = Some(Duration::from_secs(7));
        assert_eq!(
            verdict(&e, 3),
            Verdict::CoolDown {
                for_: Duration::from_secs(7)
            }
        );
        e.retry_after = None;
        match verdict(&e, 2) {
            Verdict::CoolDown { for_ } => assert!(for_ <= MAX_COOLDOWN && !for_.is_zero()),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn lost_answers_may_have_acted_and_unsent_ones_did_not() {
        assert_eq!(
            verdict(&err(ApiErrorKind::Timeout, None), 0),
            Verdict::MaybeActed
        );
        assert_eq!(
            verdict(&err(ApiErrorKind::Transport, None), 0),
            Verdict::MaybeActed
        );
        assert_eq!(
            verdict(&err(ApiErrorKind::Server, Some(503)), 0),
            Verdict::MaybeActed
        );
        assert_eq!(
            verdict(&err(ApiErrorKind::Connect, None), 0),
            Verdict::NotSent
        );
        assert_eq!(
            verdict(&err(ApiErrorKind::NotFound, Some(404)), 0),
            Verdict::NotFound
        );
        assert!(matches!(
            verdict(&err(ApiErrorKind::Invalid, Some(422)), 0),
            Verdict::Rejected { .. }
        ));
    }

    /// The queue's clock is passed in: a test moves it by hand, and the
    /// cooldown a 429 sets counts from that clock, to the second.
    #[test]
    fn a_429_cools_the_token_down_from_the_queues_clock() {
        use chrono::TimeZone;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("genqueue.db")).unwrap();
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 14, 0, 0).unwrap();
        let token = store.insert_token("t", "abcd", t0).unwrap();
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(t0));
        let queue = Queue::from_parts(
            dir.path().to_owned(),
            store,
            crate::replicate::ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
            std::sync::Arc::new(crate::secrets::MemorySecretStore::new()),
        )
        .with_clock(clock.clone());
        clock.advance(Duration::from_secs(90));
        let mut e = err(ApiErrorKind::RateLimited, Some(429));
        e.retry_after = Some(Duration::from_secs(7));
        let v = queue.judge(token.id, &Err::<(), _>(e)).unwrap();
        assert_eq!(
            v,
            Some(Verdict::CoolDown {
                for_: Duration::from_secs(7)
            })
        );
        let t = queue.store().get_token(token.id).unwrap().unwrap();
        assert_eq!(t.cooldown_until, Some(t0 + chrono::Duration::seconds(97)));
        assert_eq!(
            t.last_used_at,
            Some(t0 + chrono::Duration::seconds(90)),
            "the request is recorded at the clock's time"
        );
        assert_eq!(t.rate_limited_count, 1);
    }
}
