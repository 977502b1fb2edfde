//! [`StoreError`]: what can go wrong with the SQLite store, in words a person can act on.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;
use uuid::Uuid;

use crate::model::GenerationStatus;

/// An error from the [`Store`](super::Store).
///
/// Every variant about the database file carries its path (`:memory:` for an
/// in-memory store) and a message that says what to do. Its code for the UI
/// is in [`crate::error_code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another program (or another Genqueue) held the database for longer than
    /// the busy timeout (5 s). SQLite `SQLITE_BUSY` / `SQLITE_LOCKED`.
    #[error(
        "the database {} is locked by another program (another Genqueue window or a tool \
         holding it open) and stayed locked for more than 5 seconds; close that program and try again",
        .path.display()
    )]
    Locked { path: PathBuf },

    /// The file (or its folder) cannot be written. SQLite `SQLITE_READONLY`.
    #[error(
        "the database {} is read-only, so Genqueue cannot save anything; check that the file \
         and its folder are writable by you and that the disk is not mounted read-only",
        .path.display()
    )]
    ReadOnly { path: PathBuf },

    /// The file is not a SQLite database or is damaged. SQLite `SQLITE_NOTADB` / `SQLITE_CORRUPT`.
    #[error(
        "{} is not a Genqueue database or is damaged (SQLite: file is not a database); \
         move it aside (keep it if you want to recover it) and start Genqueue again to create a new one",
        .path.display()
    )]
    Corrupt { path: PathBuf },

    /// The disk (or the database's size limit) is full. SQLite `SQLITE_FULL`.
    #[error(
        "the disk holding the database {} is full; free some space and try again",
        .path.display()
    )]
    DiskFull { path: PathBuf },

    /// The file or its folder could not be created or opened.
    #[error("cannot open the database {}: {reason}", .path.display())]
    CannotOpen { path: PathBuf, reason: String },

    /// The file was written by a newer Genqueue: its schema version is past the
    /// last migration this build knows.
    #[error(
        "the database {} was written by a newer version of Genqueue (schema version {found}, \
         this version knows up to {supported}); update Genqueue{}",
        .path.display(),
        if .path.to_string_lossy().starts_with("postgres://") { "" } else { ", or move the file aside to start afresh" }
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: usize,
    },

    /// Applying a migration failed (any other cause than the ones above).
    #[error("cannot update the database {} to the current schema: {reason}", .path.display())]
    Migration { path: PathBuf, reason: String },

    /// No generation or token with this id.
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: Uuid },

    /// The operation needs a pending generation (claim, release).
    #[error("generation {id} is {status}, not pending")]
    NotPending { id: Uuid, status: GenerationStatus },

    /// A caller passed a value the store refuses (an empty label, a concurrency out of 1..=16…).
    #[error("{0}")]
    Invalid(String),

    /// A stored value could not be read back (bad JSON, bad timestamp): the file was edited by hand
    /// or by a buggy build.
    #[error("unreadable data in the database {}: {reason}", .path.display())]
    Data { path: PathBuf, reason: String },

    /// An error from a PostgreSQL store (a team's queue). `target` names the
    /// database without its password (`postgres://user@host:port/dbname`).
    #[error("database error on {target}: {reason}")]
    Postgres { target: String, reason: String },

    /// A write an engine made under a lease it no longer holds: another
    /// engine took generation `id` over (this one slept or lost the database
    /// past the lease). Nothing was written (`store/lease.rs`).
    #[error(
        "another engine took over generation {id} (its lease moved on); this engine's write was refused"
    )]
    LeaseLost { id: Uuid },

    /// A team's PostgreSQL database cannot be reached: the connection was
    /// refused, lost or timed out, or the server is shutting down or
    /// starting. `target` names it without its password. Nothing was
    /// written; the same call succeeds once the database answers again.
    #[error("the team database at {target} cannot be reached: {reason}")]
    Unreachable { target: String, reason: String },

    /// An operation the PostgreSQL store does not offer yet (issue #15 lands in slices).
    #[error("{what} is not available on a team (PostgreSQL) queue yet")]
    Unsupported { what: &'static str },

    /// A local output file could not be read (to share it with the team's
    /// database) or written (fetched from it).
    #[error("cannot {doing} the output file {}: {reason}", .path.display())]
    OutputFile {
        doing: &'static str,
        path: PathBuf,
        reason: String,
    },

    /// Any other SQLite error.
    #[error("database error in {}: {source}", .path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Builds the typed error for a rusqlite error on the database at `path`.
    pub(crate) fn from_sqlite(path: &Path, err: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &err {
            return Self::Data {
                path,
                reason: inner.to_string(),
            };
        }
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Locked { path },
            Some(ErrorCode::ReadOnly) => Self::ReadOnly { path },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Self::Corrupt { path },
            Some(ErrorCode::DiskFull) => Self::DiskFull { path },
            // On a read-only disk or file, SQLite says only "unable to open
            // database file" (WAL needs to write its -shm): name the cause.
            Some(ErrorCode::CannotOpen) if not_writable(&path) => Self::ReadOnly { path },
            Some(ErrorCode::CannotOpen) => Self::CannotOpen {
                path,
                reason: err.to_string(),
            },
            _ => Self::Sqlite { path, source: err },
        }
    }

    /// Attaches `path` to an error built without one (inside a transaction).
    pub(crate) fn at(self, path: &Path) -> Self {
        match self {
            Self::Sqlite { source, .. } => Self::from_sqlite(path, source),
            Self::Data { reason, .. } => Self::Data {
                path: path.to_path_buf(),
                reason,
            },
            other => other,
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl Into<Uuid>) -> Self {
        let id: Uuid = id.into();
        Self::NotFound { what, id }
    }
}

/// Inside the store, rusqlite errors become [`StoreError::Sqlite`] with an empty
/// path; `StoreError::at` classifies them and sets the path at the boundary.
impl From<rusqlite::Error> for StoreError {
    fn from(source: rusqlite::Error) -> Self {
        Self::Sqlite {
            path: PathBuf::new(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_err(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_codes_map_to_typed_errors_with_the_path() {
        let p = Path::new("/data/genqueue.db");
        let e = StoreError::from_sqlite(p, sqlite_err(rusqlite::ffi::SQLITE_FULL));
        assert!(matches!(e, StoreError::DiskFull { .. }), "{e:?}");
        assert!(e.to_string().contains("/data/genqueue.db"));
        assert!(e.to_string().contains("free some space"));
        assert_eq!(e.code(), crate::error_code::ErrorCode::StoreDiskFull);
        let e = StoreError::from_sqlite(p, sqlite_err(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(e, StoreError::Locked { .. }));
        let e = StoreError::from_sqlite(p, sqlite_err(rusqlite::ffi::SQLITE_READONLY));
        assert!(matches!(e, StoreError::ReadOnly { .. }));
        let e = StoreError::from_sqlite(p, sqlite_err(rusqlite::ffi::SQLITE_NOTADB));
        assert!(matches!(e, StoreError::Corrupt { .. }));
        let e = StoreError::from(sqlite_err(rusqlite::ffi::SQLITE_CORRUPT)).at(p);
        assert!(matches!(e, StoreError::Corrupt { .. }));
    }
}

/// Whether an existing database file cannot be opened for writing (a
/// read-only mount, or no write permission on it).
fn not_writable(path: &Path) -> bool {
    path.exists()
        && std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .is_err_and(|e| {
                matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                )
            })
}
