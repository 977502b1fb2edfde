//! What listeners decide from the queue's events: a generation ended (one
//! decision per [`Event::GenerationEnded`], which the core sends once per
//! ending), and the whole queue finished (the counters went from active to
//! idle), with the tally of the run. Shared by the desktop bridge (native
//! notifications) and the Telegram relay ([`crate::telegram::Relay`]); tests
//! feed events in.

use chrono::{DateTime, TimeDelta, Utc};

use crate::events::Event;
use crate::model::{GenerationStatus, GenerationSummary};
use crate::queue::Queue;

/// Generations that ended since the queue was last idle.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunTally {
    pub completed: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// `created_at` of the earliest and the latest of them (`None` before one ends).
    pub first_created: Option<DateTime<Utc>>,
    pub last_created: Option<DateTime<Utc>>,
}

impl RunTally {
    fn count(&mut self, g: &GenerationSummary) {
        match g.status {
            GenerationStatus::Completed => self.completed += 1,
            GenerationStatus::Failed => self.failed += 1,
            GenerationStatus::Cancelled => self.cancelled += 1,
            _ => return,
        }
        let t = g.created_at;
        self.first_created = Some(self.first_created.map_or(t, |f| f.min(t)));
        self.last_created = Some(self.last_created.map_or(t, |l| l.max(t)));
    }

    /// The run as the history's bounds: created at or after the first, and
    /// strictly before one millisecond after the last (the store keeps
    /// `created_at` to the millisecond; the history's `to` is exclusive).
    pub fn created_span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((
            self.first_created?,
            self.last_created? + TimeDelta::milliseconds(1),
        ))
    }
}

/// A notification decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// This generation ended (its `status` is the outcome).
    Ended(Box<GenerationSummary>),
    /// Nothing is active any more; what ended in this run.
    QueueFinished(RunTally),
}

/// Follows the events of one queue.
#[derive(Debug, Default)]
pub struct Endings {
    run: RunTally,
    was_active: bool,
    /// On a team's database: the member whose endings count (the queue's
    /// counters events are this member's too, see [`Queue::own_counters`]).
    own: Option<String>,
}

impl Endings {
    /// `active_now`: whether the queue had active generations when listening began.
    pub fn new(active_now: bool) -> Self {
        Endings {
            run: RunTally::default(),
            was_active: active_now,
            own: None,
        }
    }

    /// Follows `queue`'s events for its user: on a team's database only one's
    /// own generations end a notification or count in the run
    /// ([`Queue::own_member`]); "queue finished" comes when one's own active
    /// generations are done. Reads the counters once.
    pub fn of(queue: &Queue) -> Self {
        Endings {
            run: RunTally::default(),
            was_active: queue.own_counters().is_ok_and(|c| c.active > 0),
            own: queue.own_member().map(str::to_owned),
        }
    }

    /// The decision an event calls for, if any.
    pub fn on_event(&mut self, ev: &Event) -> Option<Decision> {
        match ev {
            Event::GenerationEnded(g)
                if self
                    .own
                    .as_deref()
                    .is_some_and(|me| g.creator.member.as_deref() != Some(me)) =>
            {
                None
            }
            Event::GenerationEnded(g) => {
                self.run.count(g);
                Some(Decision::Ended(g.clone()))
            }
            Event::CountersChanged(c) => {
                let finished = self.was_active && c.active == 0;
                self.was_active = c.active > 0;
                finished.then(|| Decision::QueueFinished(std::mem::take(&mut self.run)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use crate::lifecycle::Transition;
    use crate::model::{ErrorKind, ModelRef, NewGeneration};
    use crate::queue::Queue;
    use crate::replicate::ReplicateClient;
    use crate::secrets::MemorySecretStore;
    use crate::store::Store;
    use serde_json::json;
    use tokio::sync::broadcast::Receiver;

    use super::*;

    fn drain(rx: &mut Receiver<Event>, endings: &mut Endings, out: &mut Vec<Decision>) {
        while let Ok(ev) = rx.try_recv() {
            out.extend(endings.on_event(&ev));
        }
    }

    /// 1,000 generations processing at once, then each ends (completed,
    /// failed or cancelled): each end is decided exactly once, and the
    /// queue's end once, with the right tally. (The bridge used to rebuild
    /// endings from a set of the first 500 active rows.)
    #[test]
    fn a_thousand_active_generations_each_end_with_one_decision() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("genqueue.db")).unwrap();
        let token = store.insert_token("t", "abcd", chrono::Utc::now()).unwrap();
        let queue = Queue::from_parts(
            dir.path().to_owned(),
            store,
            ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
            Arc::new(MemorySecretStore::new()),
        );
        let news: Vec<NewGeneration> = (0..1000)
            .map(|i| NewGeneration {
                creator: Default::default(),
                model: "black-forest-labs/flux-schnell"
                    .parse::<ModelRef>()
                    .unwrap(),
                prompt: format!("lighthouse {i}"),
                input: json!({ "prompt": format!("lighthouse {i}") }),
                priority: 0,
                batch_id: None,
                retried_from: None,
                deadlines: Default::default(),
            })
            .collect();
        let rows = queue.submit_batch(news).unwrap();
        let mut rx = queue.events().subscribe();
        let mut endings = Endings::new(true);
        let mut decisions = Vec::new();
        for (i, g) in rows.iter().enumerate() {
            queue.commit(g.id, Transition::CreateSent).unwrap();
            let t = Transition::Created {
                prediction_id: format!("p{i}"),
                token_id: token.id,
                replicate_status: "processing".into(),
                started_at: None,
                progress: None,
            };
            queue.commit(g.id, t).unwrap();
            drain(&mut rx, &mut endings, &mut decisions);
        }
        assert_eq!(queue.counters().unwrap().active, 1000);
        assert!(decisions.is_empty(), "nothing ended yet: {decisions:?}");
        for (i, g) in rows.iter().enumerate() {
            let t = match i % 3 {
                0 => Transition::Complete {
                    files: vec![format!("outputs/{}/0.png", g.id)],
                    urls: vec![],
                    replicate_status: "succeeded".into(),
                    started_at: None,
                },
                1 => Transition::Fail {
                    kind: ErrorKind::ModelFailed,
                    detail: Some("NSFW".into()),
                    replicate_status: Some("failed".into()),
                },
                _ => Transition::Cancel {
                    replicate_status: None,
                },
            };
            queue.commit(g.id, t.clone()).unwrap();
            // A second ending (a late read, a cancel racing the end) decides nothing.
            queue.commit(g.id, t).unwrap();
            drain(&mut rx, &mut endings, &mut decisions);
        }
        let ended: Vec<&GenerationSummary> = decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Ended(g) => Some(&**g),
                _ => None,
            })
            .collect();
        assert_eq!(ended.len(), 1000);
        let ids: HashSet<_> = ended.iter().map(|g| g.id).collect();
        assert_eq!(ids.len(), 1000, "one decision per generation");
        let finished: Vec<&Decision> = decisions
            .iter()
            .filter(|d| matches!(d, Decision::QueueFinished(_)))
            .collect();
        let first = rows.iter().map(|g| g.created_at).min();
        let last = rows.iter().map(|g| g.created_at).max();
        assert_eq!(
            finished,
            vec![&Decision::QueueFinished(RunTally {
                completed: 334,
                failed: 333,
                cancelled: 333,
                first_created: first,
                last_created: last,
            })]
        );
    }
}
