//! Queue events go to the window in batches: at most one batch per
//! [`WINDOW_BATCH`], each holding every event since the last one, in order
//! (put where the window takes them: `window_events.rs`). An event after a
//! quiet spell goes at once; during a storm (1,000 generations ending in
//! seconds: several events each) the page is told ~20 times a second
//! instead of hundreds, so it takes and renders once per batch (issue #12,
//! "the window": memory after 1,000 generations). The tray and the notifications still see every event as it
//! comes (`bridge.rs`).

use std::time::{Duration, Instant};

/// The shortest time between two messages to the window.
pub const WINDOW_BATCH: Duration = Duration::from_millis(50);

/// Events waiting for the window, and when the last batch went.
#[derive(Debug)]
pub struct EventBatch<E> {
    pending: Vec<E>,
    last_sent: Option<Instant>,
    every: Duration,
}

impl<E> EventBatch<E> {
    /// A batcher sending at most once per `every`.
    pub fn new(every: Duration) -> Self {
        Self {
            pending: Vec::new(),
            last_sent: None,
            every,
        }
    }

    /// Adds an event (after the ones already waiting).
    pub fn push(&mut self, event: E) {
        self.pending.push(event);
    }

    /// When the waiting events are to go: `None` when none waits; the
    /// moment one period after the last batch otherwise (in the past when
    /// that period has run out).
    pub fn due(&self) -> Option<Instant> {
        if self.pending.is_empty() {
            return None;
        }
        Some(match self.last_sent {
            Some(t) => t + self.every,
            None => Instant::now(),
        })
    }

    /// Whether the waiting events may go at `now`.
    pub fn ready(&self, now: Instant) -> bool {
        !self.pending.is_empty() && self.last_sent.is_none_or(|t| now >= t + self.every)
    }

    /// The waiting events, oldest first, as sent at `now`; empty when none waits
    /// (and then nothing counts as sent).
    pub fn take(&mut self, now: Instant) -> Vec<E> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        self.last_sent = Some(now);
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_after_a_quiet_spell_goes_at_once() {
        let t0 = Instant::now();
        let mut b = EventBatch::new(Duration::from_millis(50));
        assert!(!b.ready(t0));
        b.push(1);
        assert!(b.ready(t0));
        assert_eq!(b.take(t0), vec![1]);
        // Long after: at once again.
        b.push(2);
        assert!(b.ready(t0 + Duration::from_millis(60)));
    }

    #[test]
    fn events_in_a_storm_wait_for_the_period_and_go_together_in_order() {
        let t0 = Instant::now();
        let mut b = EventBatch::new(Duration::from_millis(50));
        b.push(1);
        assert_eq!(b.take(t0), vec![1]);
        for i in 2..=5 {
            b.push(i);
        }
        assert!(!b.ready(t0 + Duration::from_millis(10)));
        assert_eq!(b.due(), Some(t0 + Duration::from_millis(50)));
        assert!(b.ready(t0 + Duration::from_millis(50)));
        assert_eq!(b.take(t0 + Duration::from_millis(50)), vec![2, 3, 4, 5]);
        assert_eq!(b.due(), None);
    }

    #[test]
    fn taking_nothing_does_not_delay_the_next_event() {
        let t0 = Instant::now();
        let mut b: EventBatch<u8> = EventBatch::new(Duration::from_millis(50));
        assert!(b.take(t0).is_empty());
        b.push(7);
        assert!(b.ready(t0));
    }
}
