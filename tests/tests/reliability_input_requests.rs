//! Bad input from the user: empty or odd prompts, unknown models, inputs
//! that break the schema, badly pasted tokens, a keyring missing or locked.
//! Each gives a clear error or a reason to wait, nothing is queued or stored
//! half, and the app keeps running.

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use genqueue_core::TokenId;
use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{MemorySecretStore, Secret, SecretError, SecretStore};
use genqueue_tests::{World, assert_human, check_outputs, flux, genq_bin};
use replicate_sim::{AccountConfig, Sim, SimConfig};
use serde_json::json;

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
    let mut kept = Vec::new();
    for p in prompts {
        if p.contains('\0') && genqueue_testkit::suite_on_postgres() {
            // PostgreSQL's text cannot hold U+0000: refused clearly, nothing queued.
            let err = w
                .queue
                .submit(genqueue_testkit::flux(&p, json!({})))
                .unwrap_err();
            assert_eq!(
                err.code(),
                genqueue_core::error_code::ErrorCode::InvalidInput
            );
            assert!(err.to_string().contains("U+0000 (NUL)"), "{err}");
            continue;
        }
        kept.push(p);
    }
    let prompts = kept;
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
            _ => assert_human(
                "odd prompt",
                &g.failure_english().unwrap_or_default(),
                &w.tokens,
            ),
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
    let e = rows[0].failure_english().unwrap();
    assert_eq!(rows[0].status, GenerationStatus::Failed);
    assert_eq!(rows[0].error_kind, Some(ErrorKind::ModelNotFound), "{e}");
    assert!(e.contains("no such model") && e.contains("404"), "{e}");
    assert_human("unknown model", &e, &w.tokens);
    for (g, b) in rows[1..].iter().zip(&bad) {
        assert_eq!(g.status, GenerationStatus::Failed, "{b}");
        assert_eq!(
            g.error_kind,
            Some(ErrorKind::InputRejected),
            "{b}: {:?}",
            g.error
        );
        let field = b.as_object().unwrap().keys().next().unwrap();
        let e = g.failure_english().unwrap();
        assert!(e.contains(field.as_str()), "{b}: {e}");
        assert_human("schema", &e, &w.tokens);
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
    let queue = Queue::on_store(
        w.dir.path().to_owned(),
        w.second_store(),
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
    let why = &g.wait_reason.as_ref().unwrap().english(&chrono::Utc);
    eprintln!("locked keyring: {why}");
    assert!(why.contains("keyring") && why.contains("locked"), "{why}");
    assert_human("locked keyring", why, std::slice::from_ref(&token));
    let t = w.queue.tokens().unwrap().remove(0);
    assert!(t.active, "a locked keyring does not disable the token");
    keyring
        .locked
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Completed, "{g:?}");
}
