//! Issue #15's kill test: three `genq run` engines in three processes, each
//! with its own data folder, on one team database, drain 300 generations
//! over 6 tokens (2 at once each) against replicate-sim. Engine A is
//! SIGKILLed twice mid-run (started again after each kill); engine C is
//! SIGSTOPped past its lease (3 s), its leases are taken over, and then it
//! is SIGCONTed. At the end:
//! - all 300 completed, none lost;
//! - no duplicate prediction: the simulator saw each generation's input
//!   created exactly once (300 creates for 300 distinct prompts);
//! - no token ever had more than 2 predictions running at once (the
//!   simulator's `max_running_by_token`);
//! - each generation's output file is in one engine's data folder (every
//!   folder readable from every engine needs shared outputs: not yet);
//! - C wrote nothing for the generations taken over while it was stopped:
//!   its log shows each of them let go (a write refused by its fence, the
//!   lease found lost at renewal, the row found ended by the engine that
//!   took it over, or a create recorded but not yet sent given back while
//!   its lease still held), and each was finished by A or B (or
//!   by C after it took the lease back, with a new fence).
//!
//! Needs `scripts/with-postgres.sh` and `scripts/with-keyring.sh`. Takes
//! about 40–60 s.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::team::{count_status, fence_of, held_leases, psql, team_run};
use common::{Env, SCHNELL, keyring_tests_enabled};
use genqueue_testkit::fresh_database;
use replicate_sim::SimConfig;
use tokio::process::Child;

const GENERATIONS: usize = 300;
const TOKENS: usize = 6;
const CAP: u64 = 2;
/// Lease length (seconds) of every engine.
const LEASE: &str = "3";

/// One `genq run` process: its folder and its log file.
struct Engine {
    child: Child,
    log: PathBuf,
}

impl Engine {
    /// Starts `genq run` on `dir`, logging the engine's warnings (and its
    /// start line, with its lease id) to `logs/<name>.log`.
    fn start(env: &Env, dir: &Path, logs: &Path, name: &str) -> Engine {
        let log = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = team_run(env, dir, LEASE)
            .env("RUST_LOG", "genqueue_core::engine=info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(file)
            .spawn()
            .expect("genq run starts");
        Engine { child, log }
    }

    fn pid(&self) -> String {
        self.child.id().expect("still running").to_string()
    }

    /// Its log so far, without colour codes.
    fn log_text(&self) -> String {
        let raw = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut plain = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(ch) = chars.next() {
            if ch == '\u{1b}' {
                // CSI: ESC [ … final letter.
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                plain.push(ch);
            }
        }
        plain
    }

    /// Its id in the leases, from its start line (waits for it).
    async fn lease_id(&self) -> String {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(line) = text.lines().find(|l| l.contains("engine started")) {
                let at = line.find("engine=").expect("the id field") + "engine=".len();
                return line[at..at + 36].to_owned();
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no start line");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }
}

/// Whether generation `id` has ended.
fn is_terminal(url: &str, id: &str) -> bool {
    let status = &psql(
        url,
        &format!("SELECT status FROM generations WHERE id = '{id}'"),
    )[0][0];
    !["pending", "processing"].contains(&status.as_str())
}

fn signal(e: &Engine, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &e.pid()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {sig}");
}

/// Waits until at least `done` generations completed and engine `owner`
/// holds a lease; returns the leases held then.
async fn wait_for(url: &str, done: usize, owner: &str) -> Vec<(String, String, i64)> {
    let started = Instant::now();
    loop {
        let held = held_leases(url);
        if count_status(url, "completed") >= done && held.iter().any(|l| l.1 == owner) {
            return held;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not {done} completed with {owner} driving within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The leases `owner` (stopped now, so frozen) held that other engines took
/// over once they expired, with their fence then; waits for every one of
/// them either taken over or of a generation `owner` had just finished
/// (its release not yet written when it stopped: not its work any more).
async fn taken_from(url: &str, owner: &str) -> Vec<(String, i64)> {
    let frozen: Vec<(String, i64)> = held_leases(url)
        .into_iter()
        .filter(|l| l.1 == owner)
        .map(|l| (l.0, l.2))
        .collect();
    let stopped = Instant::now();
    loop {
        let mut stale = Vec::new();
        let mut open = 0;
        for (id, fence) in &frozen {
            if fence_of(url, id) > *fence {
                stale.push((id.clone(), *fence));
            } else if !is_terminal(url, id) {
                open += 1;
            }
        }
        if open == 0 {
            eprintln!(
                "C stopped holding {} leases; {} taken over after {:?}",
                frozen.len(),
                stale.len(),
                stopped.elapsed()
            );
            return stale;
        }
        if stopped.elapsed() > Duration::from_secs(30) {
            eprintln!(
                "{:?}",
                psql(
                    url,
                    "SELECT l.generation_id, l.owner, l.until, l.fence, g.status, now() \
                     FROM leases l JOIN generations g ON g.id = l.generation_id \
                     WHERE l.owner IS NOT NULL"
                )
            );
            panic!("{open} of C's leases were not taken over within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_engines_two_kills_and_a_stop_past_the_lease_lose_nothing_and_duplicate_nothing() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_kill3") else {
        return;
    };
    let begun = Instant::now();
    // Boot 0.25 s, predict 0.5 s: 25 rounds of 12 slots take ~25 s.
    let mut config = SimConfig::fast();
    config.timing.time_scale = 0.25;
    let mut env = Env::start_with(TOKENS, config).await;
    env.database_url = Some(url.clone());
    env.add_tokens(CAP as u32).await;
    // 300 distinct prompts: each generation's input is its own.
    let prompts: String = (0..GENERATIONS)
        .map(|i| format!("a team's harbour, take {i}\n"))
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), prompts).unwrap();
    let prompts_file = file.path().to_str().unwrap();
    env.ok(&["submit", "-m", SCHNELL, "--prompts-file", prompts_file])
        .await;

    let logs = tempfile::tempdir().unwrap();
    let (b_dir, c_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a_dir = env.data_dir().to_owned();
    let a1 = Engine::start(&env, &a_dir, logs.path(), "a1");
    let b = Engine::start(&env, b_dir.path(), logs.path(), "b");
    let c = Engine::start(&env, c_dir.path(), logs.path(), "c");

    // First kill of A, a sixth of the way in, while it drives work.
    let a1_id = a1.lease_id().await;
    wait_for(&url, GENERATIONS / 6, &a1_id).await;
    a1.kill().await;
    let a2 = Engine::start(&env, &a_dir, logs.path(), "a2");

    // C stops (a closed laptop) while it drives work, past its lease: its
    // leases are taken over. Tried again (C resumed) if every lease it held
    // at the stop was of a generation it had just finished.
    let c_id = c.lease_id().await;
    let mut stale = Vec::new();
    for done in [2, 3, 4].map(|n| GENERATIONS * n / 10) {
        wait_for(&url, done, &c_id).await;
        signal(&c, "-STOP");
        stale = taken_from(&url, &c_id).await;
        if !stale.is_empty() {
            break;
        }
        signal(&c, "-CONT");
    }
    assert!(!stale.is_empty(), "C never held a lease to take over");
    signal(&c, "-CONT");

    // Second kill of A, two thirds of the way in.
    let a2_id = a2.lease_id().await;
    wait_for(&url, GENERATIONS * 2 / 3, &a2_id).await;
    a2.kill().await;
    let a3 = Engine::start(&env, &a_dir, logs.path(), "a3");

    // Everything ends; each engine still running leaves when the queue is idle.
    for (name, mut e) in [("a3", a3), ("b", b), ("c", c)] {
        let status = tokio::time::timeout(Duration::from_secs(120), e.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{name} did not end within 120 s"))
            .expect("genq run");
        assert_eq!(status.code(), Some(0), "{name}: {}", e.log_text());
        if name == "c" {
            check_c_let_go(&e.log_text(), &stale);
        }
    }
    eprintln!("drained in {:?}", begun.elapsed());

    // All 300 completed; one prediction each; no token above its cap.
    let rows = psql(
        &url,
        "SELECT id, status, output_files::text FROM generations ORDER BY created_at",
    );
    assert_eq!(rows.len(), GENERATIONS);
    let not_done: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] != "completed").collect();
    assert!(not_done.is_empty(), "not completed: {not_done:?}");
    let stats = env.sim.stats();
    assert_eq!(stats.creates_total, GENERATIONS as u64);
    assert_eq!(stats.predictions_by_input.len(), GENERATIONS);
    let twice: Vec<_> = (stats.predictions_by_input.iter())
        .filter(|(_, s)| s.created != 1)
        .collect();
    assert!(twice.is_empty(), "inputs created more than once: {twice:?}");
    eprintln!(
        "most running at once per token: {:?}",
        stats.max_running_by_token
    );
    assert_eq!(stats.max_running_by_token.len(), TOKENS);
    for (token, most) in &stats.max_running_by_token {
        assert!(
            *most <= CAP,
            "token {token} ran {most} at once (cap {CAP}): {:?}",
            stats.busiest_running_by_token.get(token)
        );
    }

    // Each output in one engine's folder.
    let dirs = [a_dir.as_path(), b_dir.path(), c_dir.path()];
    let mut by_folder = [0usize; 3];
    for r in &rows {
        let files: Vec<String> = serde_json::from_str(&r[2]).expect("output_files JSON");
        assert_eq!(files.len(), 1, "{r:?}");
        let at: Vec<usize> = (0..3)
            .filter(|&i| dirs[i].join(&files[0]).is_file())
            .collect();
        assert!(!at.is_empty(), "{} is in no engine's folder", files[0]);
        by_folder[at[0]] += 1;
        // Taken from C, it was finished by A or B; or C took it back
        // later with a new lease (the fence changed hands twice more).
        if let Some((id, fence)) = stale.iter().find(|(id, _)| *id == r[0]) {
            assert!(
                at[0] < 2 || fence_of(&url, id) >= fence + 2,
                "{id} (taken from C) was finished by C under its old lease"
            );
        }
    }
    eprintln!("outputs by folder (A, B, C): {by_folder:?}");

    // Every output is in the team database, and any engine's folder shows
    // it: `genq show` fetches what its folder lacks (a sample of 10 × 3).
    let shared = psql(
        &url,
        "SELECT count(DISTINCT generation_id) FROM output_files",
    );
    assert_eq!(shared[0][0], GENERATIONS.to_string(), "every output shared");
    for r in rows.iter().step_by(GENERATIONS / 10) {
        let files: Vec<String> = serde_json::from_str(&r[2]).expect("output_files JSON");
        for dir in dirs {
            let mut show = env.command(&["show", &r[0]]);
            show.env("GENQUEUE_DATA_DIR", dir);
            let out = show.output().await.expect("genq show");
            assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
            assert!(
                dir.join(&files[0]).is_file(),
                "{} not readable from {}",
                files[0],
                dir.display()
            );
        }
    }
}

/// C's log says it let go of each generation taken from it, each way
/// without a write for it: a write (or the sharing of its outputs) refused
/// by its fence, the lease found
/// lost at renewal, or the row found no longer processing (ended by the
/// engine that took it over); or, for a create it had recorded but not
/// sent when it stopped, given back unsent while its lease still held (the
/// stall check of `engine/create.rs`: its one write is then accepted, and
/// the generation is claimed afresh). Prints how many of each.
fn check_c_let_go(log: &str, stale: &[(String, i64)]) {
    let refused: HashSet<&str> = stale
        .iter()
        .filter(|(id, _)| {
            log.lines().any(|l| {
                (l.contains("write refused") || l.contains("sharing refused"))
                    && l.contains(id.as_str())
            })
        })
        .map(|(id, _)| id.as_str())
        .collect();
    let ended: HashSet<&str> = stale
        .iter()
        .filter(|(id, _)| {
            log.lines()
                .any(|l| l.contains("stopped following") && l.contains(id.as_str()))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    let lost: HashSet<&str> = stale
        .iter()
        .filter(|(id, _)| {
            log.lines()
                .any(|l| l.contains("lease lost") && l.contains(id.as_str()))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    let unsent: HashSet<&str> = stale
        .iter()
        .filter(|(id, _)| {
            log.lines()
                .any(|l| l.contains("not sending it now") && l.contains(id.as_str()))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    eprintln!(
        "C, after SIGCONT: {} writes refused by the fence, {} leases found lost at renewal, \
         {} found ended by their new holder, {} creates given back unsent, of {}",
        refused.len(),
        lost.len(),
        ended.len(),
        unsent.len(),
        stale.len()
    );
    for (id, _) in stale {
        assert!(
            refused.contains(id.as_str())
                || lost.contains(id.as_str())
                || ended.contains(id.as_str())
                || unsent.contains(id.as_str()),
            "C's log does not show it let go of {id}:\n{log}"
        );
    }
}
