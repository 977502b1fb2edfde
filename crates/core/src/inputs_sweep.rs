//! Retention of kept input files: `<data>/inputs/<sha256>.<ext>` are shared
//! by content between generations (Retry and Run again name the same file),
//! so deleting a generation leaves its inputs; this sweep deletes the files
//! no generation names any more. It runs with the history retention (at the
//! engine's start, then daily).
//!
//! A file younger than the grace period is kept even when unnamed: a submit
//! copies its files before it writes the generations that name them.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::paths::INPUTS_DIR;
use crate::queue::{Queue, QueueError};

/// How old an unnamed kept input must be to go (1 hour: far longer than a
/// submit takes between copying a file and storing its generation).
pub const INPUT_SWEEP_GRACE: Duration = Duration::from_secs(3600);

impl Queue {
    /// Deletes the kept input files that no generation references and that
    /// were last written at least `grace` before `now` (the queue's clock;
    /// the files' times are the file system's). Answers how many went.
    /// Files it cannot read or remove stay (logged); a missing `inputs/`
    /// folder is nothing to do.
    pub fn sweep_input_files(
        &self,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<usize, QueueError> {
        let dir = self.data_dir().join(INPUTS_DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(0);
        };
        let named = self.store().kept_input_names()?;
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if named.contains(&name) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let written: Option<DateTime<Utc>> = meta.modified().ok().map(Into::into);
            let old_enough =
                written.is_some_and(|w| (now - w).to_std().is_ok_and(|age| age >= grace));
            if !old_enough {
                continue;
            }
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(file = %name, error = %e, "could not remove an unused input file")
                }
            }
        }
        if removed > 0 {
            tracing::info!(removed, "unused input files removed");
        }
        Ok(removed)
    }
}
