//! Events: what changed in the queue, announced after the store holds it.
//!
//! One tagged enum (`{"type": "...", "data": ...}` on the wire) on a tokio
//! broadcast channel. Every shell listens: the desktop app forwards them to
//! the window, the tray and the notifier; `genq watch` prints them. Events
//! carry whole summaries and never a secret.

use serde::Serialize;
use tokio::sync::broadcast;

use crate::model::{Counters, GenerationId, GenerationSummary, Token, TokenId};

/// A change in the queue, sent after the store has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "QueueEvent"))]
pub enum Event {
    /// A generation was created or changed; the whole summary as it is now.
    GenerationChanged(Box<GenerationSummary>),
    /// A generation ended (completed, failed or cancelled: its `status` is
    /// the outcome). Sent once per ending, right after the
    /// `GenerationChanged` of the same row: listeners that act on an ending
    /// (notifications, `--wait`) follow this one instead of comparing
    /// snapshots.
    GenerationEnded(Box<GenerationSummary>),
    /// A generation was deleted.
    GenerationRemoved { id: GenerationId },
    /// The counters after a change (`seq` orders them).
    CountersChanged(Counters),
    /// A token was added or changed (label, state, figures). No secret.
    TokenChanged(Box<Token>),
    /// A token was removed.
    TokenRemoved { id: TokenId },
    /// Dispatching was paused or resumed.
    QueueChanged { paused: bool },
    /// Budgets or prices were saved (a raised limit may release held generations).
    SpendChanged,
    /// An output file is downloading: `received` bytes of output `index`
    /// (0-based, the order of `output_files`) so far, of `total` (its
    /// `Content-Length`, when the server sent one). A live reading, not a
    /// stored change: sent only for files of 1 MiB or more (the engine's
    /// `download::PROGRESS_FROM`), about once a percent, the last with
    /// `received == total`.
    OutputProgress {
        id: GenerationId,
        index: u32,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        received: u64,
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        total: Option<u64>,
    },
    /// A language model's text so far, from its prediction stream's `output`
    /// events (each a piece, joined with `""` as the saved `text.txt` is).
    /// A live reading, not stored: the saved output is the truth once the
    /// prediction ends. Not sent past 64 KiB of text.
    OutputText { id: GenerationId, text: String },
    /// The team database (PostgreSQL) cannot be reached: this engine stops
    /// claiming and creates are refused (`store_unreachable`) until
    /// [`Event::StoreBack`]. `reason`: what failed, the database named
    /// without its password. Never sent for SQLite.
    StoreUnreachable { reason: String },
    /// The team database answers again; the engine claims again, and what
    /// other engines changed meanwhile is announced right after.
    StoreBack,
    /// A newer Genqueue migrated the team database past the schema this one
    /// knows, while it was open: this engine stops claiming for good, and
    /// every store call is refused (`store_too_new`) until Genqueue is
    /// updated. `reason` names both versions and the database (no password).
    StoreTooNew { reason: String },
}

/// Capacity of the broadcast channel: a listener this far behind gets
/// `RecvError::Lagged` and should reload (list + counters) instead. Every
/// slot is as big as the largest [`Event`], and a long run touches them
/// all: summaries and tokens are boxed, so the ring is 288 KiB, not 1.5 MiB.
pub const EVENT_CAPACITY: usize = 4096;

/// The sending side of the event channel. Cloning shares the channel.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// A channel with [`EVENT_CAPACITY`] slots.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(EVENT_CAPACITY);
        Self { tx }
    }

    /// Sends to every current listener; with none, the event is dropped.
    pub fn send(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// A new listener that sees every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::{EVENT_CAPACITY, Event};

    #[test]
    fn the_channel_s_slots_hold_pointers_not_summaries() {
        // The largest unboxed variant is `CountersChanged` (8 counters).
        let ring = std::mem::size_of::<Event>() * EVENT_CAPACITY;
        assert!(
            ring <= 320 * 1024,
            "Event is {} bytes: the ring of {EVENT_CAPACITY} slots takes {} KiB",
            std::mem::size_of::<Event>(),
            ring / 1024
        );
    }
}
