//! Bad input: odd prompts, unknown models, inputs that break the schema,
//! badly pasted tokens, a database that is read-only, locked by another
//! process or corrupt, a full disk during a download, a keyring missing or
//! locked, and a server answering garbage, an empty body, a 10 GB
//! `Content-Length` or a redirect loop. Each gives a clear error, the app
//! keeps running, and nothing stored is lost or half-written.

use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::TokenId;
use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::{CreatePrediction, ReplicateClient};
use genqueue_core::secrets::{MemorySecretStore, Secret, SecretError, SecretStore};
use genqueue_core::store::Store;
use genqueue_tests::proxy::{Options, Proxy};
use genqueue_tests::{World, assert_human, check_outputs, flux, genq_bin};
use replicate_sim::{AccountConfig, Sim, SimConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LONG: Duration = Duration::from_secs(60);

// ---- prompts, models, inputs ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_and_whitespace_prompts_are_refused_and_nothing_is_queued() {
    let w = World::new(1, SimConfig::fast()).await;
    for p in ["", "   ", "\n\t \r\n"] {
        let e = w.queue.submit(flux(p, json!({}))).unwrap_err();
        assert_eq!(e.code(), "empty_prompt");
        assert_human("empty prompt", &e.to_string(), &w.tokens);
    }
    // A batch with one empty prompt queues none of it.
    let e = w
        .queue
        .submit_batch(vec![flux("fine", json!({})), flux(" ", json!({}))])
        .unwrap_err();
    assert_eq!(e.code(), "empty_prompt");
    assert_eq!(w.queue.counters().unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_prompts_are_stored_and_sent_exactly() {
    let mut w = World::new(2, SimConfig::fast()).await;
    w.start();
    let big: String = "a lighthouse at dusk, ".repeat(1024 * 1024 / 22 + 1);
    let prompts = [
        big,
        "🐈‍⬛ a cat 🇫🇷 in Paris, 猫".to_owned(),
        "قطة على السطح عند الغروب".to_owned(),
        "line one\nline two\r\nline three\n".to_owned(),
        "before\0after".to_owned(),
        "  leading and trailing spaces  ".to_owned(),
    ];
    let ids: Vec<_> = prompts.iter().map(|p| w.submit(p, json!({})).id).collect();
    let rows = w.wait_terminal(&ids, LONG).await;
    let stats = w.sim.stats();
    for (g, p) in rows.iter().zip(&prompts) {
        assert_eq!(&g.prompt, p, "stored exactly");
        assert_eq!(g.input["prompt"].as_str(), Some(p.as_str()));
        match g.status {
            GenerationStatus::Completed => {
                assert_eq!(
                    stats.for_input(&g.input).created,
                    1,
                    "sent exactly: {:.40}",
                    p
                )
            }
            // Refused clearly is allowed too (e.g. a server limit).
            _ => assert_human("odd prompt", g.error.as_deref().unwrap_or(""), &w.tokens),
        }
    }
    assert!(check_outputs(w.dir.path(), &rows).is_empty());
    let summaries = w
        .queue
        .list(&genqueue_core::store::ListQuery::default())
        .unwrap();
    assert!(
        summaries
            .iter()
            .all(|s| s.prompt_excerpt.chars().count() <= 200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_model_and_inputs_that_break_the_schema_fail_with_a_clear_reason() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    let mut unknown = flux("who", json!({}));
    unknown.model = "nobody/no-such-model".parse().unwrap();
    let unknown = w.queue.submit(unknown).unwrap();
    let bad = [
        json!({ "num_outputs": "four" }),
        json!({ "aspect_ratio": "7:3" }),
        json!({ "num_inference_steps": -1 }),
        json!({ "output_format": ["png"] }),
    ];
    let mut ids = vec![unknown.id];
    ids.extend(bad.iter().map(|b| w.submit("schema", b.clone()).id));
    let rows = w.wait_terminal(&ids, LONG).await;
    let e = rows[0].error.as_deref().unwrap();
    assert_eq!(rows[0].status, GenerationStatus::Failed);
    assert!(e.contains("nobody/no-such-model"), "{e}");
    assert_human("unknown model", e, &w.tokens);
    for (g, b) in rows[1..].iter().zip(&bad) {
        assert_eq!(g.status, GenerationStatus::Failed, "{b}");
        assert_eq!(
            g.error_kind,
            Some(ErrorKind::InputRejected),
            "{b}: {:?}",
            g.error
        );
        let field = b.as_object().unwrap().keys().next().unwrap();
        let e = g.error.as_deref().unwrap();
        assert!(e.contains(field.as_str()), "{b}: {e}");
        assert_human("schema", e, &w.tokens);
    }
    assert_eq!(w.sim.stats().creates_total, 0, "nothing was billed");
    // The queue still runs.
    let g = w.submit("fine", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Completed);
}

// ---- tokens -------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasted_tokens_are_trimmed_malformed_ones_refused_and_duplicates_caught() {
    let tokens: Vec<String> = (0..2).map(|_| genqueue_tests::unmasked_token()).collect();
    let mut config = SimConfig::fast();
    for (i, t) in tokens.iter().enumerate() {
        config = config.account(AccountConfig::new(t, format!("user{i}")));
    }
    let sim = Sim::start(config).await.unwrap();
    let base = sim.base_url();
    let w = World::from_sim(
        sim,
        vec![],
        &base,
        Duration::from_secs(3),
        Arc::new(MemorySecretStore::new()),
    )
    .await;
    let (t, account) = w
        .queue
        .add_token("pasted", &format!("  {}\n", tokens[0]))
        .await
        .expect("trimmed and accepted");
    assert_eq!(account.username, "user0");
    assert_eq!(t.fingerprint, &tokens[0][tokens[0].len() - 4..]);
    assert_eq!(w.queue.secret(t.id).await.unwrap().expose(), tokens[0]);
    let (t2, _) = w
        .queue
        .add_token("windows paste", &format!("\r\n\t{}\r\n", tokens[1]))
        .await
        .unwrap();
    for (raw, why) in [
        (
            format!("{} {}", &tokens[0][..10], &tokens[0][10..]),
            "space",
        ),
        (format!("{}é", tokens[0]), "non-ASCII"),
        (
            "r8_short".chars().take(5).collect::<String>(),
            "characters long",
        ),
        (String::new(), "empty"),
        (format!("{}\n{}", tokens[0], tokens[1]), "control character"),
        (format!("Bearer {}", tokens[0]), "space"),
    ] {
        let e = w.queue.add_token("bad", &raw).await.unwrap_err();
        assert_eq!(e.code(), "secret_malformed", "{why}: {e}");
        assert!(e.to_string().contains(why), "{why}: {e}");
        assert_human("malformed token", &e.to_string(), &tokens);
    }
    for raw in [tokens[0].clone(), format!(" {} ", tokens[1])] {
        let e = w.queue.add_token("again", &raw).await.unwrap_err();
        assert_eq!(e.code(), "duplicate_token", "{e}");
        assert_human("duplicate", &e.to_string(), &tokens);
    }
    let ids: Vec<TokenId> = w.queue.tokens().unwrap().iter().map(|t| t.id).collect();
    assert_eq!(
        ids,
        vec![t.id, t2.id],
        "only the two good tokens are stored"
    );
}

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
    assert_eq!(e.code(), "store_locked");
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
    fill(0);
    let e = queue
        .submit(flux("no room at all", json!({ "output_format": "png" })))
        .expect_err("a full disk refuses new work");
    eprintln!("full disk, no room for the store: {e}");
    assert!(e.to_string().contains("full"), "{e}");
    assert_human("disk full", &e.to_string(), &tokens);
    assert!(check_outputs(&at, &genqueue_tests::all_generations(&queue)).is_empty());
    std::fs::remove_file(&filler).unwrap();
    // Room for the store and one image, not two: the download fails.
    fill(one + one / 2);
    let big = queue
        .submit(flux(
            "does not fit",
            json!({ "output_format": "png", "num_outputs": 2 }),
        ))
        .unwrap();
    let g = wait_status(&queue, big.id, |s| s.is_terminal()).await;
    eprintln!("full disk: {} {:?} {:?}", g.status, g.error, g.output_files);
    assert_eq!(g.status, GenerationStatus::Failed, "{g:?}");
    assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
    let e = g.error.as_deref().unwrap();
    assert!(e.contains("space"), "{e}");
    assert_human("disk full", e, &tokens);
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

// ---- the keyring ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keyring_is_a_clear_error_and_stores_no_token() {
    let sim = Sim::start(
        SimConfig::fast().account(AccountConfig::new(genqueue_tests::fake_token(), "user0")),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(genq_bin())
        .args(["tokens", "add", "--label", "nokeyring"])
        .env("GENQUEUE_DATA_DIR", dir.path())
        .env("REPLICATE_API_BASE", sim.base_url())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/genqueue-bus",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The sim accepts no such token, so use one it knows.
    let token = genqueue_tests::fake_token();
    sim.add_account(AccountConfig::new(&token, "user1"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("missing keyring: {err}");
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.starts_with("genq: error: ") && err.lines().count() == 1,
        "{err}"
    );
    assert!(err.contains("keyring"), "{err}");
    assert!(!err.contains(&token));
    let out = std::process::Command::new(genq_bin())
        .args(["tokens", "list", "--json"])
        .env("GENQUEUE_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "[]",
        "no row without its secret"
    );
}

/// A keyring that is locked until `unlock` is called.
struct LockedKeyring {
    inner: MemorySecretStore,
    locked: std::sync::atomic::AtomicBool,
}

impl SecretStore for LockedKeyring {
    fn set(&self, id: TokenId, s: &Secret) -> Result<(), SecretError> {
        self.inner.set(id, s)
    }
    fn get(&self, id: TokenId) -> Result<Secret, SecretError> {
        if self.locked.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(SecretError::Locked(
                "org.freedesktop.Secret.Error.IsLocked".into(),
            ));
        }
        self.inner.get(id)
    }
    fn delete(&self, id: TokenId) -> Result<(), SecretError> {
        self.inner.delete(id)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_makes_work_wait_with_a_reason_and_resume_when_unlocked() {
    let token = genqueue_tests::fake_token();
    let sim = Sim::start(SimConfig::fast().account(AccountConfig::new(&token, "user0")))
        .await
        .unwrap();
    let keyring = Arc::new(LockedKeyring {
        inner: MemorySecretStore::new(),
        locked: false.into(),
    });
    let base = sim.base_url();
    let mut w = World::from_sim(
        sim,
        vec![token.clone()],
        &base,
        Duration::from_secs(3),
        keyring.clone(),
    )
    .await;
    // A fresh process: nothing cached, the keyring locked.
    let queue = Queue::from_parts(
        w.dir.path().to_owned(),
        Store::open(&w.dir.path().join("genqueue.db")).unwrap(),
        ReplicateClient::new(&base).unwrap(),
        keyring.clone(),
    );
    keyring
        .locked
        .store(true, std::sync::atomic::Ordering::SeqCst);
    w.queue = queue;
    w.config.retry_cap = Duration::from_millis(300);
    w.start();
    let g = w.submit("locked", json!({}));
    let g = w.wait_for(g.id, LONG, |g| g.wait_reason.is_some()).await;
    let why = g.wait_reason.as_deref().unwrap();
    eprintln!("locked keyring: {why}");
    assert!(why.contains("keyring") && why.contains("locked"), "{why}");
    assert_human("locked keyring", why, &[token.clone()]);
    let t = w.queue.tokens().unwrap().remove(0);
    assert!(t.active, "a locked keyring does not disable the token");
    keyring
        .locked
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
}

// ---- a broken server ------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Broken {
    /// Bytes that are not HTTP at all.
    NotHttp,
    /// A 200 whose body is not JSON (nor an image).
    GarbageBody,
    /// A 200 with an empty body.
    EmptyBody,
    /// A 200 announcing 10 GB, sending a little, then holding.
    TenGigabytes,
    /// A 302 to itself, for ever.
    RedirectLoop,
}

/// A raw TCP server answering every request the `Broken` way.
async fn broken_server(mode: Broken) -> String {
    let listener = tokio::net::TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let answer: Vec<u8> = match mode {
                    Broken::NotHttp => b"\x00\xff\xfe garbage \x07\x1b[2J not http\r\n\r\n".to_vec(),
                    Broken::GarbageBody => {
                        let body = b"\x89\x00<html>{{{ not json \xff\xfe";
                        let mut a = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        a.extend_from_slice(body);
                        a
                    }
                    Broken::EmptyBody => {
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n".to_vec()
                    }
                    Broken::TenGigabytes => {
                        let _ = sock
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{\"id\": \"")
                            .await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    Broken::RedirectLoop => b"HTTP/1.1 302 Found\r\nLocation: /v1/loop\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                let _ = sock.write_all(&answer).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_garbage_gives_clear_errors_fast_and_stores_nothing() {
    let token = genqueue_tests::fake_token();
    for mode in [
        Broken::NotHttp,
        Broken::GarbageBody,
        Broken::EmptyBody,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
    ] {
        let origin = broken_server(mode).await;
        let client = ReplicateClient::new(&format!("{origin}/v1"))
            .unwrap()
            .with_timeout(Duration::from_secs(3));
        let secret = Secret::parse(&token).unwrap();
        let t0 = Instant::now();
        let account = client.account(&secret).await.unwrap_err();
        let create = client
            .create_prediction(
                &secret,
                &CreatePrediction {
                    model: "black-forest-labs/flux-schnell".parse().unwrap(),
                    input: json!({"prompt": "x"}),
                    wait: None,
                    cancel_after: None,
                },
            )
            .await
            .unwrap_err();
        let get = client.get_prediction(&secret, "abc").await.unwrap_err();
        let list = client.list_predictions(&secret, None).await.unwrap_err();
        let took = t0.elapsed();
        eprintln!(
            "{mode:?} ({took:?}): account: {account} | create: {create} [{}] | get: {get} | list: {list}",
            create.code()
        );
        assert!(took < Duration::from_secs(15), "{mode:?} took {took:?}");
        for e in [&account, &create, &get, &list] {
            assert_human(&format!("{mode:?}"), &e.to_string(), &[token.clone()]);
        }
        // Adding a token against it: refused, nothing stored.
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(
            dir.path(),
            &format!("{origin}/v1"),
            Arc::new(MemorySecretStore::new()),
        )
        .unwrap();
        let e = queue.add_token("t", &token).await.unwrap_err();
        assert_human("add_token", &e.to_string(), &[token.clone()]);
        assert!(
            queue.tokens().unwrap().is_empty(),
            "{mode:?}: no token stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_on_a_garbage_server_waits_or_fails_clearly_and_the_engine_lives() {
    let token = genqueue_tests::fake_token();
    for mode in [
        Broken::NotHttp,
        Broken::EmptyBody,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
    ] {
        let origin = broken_server(mode).await;
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemorySecretStore::new());
        let queue = Queue::from_parts(
            dir.path().to_owned(),
            Store::open(&dir.path().join("genqueue.db")).unwrap(),
            ReplicateClient::new(&format!("{origin}/v1"))
                .unwrap()
                .with_timeout(Duration::from_secs(2)),
            secrets.clone(),
        );
        let t = queue
            .store()
            .insert_token("t", &token[token.len() - 4..], chrono::Utc::now())
            .unwrap();
        secrets.set(t.id, &Secret::parse(&token).unwrap()).unwrap();
        let engine = genqueue_core::engine::Engine::start(
            queue.clone(),
            genqueue_tests::test_engine_config(),
        )
        .unwrap();
        let g = queue.submit(flux("garbage", json!({}))).unwrap();
        let t0 = Instant::now();
        let g = loop {
            let g = queue.get(g.id).unwrap();
            if g.status.is_terminal()
                || (g.wait_reason.is_some() && t0.elapsed() > Duration::from_secs(2))
            {
                break g;
            }
            assert!(t0.elapsed() < LONG, "{mode:?}: {g:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let why = g.error.clone().or(g.wait_reason.clone()).unwrap();
        eprintln!("{mode:?}: {} — {why}", g.status);
        assert_human(&format!("{mode:?}"), &why, &[token.clone()]);
        assert_ne!(g.status, GenerationStatus::Completed);
        // The engine still answers: a cancel goes through.
        if g.status.is_active() {
            let c = tokio::time::timeout(Duration::from_secs(20), queue.cancel(g.id)).await;
            let c = c.expect("cancel answers").expect("cancel works");
            assert_eq!(c.status, GenerationStatus::Cancelled);
        }
        tokio::time::timeout(Duration::from_secs(10), engine.shutdown())
            .await
            .expect("the engine stops");
    }
}

/// Output downloads from a broken file host (the API is the real sim; the
/// file URLs point at the broken server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_from_a_broken_host_fail_clearly_and_save_nothing_half() {
    for mode in [
        Broken::NotHttp,
        Broken::TenGigabytes,
        Broken::RedirectLoop,
        Broken::GarbageBody,
    ] {
        let broken = broken_server(mode).await;
        let token = genqueue_tests::fake_token();
        let sim = Sim::start(
            SimConfig {
                inline_outputs_in_wait: false,
                ..SimConfig::fast()
            }
            .account(AccountConfig::new(&token, "user0")),
        )
        .await
        .unwrap();
        let proxy = Proxy::start(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            &format!("http://{}", sim.addr()),
            Options {
                files_origin: Some(Arc::new(move |_| Some(broken.clone()))),
                ..Options::default()
            },
            Default::default(),
        )
        .await;
        let api = format!("{}/v1", proxy.origin());
        let mut w = World::from_sim(
            sim,
            vec![token.clone()],
            &api,
            Duration::from_secs(2),
            Arc::new(MemorySecretStore::new()),
        )
        .await;
        w.start();
        let g = w.submit("broken host", json!({}));
        let g = &w.wait_terminal(&[g.id], LONG).await[0];
        eprintln!(
            "download from {mode:?}: {} {:?} {:?}",
            g.status, g.error_kind, g.error
        );
        match mode {
            // Any bytes may be an output (a model may return text).
            Broken::GarbageBody => assert_eq!(g.status, GenerationStatus::Completed),
            _ => {
                assert_eq!(g.status, GenerationStatus::Failed);
                assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
                assert_human(
                    &format!("{mode:?}"),
                    g.error.as_deref().unwrap(),
                    &[token.clone()],
                );
            }
        }
        let leftovers: Vec<_> = genqueue_tests::files_under(&w.dir.path().join("outputs"))
            .into_iter()
            .filter(|f| f.to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // The engine lives: it can still be stopped cleanly.
        w.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn an_empty_output_download_is_not_a_completed_generation() {
    let broken = broken_server(Broken::EmptyBody).await;
    let token = genqueue_tests::fake_token();
    let sim = Sim::start(
        SimConfig {
            inline_outputs_in_wait: false,
            ..SimConfig::fast()
        }
        .account(AccountConfig::new(&token, "user0")),
    )
    .await
    .unwrap();
    let proxy = Proxy::start(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        &format!("http://{}", sim.addr()),
        Options {
            files_origin: Some(Arc::new(move |_| Some(broken.clone()))),
            ..Options::default()
        },
        Default::default(),
    )
    .await;
    let api = format!("{}/v1", proxy.origin());
    let mut w = World::from_sim(
        sim,
        vec![token],
        &api,
        Duration::from_secs(2),
        Arc::new(MemorySecretStore::new()),
    )
    .await;
    w.start();
    let g = w.submit("empty file", json!({}));
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed, "{g:?}");
    assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed));
}
