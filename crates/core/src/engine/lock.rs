//! The data folder's engine lock: an OS file lock on [`LOCK_FILE`], held for
//! the life of an [`Engine`](super::Engine). One check answers both "may
//! this engine start?" and "does an engine run here?", so the engine and
//! the shells cannot disagree about who holds it.

use std::fs::{File, TryLockError};
use std::path::Path;

use super::EngineError;
pub use crate::paths::LOCK_FILE;

/// What one try of the lock found.
enum Attempt {
    /// The lock is ours (held until the file is dropped).
    Taken(File),
    /// Another open file (this process's or another's) holds it.
    Held,
}

/// Tries the lock once without waiting. `create` makes the file if missing;
/// without it a missing file is a `NotFound` error.
fn attempt(path: &Path, create: bool) -> std::io::Result<Attempt> {
    let file = File::options()
        .create(create)
        .truncate(false)
        .read(true)
        .write(create)
        .open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Attempt::Taken(file)),
        Err(TryLockError::WouldBlock) => Ok(Attempt::Held),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Takes `data_dir`'s engine lock (creating the file if missing) and keeps
/// it for as long as the returned file lives.
///
/// Errors: [`EngineError::AlreadyRunning`] when it is held;
/// [`EngineError::Lock`] when the file cannot be opened or locked.
pub fn acquire(data_dir: &Path) -> Result<File, EngineError> {
    let path = data_dir.join(LOCK_FILE);
    match attempt(&path, true) {
        Ok(Attempt::Taken(file)) => Ok(file),
        Ok(Attempt::Held) => Err(EngineError::AlreadyRunning(data_dir.display().to_string())),
        Err(source) => Err(EngineError::Lock {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Whether an engine (this process's or another's) holds `data_dir`'s lock
/// right now: the lock is tried and let go at once. A shell that only
/// queues uses it to tell the user whether the work will be picked up.
///
/// Creates nothing. No lock file means no engine ever ran here: `false`.
/// On an error (the folder or the file cannot be opened, the OS refuses the
/// lock) the answer is also `false`: no engine is known to run, so the user
/// is told to start one, and starting it reports the error
/// ([`EngineError::Lock`]) instead of work waiting for an engine that is not there.
pub fn engine_running(data_dir: &Path) -> bool {
    match attempt(&data_dir.join(LOCK_FILE), false) {
        Ok(Attempt::Held) => true,
        Ok(Attempt::Taken(file)) => {
            let _ = file.unlock();
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether an engine runs; assuming none");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_where_no_engine_ran_has_none_running_and_gets_no_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!engine_running(dir.path()));
        assert!(!dir.path().join(LOCK_FILE).exists());
    }

    #[test]
    fn the_lock_is_seen_while_held_refuses_a_second_engine_and_frees_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let held = acquire(dir.path()).unwrap();
        assert!(engine_running(dir.path()));
        assert!(matches!(
            acquire(dir.path()),
            Err(EngineError::AlreadyRunning(_))
        ));
        // The check let the lock go: the holder still has it.
        assert!(engine_running(dir.path()));
        drop(held);
        assert!(!engine_running(dir.path()));
        acquire(dir.path()).expect("free again after the holder is gone");
    }

    #[test]
    fn an_unopenable_lock_is_not_running_and_a_lock_error_at_start() {
        let dir = tempfile::tempdir().unwrap();
        // A plain file where the data folder should be.
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, b"x").unwrap();
        assert!(!engine_running(&not_a_dir));
        assert!(matches!(acquire(&not_a_dir), Err(EngineError::Lock { .. })));
    }
}
