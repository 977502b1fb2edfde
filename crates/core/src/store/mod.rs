//! The SQLite store: generations, tokens, settings, counters, and the token
//! pool's claims.
//!
//! One file (`genqueue.db` in the data folder), opened in WAL mode with
//! `foreign_keys=ON`, `synchronous=NORMAL` and a 5 s busy timeout. The schema is
//! the numbered SQL files in `migrations/` at the repository root, embedded in
//! the binary and applied in order on open (the version is SQLite's
//! `user_version`). Timestamps are stored as UTC text with fixed millisecond
//! precision, so values read back lose anything finer than a millisecond.
//!
//! [`Store`] is cheap to clone (an `Arc` inside) and can be shared between
//! threads. Its methods are synchronous and short (indexed queries on one
//! connection); callers on an async runtime may call them directly for reads
//! and wrap batches in `spawn_blocking`. Methods where time matters take `now`
//! instead of reading the clock.
//!
//! - [`generations`]: queue rows, lists, counters, the engine's write path.
//! - [`tokens`]: token rows (never the secret) and their request counters.
//! - [`pool`]: which token a generation runs on ([`Store::claim_token`]).
//! - [`history`]: the history page (filters, FTS5 search, cursor), models,
//!   running times, bulk deletions.
//! - [`priority`]: dispatch order and moving pending generations in it.
//! - [`batches`]: a batch's progress.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

mod api;
mod api_sqlite;
pub mod batches;
mod checkpoint;
mod codec;
mod error;
pub mod fts_tokens;
mod generation_rows;
pub mod generations;
mod given_up;
pub mod history;
pub mod lease;
mod members;
mod news;
pub mod pg;
pub mod pool;
mod pool_hash;
pub mod priority;
mod priority_sqlite;
pub mod spend;
pub mod spend_totals;
mod step;
pub mod tokens;
mod transitions;
pub mod uploads;
mod watch;

#[cfg(test)]
mod tests;

pub use api::QueueStore;
pub use batches::BatchSummary;
pub use error::StoreError;
pub use generations::ListQuery;
pub use history::{DeletedRow, HistoryPage, HistoryQuery, ModelRunTime};
pub use lease::{Fence, Lease};
pub use news::StoreNews;
pub use pg::{DATABASE_URL_ENV, ImportReport, PgStore};
pub use pool::ClaimOutcome;
pub use priority::MoveTo;
pub use spend::{ActiveEstimate, FinalSpend, GenerationSpend, SpendGroup};
pub use spend_totals::SpendTotal;
pub use step::{StepWrites, StepWritten};
pub use tokens::RequestOutcome;
pub use uploads::InputUpload;

/// The migrations, in order; migration N brings the schema to version N.
const MIGRATION_LIST: &[M<'static>] = &[
    M::up(include_str!("../../../../migrations/0001_init.sql")),
    M::up(include_str!(
        "../../../../migrations/0002_updated_index.sql"
    )),
    M::up(include_str!("../../../../migrations/0003_history.sql")),
    M::up(include_str!(
        "../../../../migrations/0004_unique_prediction.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/0005_failure_codes.sql"
    )),
    M::up(include_str!("../../../../migrations/0006_deadlines.sql")),
    M::up(include_str!("../../../../migrations/0007_inputs.sql")),
    M::up(include_str!("../../../../migrations/0008_spend.sql")),
    M::up(include_str!(
        "../../../../migrations/0009_token_accounts.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/0010_given_up_predictions.sql"
    )),
    M::up(include_str!("../../../../migrations/0011_creators.sql")),
    M::up(include_str!(
        "../../../../migrations/0012_token_pool_hash.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/0013_member_counters.sql"
    )),
];

/// The schema version this build writes (SQLite `user_version` after migrating).
pub const SCHEMA_VERSION: usize = MIGRATION_LIST.len();

/// How long a statement waits for another connection's lock before failing
/// with [`StoreError::Locked`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Each connection's page cache, in KiB (SQLite's `cache_size`, negative
/// for KiB). SQLite's default is 2,000 KiB a connection, filled as the
/// database grows and kept for the connection's life: in the app (a writer
/// and a reader) that was +4 MiB of its memory over the first 1,000
/// generations (issue #12, "the window": ≤ +15 MiB). Pages not cached are
/// read from the operating system's file cache, microseconds each; the
/// store's queries read a few dozen pages through indexes (BENCHMARKS.md,
/// scenario 6, measured at 100,000 generations).
pub const PAGE_CACHE_KIB: i64 = 512;

/// What every connection of the store is set to: how long it waits for
/// another's lock, and its page cache.
fn tune(conn: &Connection, busy: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy)?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
}

/// The SQLite store. Clone it freely: clones share one connection.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    /// A second, read-only connection for long reads (History's pages and
    /// totals), opened on first use (files only): in WAL mode it reads
    /// beside the writer, so a 100,000-row total does not hold the engine's
    /// writes back.
    reader: Mutex<Option<Connection>>,
    /// The file, or `None` in memory.
    path: Option<PathBuf>,
    /// What error messages show: the file, or `:memory:`.
    shown: PathBuf,
    /// The WAL checkpoint thread (files only); stops with the store.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.shown)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) the database at `path`, creating its parent folders,
    /// and migrates it to [`SCHEMA_VERSION`].
    ///
    /// Errors: [`StoreError::CannotOpen`] (folder or file cannot be created),
    /// [`StoreError::Locked`], [`StoreError::ReadOnly`], [`StoreError::Corrupt`]
    /// ("not a database"), [`StoreError::DiskFull`], [`StoreError::TooNew`]
    /// (written by a newer Genqueue), [`StoreError::Migration`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_timeout(path, BUSY_TIMEOUT)
    }

    /// [`Store::open`] with another busy timeout (tests of lock errors).
    pub(crate) fn open_with_timeout(path: &Path, busy: Duration) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::CannotOpen {
                path: path.to_path_buf(),
                reason: format!("cannot create the folder {}: {e}", parent.display()),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(path, e))?;
        Self::init(conn, Some(path.to_path_buf()), busy)
    }

    /// A fresh, migrated database in memory. For unit tests only: nothing persists.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()
            .map_err(|e| StoreError::from_sqlite(Path::new(":memory:"), e))?;
        Self::init(conn, None, BUSY_TIMEOUT)
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    fn init(
        mut conn: Connection,
        path: Option<PathBuf>,
        busy: Duration,
    ) -> Result<Store, StoreError> {
        let shown = path.clone().unwrap_or_else(|| PathBuf::from(":memory:"));
        let at = |e: rusqlite::Error| StoreError::from_sqlite(&shown, e);
        tune(&conn, busy).map_err(at)?;
        // Reading the header here reports a foreign file as Corrupt before anything else.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(at)?;
        if found > SCHEMA_VERSION as i64 {
            return Err(StoreError::TooNew {
                path: shown,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        // In memory the answer is "memory"; on a file it is "wal".
        let _mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(at)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(at)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(at)?;
        Migrations::from_slice(MIGRATION_LIST)
            .to_latest(&mut conn)
            .map_err(|e| migration_error(&shown, found, e))?;
        // Checkpoints run on a thread of their own, not inside a commit.
        let checkpointer = path.clone().and_then(checkpoint::start);
        if checkpointer.is_some() {
            conn.pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(at)?;
        }
        Ok(Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                reader: Mutex::new(None),
                path,
                shown,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// Runs `f` on the connection; errors get the path and their typed kind.
    ///
    /// The lock is held for the whole of `f`, so `f` must not call the store.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A panic inside `f` rolled its transaction back (Transaction's Drop),
        // so the connection is still usable: ignore the poison.
        let mut conn = self
            .inner
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut conn).map_err(|e| e.at(&self.inner.shown))
    }

    /// Runs the read-only `f` on the store's reader connection (see
    /// [`Inner::reader`]), opening it on first use; an in-memory store has
    /// none and runs `f` on its one connection. `f` sees what was committed
    /// when it starts.
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(path) = &self.inner.path else {
            return self.with_conn(f);
        };
        let mut reader = self
            .inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if reader.is_none() {
            let at = |e: rusqlite::Error| StoreError::from_sqlite(path, e);
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(at)?;
            tune(&conn, BUSY_TIMEOUT).map_err(at)?;
            *reader = Some(conn);
        }
        let conn = reader.as_mut().expect("opened above");
        f(conn).map_err(|e| e.at(&self.inner.shown))
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`): it takes the
    /// database's write lock first, so a read-modify-write inside cannot race
    /// another connection. Commits if `f` returns `Ok`, rolls back otherwise.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// The value stored under `key` in the settings table (e.g. `"paused"`), if any.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])?;
            Ok(())
        })
    }

    /// Removes `key` from the settings table; `true` if it was there.
    pub fn remove_setting(&self, key: &str) -> Result<bool, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached("DELETE FROM settings WHERE key = ?1")?
                .execute([key])?
                > 0)
        })
    }
}

fn migration_error(path: &Path, found: i64, err: rusqlite_migration::Error) -> StoreError {
    match err {
        rusqlite_migration::Error::RusqliteError { err, .. } => {
            match StoreError::from_sqlite(path, err) {
                StoreError::Sqlite { source, .. } => StoreError::Migration {
                    path: path.to_path_buf(),
                    reason: source.to_string(),
                },
                typed => typed,
            }
        }
        rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        ) => StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        },
        other => StoreError::Migration {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}
