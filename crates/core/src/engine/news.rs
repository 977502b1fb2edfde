//! News pushed by a shared store (PostgreSQL's `LISTEN/NOTIFY`, see
//! `store/pg/listen.rs`) in place of polling `data_version`: other engines'
//! writes become this queue's events as a local change does (through
//! [`Queue::announce_changed_elsewhere`](crate::queue::Queue::announce_changed_elsewhere),
//! one rule for both stores), and a lost database stops the dispatcher until
//! it answers again, then what changed meanwhile is read once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::task::JoinSet;

use super::{Shared, external_change};
use crate::events::Event;
use crate::store::StoreNews;

/// The dispatcher's view of the store's news.
pub(super) struct Feed {
    rx: Option<Receiver<StoreNews>>,
    /// Since when (the queue's clock) the database has not answered.
    down_since: Option<DateTime<Utc>>,
    /// A newer Genqueue migrated the database: down for good.
    too_new: bool,
}

impl Feed {
    pub(super) fn new(shared: &Shared) -> Feed {
        Feed {
            rx: shared.queue.store().news(),
            down_since: None,
            too_new: false,
        }
    }

    /// Whether the store pushes its news (then nothing is polled).
    pub(super) fn pushed(&self) -> bool {
        self.rx.is_some()
    }

    /// Whether the database is unreachable now, or migrated past this
    /// build (the dispatcher waits).
    pub(super) fn down(&self) -> bool {
        self.down_since.is_some() || self.too_new
    }

    /// The next news, a burst of changes folded into one; never resolves
    /// without a feed. A listener too far behind reads what changed recently.
    pub(super) async fn next(&mut self) -> StoreNews {
        let Some(rx) = self.rx.as_mut() else {
            return std::future::pending().await;
        };
        let lagged = || StoreNews::Changed {
            generations: Vec::new(),
            tokens: Vec::new(),
            many: true,
        };
        let mut news = match rx.recv().await {
            Ok(n) => n,
            Err(RecvError::Lagged(_)) => lagged(),
            Err(RecvError::Closed) => return std::future::pending().await,
        };
        loop {
            let more = match rx.try_recv() {
                Ok(n) => n,
                Err(TryRecvError::Lagged(_)) => lagged(),
                Err(_) => return news,
            };
            if let Some(other) = news.merge(more) {
                // Another kind (the connection lost or back): that one next
                // time would reorder them; keep order by acting on it now.
                return match other {
                    StoreNews::Changed { .. } => news,
                    _ => other,
                };
            }
        }
    }

    /// Acts on `news`: announces what other engines changed, or notes the
    /// database lost / back (and then reads what changed meanwhile).
    pub(super) async fn act(
        &mut self,
        shared: &Arc<Shared>,
        tasks: &mut JoinSet<()>,
        news: StoreNews,
    ) {
        if self.too_new {
            // The store refuses every call: nothing to read or announce.
            return;
        }
        match news {
            StoreNews::TooNew { reason } => {
                tracing::warn!(reason = %reason, "not claiming: update Genqueue");
                self.too_new = true;
                shared.queue.events().send(Event::StoreTooNew { reason });
            }
            StoreNews::Changed { many: true, .. } => {
                external_change(shared, tasks, shared.queue.now()).await;
            }
            StoreNews::Changed {
                generations,
                tokens,
                many: false,
            } => announce(shared, &generations, &tokens),
            StoreNews::Unreachable { reason } => {
                tracing::warn!(reason = %reason, "not claiming until the team database answers");
                self.down_since.get_or_insert(shared.queue.now());
                shared
                    .queue
                    .events()
                    .send(Event::StoreUnreachable { reason });
            }
            StoreNews::Back => {
                let since = self.down_since.take().unwrap_or_else(|| shared.queue.now());
                tracing::info!("the team database answers again: reading what changed meanwhile");
                shared.queue.events().send(Event::StoreBack);
                external_change(shared, tasks, since).await;
            }
        }
    }
}

/// Announces the named rows as they are now (a row gone was deleted).
fn announce(
    shared: &Shared,
    generations: &[crate::model::GenerationId],
    tokens: &[crate::model::TokenId],
) {
    let q = &shared.queue;
    let store = q.store();
    let mut rows = Vec::with_capacity(generations.len());
    for &id in generations {
        match store.get_generation(id) {
            Ok(Some(g)) => rows.push(g),
            Ok(None) => q.events().send(Event::GenerationRemoved { id }),
            Err(e) => {
                tracing::warn!(generation = %id, error = %e, "could not read a generation another engine changed")
            }
        }
    }
    for &id in tokens {
        match store.get_token(id) {
            Ok(Some(t)) => q.announce_token_counters(t),
            Ok(None) => q.events().send(Event::TokenRemoved { id }),
            Err(e) => {
                tracing::warn!(token = %id, error = %e, "could not read a token another engine changed")
            }
        }
    }
    if !generations.is_empty() {
        let since = q.now() - super::LOOK_BACK;
        if let Err(e) = q.announce_changed_elsewhere(&rows, since) {
            tracing::warn!(error = %e, "could not announce another engine's changes");
        }
    }
}
