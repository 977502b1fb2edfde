//! WAL checkpoints off the write path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses 1,000
//! WAL pages, so every fortieth-odd write paid ~10 ms (BENCHMARKS.md,
//! scenario 6). The store turns it off and this thread, on a connection of
//! its own, runs a `PASSIVE` checkpoint (it never waits for or blocks a
//! writer) every [`CHECKPOINT_EVERY`] while the store lives.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is folded back into the database file.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Owns the checkpoint thread. Dropping it (with the store) stops the thread
/// and waits for it, so no connection to the file outlives the store.
pub(crate) struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Disconnecting the channel wakes the thread at once.
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the thread for the database at `path`. `None` if the thread or its
/// connection cannot start: SQLite's automatic checkpoint is then left on.
pub(crate) fn start(path: PathBuf) -> Option<Checkpointer> {
    let conn = Connection::open(&path).ok()?;
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("genqueue-wal-checkpoint".into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::debug!(error = %e, "WAL checkpoint skipped");
                }
            }
        })
        .ok()?;
    Some(Checkpointer {
        stop: Some(stop),
        thread: Some(thread),
    })
}
