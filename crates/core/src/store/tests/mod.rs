//! Store tests, on real SQLite files in temporary folders.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use tempfile::TempDir;

use super::Store;
use crate::model::{Counters, NewGeneration};
pub(crate) use backends::on_both;

mod backends;
mod creators;
mod fence;
mod generations;
mod given_up;
mod held;
mod history;
mod history_search;
mod lease;
mod members;
mod open;
mod pg;
mod pool;
mod priority;
mod settings;
mod spend;
mod step;
mod tokens;
mod uploads;

/// The store is shared between the engine's tasks and the shell's threads.
const _: fn() = || {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Store>();
};

/// A fixed start time: tests pass time in.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 14, 0, 0).unwrap()
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

/// A fresh store in a real file (`<tmp>/data/genqueue.db`); keep the TempDir alive.
fn file_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data").join("genqueue.db")).unwrap();
    (dir, store)
}

fn new_gen(prompt: &str) -> NewGeneration {
    NewGeneration {
        creator: Default::default(),
        model: "black-forest-labs/flux-schnell".parse().unwrap(),
        prompt: prompt.to_owned(),
        input: json!({ "prompt": prompt, "aspect_ratio": "1:1", "num_outputs": 1 }),
        priority: 0,
        batch_id: None,
        retried_from: None,
        deadlines: Default::default(),
    }
}

/// The counters recomputed with COUNT(*) over the table (what the triggers must match).
fn counted(store: &Store) -> Counters {
    store
        .with_conn(|c| {
            let count = |sql: &str| -> rusqlite::Result<u64> {
                c.query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|n| n as u64)
            };
            let by = |s: &str| {
                count(&format!(
                    "SELECT count(*) FROM generations WHERE status = '{s}'"
                ))
            };
            let pending = by("pending")?;
            let processing = by("processing")?;
            Ok(Counters {
                active: pending + processing,
                unviewed: count("SELECT count(*) FROM generations WHERE viewed = 0")?,
                pending,
                processing,
                completed: by("completed")?,
                failed: by("failed")?,
                cancelled: by("cancelled")?,
                seq: 0,
            })
        })
        .unwrap()
}

/// A store whose trigger-kept counters can be checked against `count(*)`.
trait Counted {
    fn counted(&self) -> Counters;
    fn kept(&self) -> Counters;
}

impl Counted for Store {
    fn counted(&self) -> Counters {
        counted(self)
    }
    fn kept(&self) -> Counters {
        self.counters().unwrap()
    }
}

impl<T: Counted> Counted for &T {
    fn counted(&self) -> Counters {
        (**self).counted()
    }
    fn kept(&self) -> Counters {
        (**self).kept()
    }
}

/// Asserts that the trigger-kept counters equal the COUNT(*) ones.
#[track_caller]
fn assert_counters_exact(store: &impl Counted) {
    let kept = Counters {
        seq: 0,
        ..store.kept()
    };
    assert_eq!(kept, store.counted());
}
