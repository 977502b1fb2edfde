//! Opening, migrating, pragmas, settings, and the typed errors about the file.

use std::path::Path;
use std::time::Duration as StdDuration;

use super::{file_store, new_gen, t0};
use crate::store::{SCHEMA_VERSION, Store, StoreError};

fn pragma(store: &Store, name: &str) -> String {
    store
        .with_conn(|c| {
            Ok(c.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))?)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap()
}

#[test]
fn fresh_file_is_created_with_its_folders_and_migrated() {
    let (dir, store) = file_store();
    let path = dir.path().join("data").join("genqueue.db");
    assert!(path.is_file());
    assert_eq!(store.path(), Some(path.as_path()));
    assert_eq!(pragma(&store, "user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(pragma(&store, "journal_mode"), "wal");
    assert_eq!(pragma(&store, "foreign_keys"), "1");
    assert_eq!(pragma(&store, "synchronous"), "1"); // NORMAL
    assert_eq!(pragma(&store, "busy_timeout"), "5000");
    let tables: Vec<String> = store
        .with_conn(|c| {
            let mut s =
                c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let names = s.query_map([], |r| r.get(0))?;
            Ok(names.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(
        tables,
        [
            "counters",
            "generations",
            "generations_fts",
            "generations_fts_config",
            "generations_fts_data",
            "generations_fts_docsize",
            "generations_fts_idx",
            "given_up_predictions",
            "input_uploads",
            "member_counters",
            "settings",
            "spend",
            "tokens"
        ]
    );
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_again() {
    let (dir, store) = file_store();
    let g = store.insert_generation(&new_gen("a fox"), t0()).unwrap();
    store.set_setting("paused", "true").unwrap();
    drop(store);
    let path = dir.path().join("data").join("genqueue.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.get_generation(g.id).unwrap(), Some(g));
    assert_eq!(store.setting("paused").unwrap().as_deref(), Some("true"));
    assert_eq!(store.counters().unwrap().pending, 1);
    assert_eq!(pragma(&store, "user_version"), SCHEMA_VERSION.to_string());
}

#[test]
fn failures_written_as_english_sentences_become_codes_and_the_causes_words() {
    use crate::model::ErrorKind;
    // (kind, sentence as versions before schema 5 stored it) → (kind, error) after.
    let rows = [
        (
            "model_failed",
            "The model failed: CUDA out of memory",
            "model_failed",
            Some("CUDA out of memory"),
        ),
        (
            "model_failed",
            "The model failed: the model failed without saying why",
            "model_failed",
            None,
        ),
        (
            "input_rejected",
            "Replicate rejected the input: num_outputs: must be <= 4",
            "input_rejected",
            Some("num_outputs: must be <= 4"),
        ),
        (
            "download_failed",
            "The prediction succeeded, but saving its outputs failed: No space left on device",
            "download_failed",
            Some("No space left on device"),
        ),
        (
            "aborted",
            "Replicate aborted the prediction before it started (its deadline passed)",
            "aborted",
            None,
        ),
        (
            "outputs_expired",
            "This prediction can no longer be found on Replicate (expired on Replicate)",
            "outputs_expired",
            None,
        ),
        (
            "retries_exhausted",
            "Gave up after 3 attempts; the last one failed: time-out",
            "other",
            Some("Gave up after 3 attempts; the last one failed: time-out"),
        ),
        (
            "other",
            "Replicate has no model a/b (404)",
            "other",
            Some("Replicate has no model a/b (404)"),
        ),
        (
            "model_failed",
            "An unexpected wording",
            "other",
            Some("An unexpected wording"),
        ),
    ];
    // A database as schema 4 wrote it, with those rows.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    rusqlite_migration::Migrations::from_slice(&crate::store::MIGRATION_LIST[..4])
        .to_latest(&mut conn)
        .unwrap();
    let mut ids = Vec::new();
    for (i, (kind, sentence, _, _)) in rows.iter().enumerate() {
        let id = crate::model::GenerationId::new();
        conn.execute(
            "INSERT INTO generations (id, model_name, model, prompt, settings, input, status, \
             error, error_kind, created_at, updated_at) VALUES (?1, 'a/b', \
             '{\"owner\":\"a\",\"name\":\"b\",\"version\":null}', 'x', '{}', '{\"prompt\":\"x\"}', \
             'failed', ?2, ?3, ?4, ?4)",
            rusqlite::params![
                id.to_string(),
                sentence,
                kind,
                format!("2026-01-01T00:00:0{i}.000Z")
            ],
        )
        .unwrap();
        ids.push(id);
    }
    drop(conn);
    let store = Store::open(&path).unwrap();
    for (id, (_, sentence, kind, error)) in ids.into_iter().zip(rows) {
        let g = store.get_generation(id).unwrap().unwrap();
        assert_eq!(g.error_kind, Some(ErrorKind::parse(kind)), "{sentence}");
        assert_eq!(g.error.as_deref(), error, "{sentence}");
        // What `genq` says is what it said before.
        let english = g.failure_english().unwrap();
        if kind != "aborted" && kind != "outputs_expired" && error.is_some() {
            assert_eq!(english, sentence);
        }
    }
}

#[test]
fn in_memory_store_has_no_path() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.path(), None);
    store.insert_generation(&new_gen("x"), t0()).unwrap();
    assert_eq!(store.counters().unwrap().active, 1);
}

#[test]
fn settings_are_set_replaced_and_removed() {
    let (_dir, store) = file_store();
    assert_eq!(store.setting("paused").unwrap(), None);
    store.set_setting("paused", "true").unwrap();
    store.set_setting("paused", "false").unwrap();
    assert_eq!(store.setting("paused").unwrap().as_deref(), Some("false"));
    assert!(store.remove_setting("paused").unwrap());
    assert!(!store.remove_setting("paused").unwrap());
    assert_eq!(store.setting("paused").unwrap(), None);
}

#[test]
fn schema_from_a_newer_version_is_refused_with_advice() {
    let (dir, store) = file_store();
    store
        .with_conn(|c| Ok(c.pragma_update(None, "user_version", 99)?))
        .unwrap();
    drop(store);
    let path = dir.path().join("data").join("genqueue.db");
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 99,
                supported: SCHEMA_VERSION,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("newer version of Genqueue"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_eq!(err.code(), "store_too_new");
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    std::fs::write(
        &path,
        "these are my holiday notes, not a database\n".repeat(200),
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not a database"), "{text}");
    assert!(text.contains("move it aside"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
}

#[test]
fn a_folder_that_cannot_be_created_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let err = Store::open(&blocker.join("sub").join("genqueue.db")).unwrap_err();
    assert!(matches!(err, StoreError::CannotOpen { .. }), "{err:?}");
    assert!(
        err.to_string().contains("cannot create the folder"),
        "{err}"
    );
}

/// Makes `path` unwritable: chmod 0444, and when that does not stop us (root),
/// the immutable attribute. `None` if neither works here.
fn make_read_only(path: &Path) -> Option<ReadOnlyGuard> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).ok()?;
    if std::fs::OpenOptions::new().append(true).open(path).is_err() {
        return Some(ReadOnlyGuard {
            path: path.to_path_buf(),
            immutable: false,
        });
    }
    let ok = std::process::Command::new("chattr")
        .arg("+i")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| ReadOnlyGuard {
        path: path.to_path_buf(),
        immutable: true,
    })
}

/// Restores the file so that the temporary folder can be removed.
struct ReadOnlyGuard {
    path: std::path::PathBuf,
    immutable: bool,
}

impl Drop for ReadOnlyGuard {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.path)
                .status();
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o644));
    }
}

#[test]
fn a_read_only_file_is_reported_as_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    // A database in the rollback journal mode that was never migrated: opening
    // must write (WAL switch, migrations) and cannot.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 0;")
        .unwrap();
    let Some(_guard) = make_read_only(&path) else {
        eprintln!("skipped: cannot make a file read-only here");
        return;
    };
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("read-only"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_eq!(err.code(), "store_read_only");
}

#[test]
fn a_database_locked_by_another_program_is_reported_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE t (x);")
        .unwrap();
    let err = Store::open_with_timeout(&path, StdDuration::from_millis(100)).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("locked by another program"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    drop(other);
    Store::open(&path).unwrap();
}

#[test]
fn a_write_blocked_by_another_writer_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genqueue.db");
    let store = Store::open_with_timeout(&path, StdDuration::from_millis(100)).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("BEGIN EXCLUSIVE; DELETE FROM settings;")
        .unwrap();
    let err = store.insert_generation(&new_gen("x"), t0()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    // Readers are not blocked in WAL mode.
    assert_eq!(store.counters().unwrap().pending, 0);
    other.execute_batch("COMMIT").unwrap();
    store.insert_generation(&new_gen("x"), t0()).unwrap();
}

#[test]
fn a_full_disk_is_reported_as_disk_full() {
    let (_dir, store) = file_store();
    // SQLite answers SQLITE_FULL when the file reaches max_page_count, as on a full disk.
    store
        .with_conn(|c| {
            let pages: i64 = c.pragma_query_value(None, "page_count", |r| r.get(0))?;
            c.pragma_update(None, "max_page_count", pages + 2)?;
            Ok(())
        })
        .unwrap();
    let mut big = new_gen("big");
    big.input["padding"] = serde_json::Value::String("x".repeat(200_000));
    let err = store.insert_generation(&big, t0()).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err:?}");
    assert!(err.to_string().contains("is full"), "{err}");
    // The failed transaction left nothing behind.
    assert_eq!(store.counters().unwrap().pending, 0);
}
