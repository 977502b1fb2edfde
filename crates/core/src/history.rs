//! The history's operations on a [`Queue`]: pages and search, the models
//! filter, running times, bulk actions, "Clear finished", retention, and
//! removing a generation's saved files.
//!
//! Store first, then files, then events: a deleted row whose file could not
//! be removed leaves a stray file (logged), never a row without its file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::model::GenerationId;
use crate::paths::{OUTPUTS_DIR, resolve_output_path};
use crate::queue::{Queue, QueueError, Scope};
use crate::store::{DeletedRow, HistoryPage, HistoryQuery, ModelRunTime};

/// What [`Queue::bulk`] does to each generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BulkAction {
    /// Queue a new generation like each failed or cancelled one ([`Queue::retry`]).
    Retry,
    /// Delete each one that is not processing, with its files ([`Queue::delete`]).
    Delete,
    MarkViewed,
    /// Cancel each pending or processing one ([`Queue::cancel`]).
    Cancel,
}

/// One generation a bulk action could not handle, and why (a sentence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkFailure {
    pub id: GenerationId,
    pub message: String,
}

/// What a bulk action did: how many succeeded, and the ones that did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkResult {
    pub done: u32,
    pub failed: Vec<BulkFailure>,
}

impl Queue {
    /// One page of the history (see [`HistoryQuery`]).
    pub fn history(&self, q: &HistoryQuery) -> Result<HistoryPage, QueueError> {
        Ok(self.store().history(q)?)
    }

    /// Every model that has a generation (`owner/name`), sorted.
    pub fn history_models(&self) -> Result<Vec<String>, QueueError> {
        Ok(self.store().history_models()?)
    }

    /// Median running time per model over its latest completed generations.
    pub fn run_time_stats(&self) -> Result<Vec<ModelRunTime>, QueueError> {
        Ok(self.store().run_time_stats()?)
    }

    /// Applies `action` to each id in turn; one failing does not stop the
    /// others. Each change is announced like the single action's. Another
    /// member's generation fails with [`QueueError::NotOwn`] unless `scope`
    /// is everyone's (checked here, whatever the window selected).
    pub async fn bulk(&self, ids: &[GenerationId], action: BulkAction, scope: Scope) -> BulkResult {
        let mut out = BulkResult::default();
        for &id in ids {
            let owned = match self.get(id) {
                Ok(g) => self.check_scope(&g.creator, scope),
                Err(e) => Err(e),
            };
            let res = match (owned, action) {
                (Err(e), _) => Err(e),
                (Ok(()), action) => match action {
                    BulkAction::Retry => self.retry(id).map(drop),
                    BulkAction::Delete => self.delete(id),
                    BulkAction::MarkViewed => self.mark_viewed(id).map(drop),
                    BulkAction::Cancel => self.cancel(id).await.map(drop),
                },
            };
            match res {
                Ok(()) => out.done += 1,
                Err(e) => out.failed.push(BulkFailure {
                    id,
                    message: e.to_string(),
                }),
            }
        }
        out
    }

    /// "Clear finished": deletes every completed, failed or cancelled
    /// generation that has been viewed, and its files: one's own only,
    /// unless `scope` is everyone's ([`Scope`]). Returns how many.
    pub fn clear_finished(&self, scope: Scope) -> Result<usize, QueueError> {
        let rows = self.store().delete_finished_viewed(self.member_of(scope))?;
        self.forget(&rows)
    }

    /// The retention setting: deletes finished generations (viewed or not)
    /// that finished more than `retention_days` before `now`, with their
    /// files. Returns how many; 0 when retention is off.
    pub fn apply_retention(&self, now: DateTime<Utc>) -> Result<usize, QueueError> {
        let Some(days) = self.store().settings()?.retention_days else {
            return Ok(0);
        };
        let rows = self
            .store()
            .delete_finished_before(now - chrono::Duration::days(i64::from(days)))?;
        if !rows.is_empty() {
            tracing::info!(deleted = rows.len(), days, "history retention applied");
        }
        self.forget(&rows)
    }

    /// After rows were deleted: their files, then the events.
    fn forget(&self, rows: &[DeletedRow]) -> Result<usize, QueueError> {
        for row in rows {
            if let Err(e) = self.remove_output_files(row.id, &row.output_files) {
                tracing::warn!(generation = %row.id, error = %e, "a deleted generation's files remain");
            }
            self.events().send(Event::GenerationRemoved { id: row.id });
        }
        if !rows.is_empty() {
            self.announce_counters()?;
        }
        Ok(rows.len())
    }

    /// Removes a generation's saved files: each of `output_files` (relative
    /// to the data folder, or absolute), then its own folder `<root>/<id>`
    /// wherever it is (the default outputs folder and the current output
    /// folder included), with any partial download left in it. Never
    /// removes a folder not named by the id. Missing files are not an error.
    pub fn remove_output_files(
        &self,
        id: GenerationId,
        output_files: &[String],
    ) -> Result<(), QueueError> {
        let name = id.to_string();
        let mut dirs = vec![
            self.data_dir().join(OUTPUTS_DIR).join(&name),
            self.output_dir(id),
        ];
        let mut first_err: Option<QueueError> = None;
        for stored in output_files {
            let path = resolve_output_path(self.data_dir(), stored);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    first_err.get_or_insert(QueueError::Io {
                        context: format!("cannot remove {}", path.display()),
                        source,
                    });
                }
            }
            if let Some(parent) = path.parent() {
                if parent.file_name().is_some_and(|n| n == name.as_str()) {
                    dirs.push(parent.to_path_buf());
                }
            }
        }
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    first_err.get_or_insert(QueueError::Io {
                        context: format!(
                            "deleted the generation, but not its folder {}",
                            dir.display()
                        ),
                        source,
                    });
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
