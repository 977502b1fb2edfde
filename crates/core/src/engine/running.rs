//! "Did the last run stop cleanly?": a setting set to `"1"` while an engine
//! runs and `"0"` once it stopped cleanly; found at `"1"` at start, the
//! last run crashed or was killed (see [`super::RUNNING_KEY`]).
//!
//! On SQLite the store is the folder's own, so one key says it. On a store
//! shared by engines (a team's PostgreSQL database) each engine has its
//! own key, named after its data folder's id ([`FOLDER_ID_FILE`], a UUID
//! made once and kept in the folder): one engine's clean stop does not say
//! "stopped" for the others, and a restart finds its own last run's flag.

use std::path::Path;

use super::RUNNING_KEY;
use crate::paths::FOLDER_ID_FILE;
use crate::queue::Queue;
use crate::store::StoreError;

/// The settings key of this engine's flag: [`RUNNING_KEY`] on a store of
/// its own, `engine_running:<folder id>` on a shared one.
///
/// Errors: [`StoreError::Invalid`] when the folder's id cannot be read or made.
pub(super) fn key(queue: &Queue) -> Result<String, StoreError> {
    if !queue.store().shared_by_engines() {
        return Ok(RUNNING_KEY.to_owned());
    }
    let id = folder_id(queue.data_dir())
        .map_err(|e| StoreError::Invalid(format!("cannot keep this folder's engine id: {e}")))?;
    Ok(format!("{RUNNING_KEY}:{id}"))
}

/// The data folder's id: read from [`FOLDER_ID_FILE`], made (a new UUID v4)
/// when missing or unreadable as one. Called with the folder's engine lock
/// held, so no two engines make it at once.
fn folder_id(data_dir: &Path) -> std::io::Result<uuid::Uuid> {
    let path = data_dir.join(FOLDER_ID_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(id) = text.trim().parse() {
            return Ok(id);
        }
    }
    let id = uuid::Uuid::new_v4();
    std::fs::write(&path, format!("{id}\n"))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folders_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = folder_id(dir.path()).unwrap();
        assert_eq!(folder_id(dir.path()).unwrap(), first);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(folder_id(other.path()).unwrap(), first);
    }
}
