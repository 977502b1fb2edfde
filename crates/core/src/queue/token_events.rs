//! Request counters change at every request a token makes; announcing each
//! change as its own `TokenChanged` sends one event a request (thousands a
//! minute in a drain) to every listener. They are coalesced per token: at
//! most one event every [`TOKEN_EVENT_EVERY`], and the last state is always
//! sent (a trailing event reads the row again when the window closes).
//! Changes a person must see at once (disabled, cooling down, renamed) are
//! sent directly, not through here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Queue;
use crate::events::Event;
use crate::model::{Token, TokenId};

/// Least time between two request-counter events of one token.
pub const TOKEN_EVENT_EVERY: Duration = Duration::from_millis(250);

/// Per token: when its last counter event went, and whether a trailing one is due.
#[derive(Debug, Default)]
pub(crate) struct TokenEvents(Mutex<HashMap<TokenId, Slot>>);

#[derive(Debug, Clone, Copy)]
struct Slot {
    last_sent: Instant,
    trailing: bool,
}

impl Queue {
    /// Announces `t`'s new request counters, coalesced (see the module doc).
    pub(crate) fn announce_token_counters(&self, t: Token) {
        let now = Instant::now();
        let wait = {
            let mut map = self.inner.token_events.0.lock().unwrap();
            let slot = map.entry(t.id).or_insert(Slot {
                last_sent: now.checked_sub(TOKEN_EVENT_EVERY).unwrap_or(now),
                trailing: false,
            });
            if slot.trailing {
                return; // the trailing event will read the latest row
            }
            let since = now.duration_since(slot.last_sent);
            if since >= TOKEN_EVENT_EVERY {
                slot.last_sent = now;
                None
            } else {
                slot.trailing = true;
                Some(TOKEN_EVENT_EVERY - since)
            }
        };
        let Some(wait) = wait else {
            self.events().send(Event::TokenChanged(Box::new(t)));
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            // No runtime to wait on (a blocking caller): send now.
            self.flush_token_counters(t.id);
            return;
        };
        let q = self.clone();
        rt.spawn(async move {
            tokio::time::sleep(wait).await;
            q.flush_token_counters(t.id);
        });
    }

    /// Sends the token's row as stored now and closes its window.
    fn flush_token_counters(&self, id: TokenId) {
        if let Some(slot) = self.inner.token_events.0.lock().unwrap().get_mut(&id) {
            slot.trailing = false;
            slot.last_sent = Instant::now();
        }
        match self.store().get_token(id) {
            Ok(Some(t)) => self.events().send(Event::TokenChanged(Box::new(t))),
            Ok(None) => {} // removed meanwhile: its TokenRemoved said so
            Err(e) => {
                tracing::warn!(token = %id, error = %e, "could not announce a token's counters")
            }
        }
    }
}
