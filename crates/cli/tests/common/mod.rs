//! Shared by the CLI tests: replicate-sim started in-process on loopback,
//! a temporary data folder, and the real `genq` binary run against both.
#![allow(dead_code)]

pub mod team;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use replicate_sim::{AccountConfig, Sim, SimConfig, SimHandle};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The binary under test.
pub const GENQ: &str = env!("CARGO_BIN_EXE_genq");

/// The model every test uses (served by the simulator).
pub const SCHNELL: &str = "black-forest-labs/flux-schnell";

/// Whether the keyring-backed tests run: only inside
/// `scripts/with-keyring.sh`, which sets `GENQUEUE_KEYRING_TESTS=1` after
/// starting gnome-keyring in a private D-Bus session.
pub fn keyring_tests_enabled() -> bool {
    let on = std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped: run inside scripts/with-keyring.sh (GENQUEUE_KEYRING_TESTS=1)");
    }
    on
}

/// A token-shaped fake secret made at run time (no literal in the sources).
pub fn fake_token() -> String {
    let body: String = uuid::Uuid::new_v4().simple().to_string();
    format!("r{}_{}", 8, &body[..30])
}

/// A simulator with `n` accounts, a data folder, and their tokens.
pub struct Env {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub tokens: Vec<String>,
    /// `GENQUEUE_DATABASE_URL` for every command, when set (a team's queue).
    pub database_url: Option<String>,
}

impl Env {
    /// A fast simulator (10 ms boot, 20 ms predict, small images) with `n`
    /// accounts `user-1`…`user-n`, one token each.
    pub async fn start(n: usize) -> Env {
        Env::start_with(n, SimConfig::fast()).await
    }

    /// As [`Env::start`], with the simulator's `config` (its accounts added).
    pub async fn start_with(n: usize, mut config: SimConfig) -> Env {
        let tokens: Vec<String> = (0..n).map(|_| fake_token()).collect();
        for (i, t) in tokens.iter().enumerate() {
            config = config.account(AccountConfig::new(t, format!("user-{}", i + 1)));
        }
        let sim = Sim::start(config).await.expect("the simulator starts");
        Env {
            sim,
            dir: tempfile::tempdir().expect("a temporary folder"),
            tokens,
            database_url: None,
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `genq ARGS` on this folder and simulator (through the environment
    /// variables a user would set), with RUST_LOG unset.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(GENQ);
        c.args(args)
            .env("GENQUEUE_DATA_DIR", self.data_dir())
            .env("REPLICATE_API_BASE", self.sim.base_url())
            .env_remove("RUST_LOG")
            .env_remove("GENQUEUE_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = &self.database_url {
            c.env("GENQUEUE_DATABASE_URL", url);
        }
        c
    }

    /// Runs `genq ARGS` to the end (30 s at most), with `stdin` piped in if given.
    pub async fn genq(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = self.command(args);
        if stdin.is_some() {
            c.stdin(Stdio::piped());
        }
        let mut child = c.spawn().expect("genq starts");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).await.unwrap();
            drop(pipe);
        }
        tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("genq {args:?} did not end within 30 s"))
            .expect("genq runs")
    }

    /// Runs `genq ARGS` and asserts exit 0; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.genq(args, None).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "genq {args:?}\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Adds every token with `genq tokens add` (secret on stdin), labels `t1`…,
    /// each allowed `concurrency` generations at once.
    pub async fn add_tokens(&self, concurrency: u32) {
        for (i, t) in self.tokens.iter().enumerate() {
            let label = format!("t{}", i + 1);
            let conc = concurrency.to_string();
            let out = self
                .genq(
                    &["tokens", "add", "--label", &label, "--concurrency", &conc],
                    Some(&format!("  {t}\n")),
                )
                .await;
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            assert!(
                text(&out.stdout).contains(&format!("user-{}", i + 1)),
                "prints the account's username: {}",
                text(&out.stdout)
            );
        }
    }

    /// `genq ls --json` as a list.
    pub async fn ls(&self) -> Vec<Value> {
        let out = self.ok(&["ls", "--json", "--limit", "1000"]).await;
        serde_json::from_str::<Value>(&out)
            .expect("ls --json is JSON")
            .as_array()
            .expect("ls --json is an array")
            .clone()
    }

    /// `genq show ID --json`.
    pub async fn show(&self, id: &str) -> Value {
        serde_json::from_str(&self.ok(&["show", id, "--json"]).await).expect("show --json is JSON")
    }

    /// Polls `show` until the generation has ended (10 s at most).
    pub async fn until_ended(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let g = self.show(id).await;
            if matches!(
                g["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            ) {
                return g;
            }
            assert!(
                Instant::now() < deadline,
                "{id} still {} after 10 s",
                g["status"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a refusal: exit `code`, and stderr is one line `genq: error: …`
/// containing `needle`.
pub fn assert_refused(out: &Output, code: i32, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr: {err}; stdout: {}",
        text(&out.stdout)
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {err}");
    assert!(lines[0].starts_with("genq: error: "), "{err}");
    assert!(
        lines[0].to_lowercase().contains(&needle.to_lowercase()),
        "{err:?} should mention {needle:?}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing on stdout");
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_under(&p));
        } else {
            found.push(p);
        }
    }
    found
}
