//! A database that is locked by another process, corrupt or read-only, and a
//! disk that fills up during a download. Each gives a clear error, nothing
//! stored is lost or half-written, and the work goes on once the cause is gone.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::Store;
use genqueue_tests::{World, assert_human, check_outputs, flux, genq_bin};
use replicate_sim::{AccountConfig, Endpoint, FaultKind, FaultRule, Sim, SimConfig, Trigger};
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

// ---- the database ---------------------------------------------------------------

/// Holds an exclusive lock on the database named by `GENQUEUE_HOLD_LOCK`
/// until killed (run as a child process by the test below).
#[test]
#[ignore = "helper process for a_database_locked_by_another_process_gives_a_clear_error_then_works"]
fn hold_database_lock() {
    let Ok(path) = std::env::var("GENQUEUE_HOLD_LOCK") else {
        return;
    };
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("BEGIN EXCLUSIVE; UPDATE settings SET value = value;")
        .unwrap();
    println!("locked");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(120));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_by_another_process_gives_a_clear_error_then_works() {
    if genqueue_testkit::sqlite_only("another process holding the SQLite file's lock") {
        return;
    }
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let before = w.submit("before the lock", json!({}));
    w.wait_terminal(&[before.id], LONG).await;
    let db = w.dir.path().join("genqueue.db");
    let mut holder = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "hold_database_lock", "--nocapture"])
        .env("GENQUEUE_HOLD_LOCK", &db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(holder.stdout.take().unwrap());
    while !line.contains("locked") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the helper locks");
    }
    let t0 = Instant::now();
    let e = w.queue.submit(flux("while locked", json!({}))).unwrap_err();
    eprintln!("locked database: {e} (after {:?})", t0.elapsed());
    assert_eq!(e.code(), genqueue_core::error_code::ErrorCode::StoreLocked);
    assert!(
        e.to_string().to_lowercase().contains("lock") || e.to_string().contains("busy"),
        "{e}"
    );
    assert_human("locked", &e.to_string(), &w.tokens);
    // The CLI says so in one line too.
    let out = std::process::Command::new(genq_bin())
        .args(["submit", "-m", "black-forest-labs/flux-schnell", "-p", "x"])
        .env("GENQUEUE_DATA_DIR", w.dir.path())
        .env("REPLICATE_API_BASE", w.sim.base_url())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        err.starts_with("genq: error: ") && err.lines().count() == 1,
        "{err}"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    // Released: the same queue and engine go on; nothing was lost.
    let after = w.submit("after the lock", json!({}));
    let rows = w.wait_terminal(&[before.id, after.id], LONG).await;
    assert!(
        rows.iter().all(|g| g.status == GenerationStatus::Completed),
        "{rows:?}"
    );
    assert!(check_outputs(w.dir.path(), &rows).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_is_refused_clearly_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all.
    let db = dir.path().join("genqueue.db");
    std::fs::write(&db, b"this is a shopping list, not SQLite\n".repeat(200)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let e = Store::open(&db).unwrap_err();
    eprintln!("foreign file: {e}");
    assert!(e.to_string().contains("genqueue.db"), "{e}");
    assert_human("corrupt", &e.to_string(), &[]);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the file is left as it was"
    );
    let out = std::process::Command::new(genq_bin())
        .args(["ls"])
        .env("GENQUEUE_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("genq: error: ") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "genq left it too");

    // A real store whose pages are damaged in the middle.
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = dir2.path().join("genqueue.db");
    {
        let store = Store::open(&db2).unwrap();
        let q = Queue::from_parts(
            dir2.path().to_owned(),
            store,
            ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
            Arc::new(MemorySecretStore::new()),
        );
        for i in 0..300 {
            q.submit(flux(&format!("row {i} {}", "x".repeat(200)), json!({})))
                .unwrap();
        }
    }
    // Checkpoint the WAL into the file, then damage it.
    {
        let c = rusqlite::Connection::open(&db2).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = std::fs::read(&db2).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&db2, &bytes).unwrap();
    let result = Store::open(&db2).and_then(|s| {
        s.list_generations(&genqueue_core::store::ListQuery {
            limit: 1000,
            ..Default::default()
        })
        .map(|l| l.len())
    });
    match result {
        Ok(n) => eprintln!("damaged pages: still read {n} rows"),
        Err(e) => {
            eprintln!("damaged pages: {e}");
            assert_human("damaged", &e.to_string(), &[]);
        }
    }
    assert_eq!(
        std::fs::read(&db2).unwrap(),
        bytes,
        "a damaged file is not rewritten"
    );
}

/// Mounts a tmpfs of `size` at `at` (root only); false if it cannot.
fn mount_tmpfs(at: &Path, size: &str) -> bool {
    std::fs::create_dir_all(at).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipped: cannot mount a tmpfs at {} (needs root)",
            at.display()
        );
    }
    ok
}

struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_refused_clearly_and_keeps_its_rows() {
    a_read_only_database_is_refused_clearly_and_keeps_its_rows_inner().await;
}

async fn a_read_only_database_is_refused_clearly_and_keeps_its_rows_inner() {
    let outer = tempfile::tempdir().unwrap();
    let at = outer.path().join("ro");
    if !mount_tmpfs(&at, "20m") {
        return;
    }
    let _m = Mounted(at.clone());
    {
        let queue = Queue::from_parts(
            at.clone(),
            Store::open(&at.join("genqueue.db")).unwrap(),
            ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
            Arc::new(MemorySecretStore::new()),
        );
        for i in 0..20 {
            queue.submit(flux(&format!("kept {i}"), json!({}))).unwrap();
        }
    }
    let remount = |mode: &str| {
        let ok = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&at)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {mode}");
    };
    remount("ro");
    let opened = Store::open(&at.join("genqueue.db"));
    let write_error = match &opened {
        Err(e) => e.to_string(),
        Ok(store) => {
            let q = Queue::from_parts(
                at.clone(),
                store.clone(),
                ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
                Arc::new(MemorySecretStore::new()),
            );
            q.submit(flux("while read-only", json!({})))
                .unwrap_err()
                .to_string()
        }
    };
    eprintln!("read-only database: {write_error}");
    assert_human("read-only", &write_error, &[]);
    assert!(
        write_error.contains("read-only"),
        "the read-only cause is named: {write_error}"
    );
    drop(opened);
    let out = std::process::Command::new(genq_bin())
        .args(["submit", "-m", "black-forest-labs/flux-schnell", "-p", "x"])
        .env("GENQUEUE_DATA_DIR", &at)
        .env("REPLICATE_API_BASE", "http://127.0.0.1:9/v1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("genq on a read-only folder: {err}");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        err.starts_with("genq: error: ") && err.lines().count() == 1,
        "{err}"
    );
    remount("rw");
    let store = Store::open(&at.join("genqueue.db")).unwrap();
    assert_eq!(
        store.counters().unwrap().pending,
        20,
        "every row is still there"
    );
}

async fn wait_status(
    queue: &Queue,
    id: genqueue_core::GenerationId,
    ok: impl Fn(GenerationStatus) -> bool,
) -> genqueue_core::Generation {
    let t0 = Instant::now();
    loop {
        let g = queue.get(id).unwrap();
        if ok(g.status) {
            return g;
        }
        assert!(t0.elapsed() < LONG, "{g:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_a_download_fails_clearly_and_leaves_no_half_file() {
    genqueue_tests::faults::log_if_asked();
    let outer = tempfile::tempdir().unwrap();
    let at = outer.path().join("small");
    if !mount_tmpfs(&at, "3m") {
        return;
    }
    let _m = Mounted(at.clone());
    let tokens = vec![genqueue_tests::fake_token()];
    let config = SimConfig {
        inline_outputs_in_wait: false,
        image_scale: 1.0,
        ..SimConfig::fast()
    }
    .account(AccountConfig::new(&tokens[0], "user0"));
    let sim = Sim::start(config).await.unwrap();
    let store = Store::open(&at.join("genqueue.db")).unwrap();
    let queue = Queue::from_parts(
        at.clone(),
        store,
        ReplicateClient::new(&sim.base_url()).unwrap(),
        Arc::new(MemorySecretStore::new()),
    );
    queue.add_token("t", &tokens[0]).await.unwrap();
    let engine =
        genqueue_core::engine::Engine::start(queue.clone(), genqueue_tests::test_engine_config())
            .unwrap();
    let first = queue
        .submit(flux("fits", json!({ "output_format": "png" })))
        .unwrap();
    let first = wait_status(&queue, first.id, |s| s.is_terminal()).await;
    let size = check_outputs(&at, std::slice::from_ref(&first));
    assert!(size.is_empty(), "{size:?}");
    let one = std::fs::metadata(at.join(&first.output_files[0]))
        .unwrap()
        .len();
    // A disk so full that not even the store can record a step: the work
    // waits, nothing is half-written, and it goes on once space is back.
    let filler = at.join("filler");
    let fill = |leave: u64| {
        let _ = std::fs::remove_file(&filler);
        let free = fs_free(&at);
        let _ = std::fs::write(&filler, vec![0u8; free.saturating_sub(leave) as usize]);
        eprintln!("disk: {} bytes free (image {one} bytes)", fs_free(&at));
    };
    empty_the_wal(&at.join("genqueue.db"));
    fill(0);
    let e = queue
        .submit(flux("no room at all", json!({ "output_format": "png" })))
        .expect_err("a full disk refuses new work");
    eprintln!("full disk, no room for the store: {e}");
    assert!(e.to_string().contains("full"), "{e}");
    assert_human("disk full", &e.to_string(), &tokens);
    let rows = genqueue_tests::all_generations(&queue);
    assert_eq!(rows.len(), 1, "nothing half-added: {rows:#?}");
    assert!(check_outputs(&at, &rows).is_empty());
    std::fs::remove_file(&filler).unwrap();
    // The disk fills during the download: the second file's request is held
    // (3 s) and meanwhile the disk is filled to half an image. The first file
    // is saved; the second does not fit; the store keeps the room its
    // failure needs (the half image), whatever it wrote before the fill.
    let files_route = "GET /files/{id}/{name}";
    let files_before = sim.stats().requests_to(files_route);
    sim.add_faults([FaultRule::new(
        FaultKind::Slow {
            delay: Duration::from_secs(3),
        },
        Trigger::Nth(2),
    )
    .on(Endpoint::Files)]);
    let big = queue
        .submit(flux(
            "does not fit",
            json!({ "output_format": "png", "num_outputs": 2, "seed": 5 }),
        ))
        .unwrap();
    let t0 = Instant::now();
    while sim.stats().requests_to(files_route) < files_before + 2 {
        assert!(t0.elapsed() < LONG, "the second file was never asked for");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    fill(one / 2);
    let g = wait_status(&queue, big.id, |s| s.is_terminal()).await;
    eprintln!("full disk: {} {:?} {:?}", g.status, g.error, g.output_files);
    assert_eq!(g.status, GenerationStatus::Failed, "{g:?}");
    assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
    let e = g.failure_english().unwrap();
    assert!(e.contains("space"), "{e}");
    assert_human("disk full", &e, &tokens);
    let rows = genqueue_tests::all_generations(&queue);
    assert!(
        check_outputs(&at, &rows).is_empty(),
        "no half file: {:?}",
        check_outputs(&at, &rows)
    );
    let left: Vec<_> = genqueue_tests::files_under(&queue.output_dir(big.id));
    eprintln!("files left by the failed generation: {left:?}");
    // Space again: the app carries on, the first files are whole.
    std::fs::remove_file(&filler).unwrap();
    let again = queue.retry(big.id).unwrap();
    let again = wait_status(&queue, again.id, |s| s.is_terminal()).await;
    assert_eq!(again.status, GenerationStatus::Completed, "{again:?}");
    assert!(check_outputs(&at, &genqueue_tests::all_generations(&queue)).is_empty());
    engine.shutdown().await;
}

/// Empties the database's WAL file (`PRAGMA wal_checkpoint(TRUNCATE)`).
/// Once a checkpoint has copied the WAL into the database (the store runs
/// one every 0.5 s, `store/checkpoint.rs`), SQLite writes the next
/// transaction over the WAL file's old frames: on a full disk it fits, and
/// is stored rightly. Whether it had happened depended on the timing (a
/// loaded machine: yes, so the submit was accepted). With the WAL empty, the
/// next write needs new space, which a full disk must refuse clearly.
fn empty_the_wal(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(busy, 0, "the WAL was emptied");
    let wal = db.with_extension("db-wal");
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
}

fn fs_free(p: &Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(p)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
