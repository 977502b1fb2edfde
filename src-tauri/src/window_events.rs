//! Queue events wait here until the window takes them (`take_queue_events`).
//!
//! Why not in the event itself: Tauri delivers an event by evaluating a
//! script with the payload written into it, and JavaScriptCore keeps the
//! compiled code of the distinct scripts it evaluates in its code cache
//! (JSC's `CodeCache`, option `useCodeCache`), with their source.
//! Generations passing make a distinct script per batch, kept for the
//! session (issue #12, "the window": no per-session high-water; scenario 7
//! with `JSC_useCodeCache=false`: ~8 MiB less growth over 500 generations,
//! one run each). So the window is only told that events wait
//! (`queue-events-ready`, no payload: the same script each time, compiled
//! once) and takes them through a command, whose answer is a response body
//! that the page parses as JSON (no script).
//!
//! Events wait only while a window listens: none before its first take,
//! and a new page's first take (`first`) drops what its load will read
//! anyway. If the window stops taking (a page that hangs), at most
//! [`MAX_WAITING`] events wait; then they are dropped and the window is
//! told to reload, as when it falls behind the queue (`bridge.rs`).

use std::sync::Mutex;

use genqueue_core::events::Event;

/// The Tauri event telling the window that queue events wait (no payload).
pub const QUEUE_EVENTS_READY: &str = "queue-events-ready";
/// The most events that wait for the window.
pub const MAX_WAITING: usize = 20_000;

/// What [`WindowEvents::put`] asks of the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    /// Nothing: no window listens, or it was told already and has not taken yet.
    Nothing,
    /// Tell the window that events wait.
    Tell,
    /// Too many waited: they were dropped; tell the window to reload.
    Reload,
}

/// The events waiting for the window, oldest first.
#[derive(Debug, Default)]
pub struct WindowEvents {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    listening: bool,
    waiting: Vec<Event>,
}

impl WindowEvents {
    /// Adds a batch after the events already waiting.
    pub fn put(&self, events: Vec<Event>) -> Put {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !inner.listening || events.is_empty() {
            return Put::Nothing;
        }
        let told = !inner.waiting.is_empty();
        inner.waiting.extend(events);
        if inner.waiting.len() > MAX_WAITING {
            inner.waiting = Vec::new();
            return Put::Reload;
        }
        if told { Put::Nothing } else { Put::Tell }
    }

    /// The waiting events, oldest first; from now on events wait for the
    /// window. `first`: a page's first take, which gets none (its load reads
    /// the state they led to).
    pub fn take(&self, first: bool) -> Vec<Event> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.listening = true;
        let events = std::mem::take(&mut inner.waiting);
        if first { Vec::new() } else { events }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genqueue_core::model::GenerationId;

    fn removed(n: u128) -> Event {
        Event::GenerationRemoved {
            id: GenerationId(uuid::Uuid::from_u128(n)),
        }
    }

    fn ids(events: &[Event]) -> Vec<u128> {
        events
            .iter()
            .map(|e| match e {
                Event::GenerationRemoved { id } => id.0.as_u128(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn events_wait_only_once_a_window_listens() {
        let w = WindowEvents::default();
        assert_eq!(w.put(vec![removed(1)]), Put::Nothing);
        assert!(w.take(true).is_empty());
        assert_eq!(w.put(vec![removed(2)]), Put::Tell);
        assert_eq!(ids(&w.take(false)), vec![2]);
    }

    #[test]
    fn the_window_is_told_once_until_it_takes_them_all_in_order() {
        let w = WindowEvents::default();
        w.take(true);
        assert_eq!(w.put(vec![removed(1), removed(2)]), Put::Tell);
        assert_eq!(w.put(vec![removed(3)]), Put::Nothing);
        assert_eq!(ids(&w.take(false)), vec![1, 2, 3]);
        assert!(w.take(false).is_empty());
        assert_eq!(w.put(vec![removed(4)]), Put::Tell);
    }

    #[test]
    fn a_new_pages_first_take_drops_what_waited() {
        let w = WindowEvents::default();
        w.take(true);
        w.put(vec![removed(1)]);
        assert!(w.take(true).is_empty());
        assert_eq!(w.put(vec![removed(2)]), Put::Tell);
        assert_eq!(ids(&w.take(false)), vec![2]);
    }

    #[test]
    fn a_window_that_stops_taking_is_told_to_reload_and_nothing_piles_up() {
        let w = WindowEvents::default();
        w.take(true);
        assert_eq!(
            w.put((0..MAX_WAITING as u128).map(removed).collect()),
            Put::Tell
        );
        assert_eq!(w.put(vec![removed(1)]), Put::Reload);
        assert!(w.take(false).is_empty());
        assert_eq!(w.put(vec![removed(2)]), Put::Tell);
    }
}
