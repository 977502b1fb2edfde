//! Outputs on a team's database (issue 15): the engine that saves a
//! generation's files shares them through the store, and any machine on the
//! same database fetches the ones it has not got into its own data folder
//! the first time it needs them (result page, history, notifications,
//! `genq show`). On SQLite (one machine) both are no-ops.

use std::path::PathBuf;

use super::Queue;
use crate::model::{Generation, GenerationId};
use crate::paths::{poster_path, resolve_output_path};
use crate::store::StoreError;

impl Queue {
    /// Keeps generation `id`'s saved files (their `output_files` entries,
    /// and the poster frame beside a video when there is one) in the store
    /// for the other machines. Blocking (streams each file to the database).
    /// `fence`: the driving engine's lease, checked by each write.
    pub fn share_outputs(
        &self,
        id: GenerationId,
        files: &[String],
        fence: Option<crate::store::Fence>,
    ) -> Result<(), StoreError> {
        let store = self.store();
        if !store.shares_outputs() {
            return Ok(());
        }
        for stored in with_posters(files) {
            let path = resolve_output_path(self.data_dir(), &stored);
            if stored.ends_with(crate::paths::POSTER_SUFFIX) && !path.exists() {
                continue;
            }
            store.share_output_file(id, &stored, &path, fence)?;
        }
        Ok(())
    }

    /// Fetches from the store the files of `g` missing from this machine's
    /// data folder (posters too); returns the paths fetched. Blocking.
    /// A file the store does not hold is left missing (the page says so, as
    /// for a file deleted by hand).
    pub fn fetch_missing_outputs(&self, g: &Generation) -> Result<Vec<PathBuf>, StoreError> {
        let store = self.store();
        if !store.shares_outputs() {
            return Ok(Vec::new());
        }
        let mut fetched = Vec::new();
        for stored in with_posters(&g.output_files) {
            let path = resolve_output_path(self.data_dir(), &stored);
            if !path.exists() && store.fetch_output_file(g.id, &stored, &path)? {
                fetched.push(path);
            }
        }
        Ok(fetched)
    }
}

/// `files` and, after each, the poster frame it may have (only videos have
/// one; a missing poster is skipped by the callers).
fn with_posters(files: &[String]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            let poster = (!f.ends_with(crate::paths::POSTER_SUFFIX)).then(|| poster_path(f));
            std::iter::once(f.clone()).chain(poster)
        })
        .collect()
}
