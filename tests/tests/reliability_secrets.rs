//! Secrets: a whole scenario with known fake tokens, then a search for them
//! in the SQLite files (with `-wal` and `-shm`), the debug log, every
//! emitted event, every file of the data folder, the CLI's output and any
//! panic text: zero hits. And the tokens go to no host but the API base:
//! output downloads carry one only after a Replicate host (here: the API
//! base's origin) refused the plain request, never to another host, not
//! even through a redirect.
//!
//! The tokens are not shaped like Replicate's (`r8_…`), so the log
//! redactor cannot hide a leak: a zero proves the code never wrote them.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genqueue_core::events::Event;
use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_tests::proxy::{Options, Proxy};
use genqueue_tests::{
    World, files_under, genq_bin, keyring_tests_enabled, occurrences, unmasked_token,
};
use replicate_sim::{AccountConfig, FaultKind, FaultRule, Sim, SimConfig, Trigger};
use tokio::io::AsyncWriteExt;

/// The strings that must appear nowhere: each token, and long pieces of it
/// (a truncated leak is a leak).
fn needles(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .flat_map(|t| [t.clone(), t[..20].to_owned(), t[t.len() - 20..].to_owned()])
        .collect()
}

fn hits(what: &str, bytes: &[u8], needles: &[String]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| occurrences(bytes, n.as_bytes()) > 0)
        .map(|n| format!("{what} holds {}…", &n[..6]))
        .collect()
}

/// Which way a prediction's files go, from its id (stable, arbitrary).
fn group(prediction_id: &str) -> u32 {
    prediction_id.bytes().map(u32::from).sum::<u32>() % 3
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_tokens_appear_nowhere_and_reach_only_the_api_base() {
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("debug.log");
    let log_file = std::fs::File::create(&log_path).unwrap();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(Mutex::new(log_file))
        .try_init()
        .expect("the only subscriber of this test binary");

    let tokens: Vec<String> = (0..3).map(|_| unmasked_token()).collect();
    let mut config = SimConfig {
        inline_outputs_in_wait: false,
        faults: vec![
            // Error paths too: a token refused mid-run, failures, retries.
            FaultRule::new(
                FaultKind::ServerErrorJson { status: 503 },
                Trigger::EveryNth(7),
            ),
            FaultRule::new(
                FaultKind::FailPrediction {
                    message: "boom".into(),
                },
                Trigger::Nth(3),
            ),
            FaultRule::revoke_after(&tokens[2], 8),
        ],
        ..SimConfig::fast()
    };
    for (i, t) in tokens.iter().enumerate() {
        config = config.account(AccountConfig::new(t, format!("user{i}")));
    }
    let sim = Sim::start(config).await.unwrap();
    let sim_origin = format!("http://{}", sim.addr());
    let log = Arc::new(Mutex::new(Vec::new()));
    // Another host: refuses plain downloads (as a host wanting a token would).
    let foreign = Proxy::start(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        &sim_origin,
        Options {
            refuse_plain_files: true,
            ..Options::default()
        },
        log.clone(),
    )
    .await;
    let f = foreign.origin();
    let (f1, f2) = (f.clone(), f.clone());
    // The API base: refuses plain downloads; group 1's files live on the
    // other host; group 2's redirect there once the token is sent.
    let base = Proxy::start(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        &sim_origin,
        Options {
            refuse_plain_files: true,
            files_origin: Some(Arc::new(move |id| (group(id) == 1).then(|| f1.clone()))),
            redirect_authorized_files_to: Some(Arc::new(move |id| {
                (group(id) == 2).then(|| f2.clone())
            })),
        },
        log.clone(),
    )
    .await;
    let api = format!("{}/v1", base.origin());
    let mut w = World::from_sim(
        sim,
        tokens.clone(),
        &api,
        Duration::from_secs(3),
        genqueue_tests::secret_store(),
    )
    .await;
    w.config.create_wait = None;
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut rx = w.queue.events().subscribe();
    let sink = events.clone();
    let listener = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(ev) => sink
                    .lock()
                    .unwrap()
                    .push(serde_json::to_string(&ev).unwrap() + &format!("\n{ev:?}")),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    panic!("{n} events lost: the search would be incomplete")
                }
                Err(_) => break,
            }
        }
    });
    w.start();
    let ids = w.submit_seeded("secret", 15);
    let rows = w.wait_terminal(&ids, Duration::from_secs(60)).await;
    // Token operations too: a duplicate, a malformed paste holding a token.
    let dup = w.queue.add_token("again", &tokens[0]).await.unwrap_err();
    assert_eq!(dup.code(), "duplicate_token");
    let bad = w
        .queue
        .add_token("bad", &format!("{} {}", tokens[1], tokens[0]))
        .await
        .unwrap_err();
    let errors = format!("{dup}\n{dup:?}\n{bad}\n{bad:?}");
    let _ = w.queue.revalidate_token(w.token_ids[2]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Where each generation's files went decides how it ended.
    for g in &rows {
        let Some(pid) = g.prediction_id.as_deref() else {
            continue;
        };
        if g.error_kind == Some(ErrorKind::ModelFailed)
            || g.failure_english().is_some_and(|e| e.contains("refused"))
        {
            continue;
        }
        match group(pid) {
            0 => assert_eq!(g.status, GenerationStatus::Completed, "{g:?}"),
            _ => {
                assert_eq!(g.status, GenerationStatus::Failed, "{g:?}");
                assert_eq!(g.error_kind, Some(ErrorKind::DownloadFailed), "{g:?}");
            }
        }
    }
    assert!(rows.iter().any(|g| g.status == GenerationStatus::Completed));

    // Hosts: every request that carried a token went to the API base; a
    // download carried one only after the same file was refused plain.
    let seen = base.seen();
    let mut with_token = 0;
    for (i, s) in seen.iter().enumerate() {
        let Some(auth) = &s.authorization else {
            continue;
        };
        with_token += 1;
        assert_eq!(
            s.origin,
            base.origin(),
            "a token went to {}: {s:?}",
            s.origin
        );
        assert!(
            tokens.iter().any(|t| auth == &format!("Bearer {t}")),
            "{s:?}"
        );
        if s.path.starts_with("/files/") {
            assert!(
                seen[..i]
                    .iter()
                    .any(|p| p.path == s.path && p.authorization.is_none() && p.origin == s.origin),
                "the token was sent for {} without a refused plain request first",
                s.path
            );
        }
    }
    let foreign_seen: Vec<_> = seen
        .iter()
        .filter(|s| s.origin == foreign.origin())
        .collect();
    assert!(
        foreign_seen.iter().any(|s| s.path.starts_with("/files/")),
        "the other host was asked for files"
    );
    let token_files = seen
        .iter()
        .filter(|s| s.path.starts_with("/files/") && s.authorization.is_some())
        .count();
    assert!(
        token_files > 0,
        "the base's refusal made some downloads carry the token"
    );

    // Search everything for the tokens while the store is open (WAL present).
    let needles = needles(&tokens);
    let mut found = Vec::new();
    let db = w.dir.path().join("genqueue.db");
    for suffix in ["", "-wal", "-shm"] {
        let p = Path::new(&format!("{}{suffix}", db.display())).to_owned();
        if let Ok(bytes) = std::fs::read(&p) {
            found.extend(hits(&p.display().to_string(), &bytes, &needles));
        }
    }
    for f in files_under(w.dir.path()) {
        found.extend(hits(
            &f.display().to_string(),
            &std::fs::read(&f).unwrap(),
            &needles,
        ));
    }
    w.stop().await;
    listener.abort();
    let events = events.lock().unwrap().join("\n");
    found.extend(hits("the events", events.as_bytes(), &needles));
    found.extend(hits("error messages", errors.as_bytes(), &needles));
    let rows_debug = format!("{:?}", w.all_generations());
    found.extend(hits("rows (Debug)", rows_debug.as_bytes(), &needles));
    let log_text = std::fs::read(&log_path).unwrap();
    found.extend(hits("the debug log", &log_text, &needles));
    assert!(log_text.len() > 1000, "the debug log was written");
    assert!(
        events.contains("token_changed"),
        "token events were searched"
    );
    assert!(found.is_empty(), "{found:#?}");
    eprintln!(
        "secrets: {} requests carried a token, all to the API base ({} of them downloads after a refusal); \
         {} to the other host, none with a token; {} bytes of debug log, {} events, \
         {} data files searched: zero hits",
        with_token,
        token_files,
        foreign_seen.len(),
        log_text.len(),
        events.lines().count() / 2,
        files_under(w.dir.path()).len()
    );
}

/// Runs `genq ARGS` with `RUST_LOG=debug`; its exit code and stdout + stderr.
async fn run_genq(data: &Path, api: &str, args: &[&str], stdin: Option<String>) -> (i32, Vec<u8>) {
    let mut c = tokio::process::Command::new(genq_bin());
    c.args(args)
        .env("GENQUEUE_DATA_DIR", data)
        .env("REPLICATE_API_BASE", api)
        .env("RUST_LOG", "debug")
        .env("RUST_BACKTRACE", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).await.unwrap();
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("genq ends")
        .unwrap();
    let mut all = out.stdout;
    all.extend_from_slice(&out.stderr);
    (out.status.code().unwrap_or(-1), all)
}

/// The real `genq` with `RUST_LOG=debug`: its stdout (`run --json` prints
/// every event), stderr (logs, errors, any panic) and data folder hold no token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genq_output_logs_and_data_folder_hold_no_token() {
    if !keyring_tests_enabled("the genq secrets test") {
        return;
    }
    let tokens: Vec<String> = (0..2).map(|_| unmasked_token()).collect();
    let mut config = SimConfig {
        faults: vec![FaultRule::revoke_after(&tokens[1], 5)],
        ..SimConfig::fast()
    };
    for (i, t) in tokens.iter().enumerate() {
        config = config.account(AccountConfig::new(t, format!("user{i}")));
    }
    let sim = Sim::start(config).await.unwrap();
    let api = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let mut transcript = Vec::<u8>::new();
    let d = dir.path();
    for (i, t) in tokens.iter().enumerate() {
        let label = format!("t{i}");
        // Pasted with spaces and a newline around it: trimmed.
        let args = ["tokens", "add", "--label", &label, "--json"];
        let (code, out) = run_genq(d, &api, &args, Some(format!("  {t} \n"))).await;
        transcript.extend_from_slice(&out);
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    }
    let (code, out) = run_genq(d, &api, &["tokens", "add"], Some(tokens[0].clone())).await;
    transcript.extend_from_slice(&out);
    assert_eq!(code, 4, "duplicate: {}", String::from_utf8_lossy(&out));
    let malformed = format!("{}\u{e9}", tokens[1]);
    let (code, out) = run_genq(d, &api, &["tokens", "add"], Some(malformed)).await;
    transcript.extend_from_slice(&out);
    assert_eq!(code, 4, "malformed: {}", String::from_utf8_lossy(&out));
    let schnell = "black-forest-labs/flux-schnell";
    for args in [
        &["submit", "-m", schnell, "-p", "a fox", "-n", "6"][..],
        &["run", "--json"],
    ] {
        let (code, out) = run_genq(d, &api, args, None).await;
        transcript.extend_from_slice(&out);
        assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&out));
    }
    for args in [
        &["ls", "--json"][..],
        &["tokens", "list", "--json"],
        &["tokens", "list"],
        &["tokens", "check", "t0"],
        &["tokens", "check", "t1"],
        &["watch", "--once"],
    ] {
        transcript.extend_from_slice(&run_genq(d, &api, args, None).await.1);
    }
    let store = genqueue_core::store::Store::open(&d.join("genqueue.db")).unwrap();
    let ids: Vec<String> = store
        .list_generations(&genqueue_core::store::ListQuery::default())
        .unwrap()
        .iter()
        .map(|g| g.id.to_string())
        .collect();
    drop(store);
    assert_eq!(ids.len(), 6);
    for id in &ids {
        transcript.extend_from_slice(&run_genq(d, &api, &["show", id, "--json"], None).await.1);
        transcript.extend_from_slice(&run_genq(d, &api, &["show", id], None).await.1);
    }
    let text = String::from_utf8_lossy(&transcript).into_owned();
    assert!(
        text.contains("generation_changed"),
        "run --json printed the events"
    );
    assert!(text.contains("DEBUG"), "RUST_LOG=debug logged");
    assert!(!text.contains("panicked"), "{text}");
    let needles = needles(&tokens);
    let mut found = hits("genq's stdout and stderr", &transcript, &needles);
    for f in files_under(dir.path()) {
        found.extend(hits(
            &f.display().to_string(),
            &std::fs::read(&f).unwrap(),
            &needles,
        ));
    }
    assert!(found.is_empty(), "{found:#?}");
    eprintln!(
        "genq secrets: {} bytes of output and debug log, {} files: zero hits",
        transcript.len(),
        files_under(dir.path()).len()
    );
    let _ = Event::QueueChanged { paused: false };
}
