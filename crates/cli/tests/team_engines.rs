//! Two engines on one team database (issue #15): two `genq run` processes,
//! each with its own data folder, drain one queue of 100 generations over 3
//! tokens against replicate-sim; one is killed (SIGKILL) mid-way, and the
//! other takes its leased work over once the leases expire. Each generation
//! made exactly one prediction (the simulator counts the creates), and each
//! one's image is saved in the folder of the engine that finished it.
//!
//! Needs `scripts/with-postgres.sh` and `scripts/with-keyring.sh` (see
//! `database.rs`). Takes about 15–30 s.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::team::{fence_of, held_leases, team_run};
use common::{Env, SCHNELL, keyring_tests_enabled, text};
use genqueue_testkit::fresh_database;
use replicate_sim::SimConfig;
use serde_json::Value;

const GENERATIONS: usize = 100;

/// `genq run` on `dir` (the team's database, `env`'s simulator), leases of 2 s.
fn engine(env: &Env, dir: &Path) -> tokio::process::Child {
    team_run(env, dir, "2").spawn().expect("genq run starts")
}

fn count(rows: &[Value], status: &str) -> usize {
    rows.iter().filter(|g| g["status"] == status).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_engines_drain_one_queue_and_one_finishes_the_work_of_the_other_killed() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_team") else {
        return;
    };
    // Slow enough to kill an engine mid-way: boot 0.25 s, predict 0.5 s.
    let mut config = SimConfig::fast();
    config.timing.time_scale = 0.25;
    let mut env = Env::start_with(3, config).await;
    env.database_url = Some(url);
    env.add_tokens(2).await;
    // 50 at most per prompt: two prompts.
    for prompt in ["a shared harbour", "a shared lighthouse"] {
        env.ok(&["submit", "-m", SCHNELL, "-p", prompt, "-n", "50"])
            .await;
    }
    let other = tempfile::tempdir().unwrap();
    let mut a = engine(&env, env.data_dir());
    let b = engine(&env, other.path());

    // Kill A while both drive work: a third done, each engine holding leases.
    let url = env.database_url.clone().unwrap();
    let started = Instant::now();
    let a_pid = a.id().expect("A runs").to_string();
    let signal_a = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &a_pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} A");
    };
    let held = loop {
        let rows = env.ls().await;
        if count(&rows, "completed") >= GENERATIONS / 3 {
            // A frozen, its leases cannot change between this read and the
            // kill (read first, A could finish the one it held in between
            // and leave nothing to take over: seen once in a fresh run,
            // A then holding a single lease).
            signal_a("-STOP");
            let held = held_leases(&url);
            let owners: std::collections::HashSet<&String> = held.iter().map(|l| &l.1).collect();
            if owners.len() == 2 {
                break held;
            }
            signal_a("-CONT");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no third done with both engines driving within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    a.start_kill().expect("SIGKILL");
    let _ = a.wait().await;
    eprintln!("killed A holding leases among {held:?}");

    // B finishes everything, A's leased work included, and exits when idle.
    let out = tokio::time::timeout(Duration::from_secs(120), b.wait_with_output())
        .await
        .expect("B ends within 120 s")
        .expect("genq run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let rows = env.ls().await;
    assert_eq!(rows.len(), GENERATIONS);
    assert_eq!(count(&rows, "completed"), GENERATIONS, "{rows:?}");
    let stats = env.sim.stats();
    assert_eq!(
        stats.creates_total, GENERATIONS as u64,
        "exactly one prediction per generation"
    );
    let (mut on_a, mut on_b) = (0, 0);
    for g in &rows {
        let files = g["output_files"].as_array().expect("output_files");
        assert_eq!(files.len(), 1, "{g}");
        let rel = files[0].as_str().unwrap();
        if env.data_dir().join(rel).is_file() {
            on_a += 1;
        } else if other.path().join(rel).is_file() {
            on_b += 1;
        } else {
            panic!("{rel} is in neither engine's folder");
        }
    }
    eprintln!("images saved: {on_a} by A, {on_b} by B");
    // A's leases at the kill were taken over (their fence went up: by one,
    // or more when B let one go, e.g. a create put back to wait, and took it
    // again) and their generations finished by B; B's own kept their fence.
    let taken_over: Vec<&(String, String, i64)> = held
        .iter()
        .filter(|(id, _, fence)| fence_of(&url, id) > *fence)
        .collect();
    assert!(!taken_over.is_empty(), "none of A's leases was taken over");
    let killed = &taken_over[0].1;
    for (id, owner, _) in &held {
        if owner == killed {
            let g = rows
                .iter()
                .find(|g| g["id"] == id.as_str())
                .expect("the row");
            let rel = g["output_files"][0].as_str().unwrap();
            if taken_over.iter().any(|t| &t.0 == id) {
                assert!(other.path().join(rel).is_file(), "{id} finished by B");
            } else {
                // A was frozen when its leases were read, so each is taken
                // over; or else A had finished this one and not let its
                // lease go yet.
                assert!(
                    env.data_dir().join(rel).is_file(),
                    "{id} was A's: neither taken over by B nor finished by A (fence now {}, at the kill {:?})",
                    fence_of(&url, id),
                    held.iter().find(|h| &h.0 == id).map(|h| h.2)
                );
            }
        }
    }
    // Both engines drove work (A held leases at its kill, checked above);
    // A may have finished none of it before the kill if B claimed first.
    assert!(on_b > 0, "B worked: {on_a} / {on_b}");
    assert_eq!(on_a + on_b, GENERATIONS);
}
