//! `genq submit --wait` runs the engine in-process when none runs, and ends
//! with the files on disk.

mod common;

use std::collections::HashSet;

use common::{Env, SCHNELL, files_under, keyring_tests_enabled, text};
use replicate_sim::{FaultKind, FaultRule, Trigger};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn twenty_generations_over_three_tokens_end_with_twenty_files() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(3).await;
    env.add_tokens(1).await;
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "-p",
                "a lighthouse",
                "-n",
                "20",
                "--wait",
                "--json",
            ],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("an array of Generation");
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|g| g["status"] == "completed"), "{rows:?}");
    let batches: HashSet<&str> = rows
        .iter()
        .map(|g| g["batch_id"].as_str().unwrap())
        .collect();
    assert_eq!(batches.len(), 1, "one batch");

    let files = files_under(&env.data_dir().join("outputs"));
    assert_eq!(files.len(), 20, "{files:?}");
    for f in &files {
        assert!(
            std::fs::metadata(f).unwrap().len() > 0,
            "{} is empty",
            f.display()
        );
    }
    let tokens: Vec<Value> =
        serde_json::from_str(&env.ok(&["tokens", "list", "--json"]).await).unwrap();
    assert_eq!(tokens.len(), 3);
    for t in &tokens {
        assert!(
            t["request_count"].as_u64().unwrap() > 0,
            "every token is used: {t}"
        );
        assert!(t.get("secret").is_none());
    }
    assert_eq!(
        env.sim.stats().creates_total,
        20,
        "one create each, no duplicate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prompts_file_with_typed_inputs_waits_and_prints_the_files() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(2).await;
    env.add_tokens(2).await;
    let prompts = env.data_dir().join("prompts.txt");
    std::fs::write(&prompts, "a red fox\n\na paper boat\n").unwrap();
    let out = env
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "--prompts-file",
                prompts.to_str().unwrap(),
                "-i",
                "num_outputs=2",
                "-i",
                "go_fast=no",
                "-i",
                "output_format=png",
                "--wait",
            ],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for line in &lines {
        assert!(line.starts_with("✓ "), "{line}");
        let paths: Vec<&str> = line.split(": ").nth(1).unwrap().split(' ').collect();
        assert_eq!(paths.len(), 2, "two outputs each: {line}");
        for p in paths {
            assert!(
                p.ends_with(".png") && std::path::Path::new(p).is_file(),
                "{p}"
            );
        }
    }
    let id = lines[0].split(' ').nth(1).unwrap();
    let g = env.show(id).await;
    assert_eq!(g["input"]["num_outputs"], 2, "typed as an integer");
    assert_eq!(g["input"]["go_fast"], false, "typed as a boolean");
    assert_eq!(env.ls().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_generation_makes_wait_exit_6_with_the_models_error() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    env.sim.add_faults([FaultRule::new(
        FaultKind::FailPrediction {
            message: "CUDA out of memory".into(),
        },
        Trigger::Nth(1),
    )]);
    let out = env
        .genq(
            &["submit", "-m", SCHNELL, "-p", "a cat", "-n", "2", "--wait"],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("✓ ")).count(),
        1,
        "{stdout}"
    );
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("✗ ")).collect();
    assert_eq!(failed.len(), 1, "{stdout}");
    assert!(failed[0].contains("CUDA out of memory"), "{stdout}");

    // The failed one can be queued again.
    let id = failed[0].split(' ').nth(1).unwrap();
    let new_id = env.ok(&["retry", id]).await.trim().to_owned();
    assert_eq!(env.show(&new_id).await["retried_from"], id);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_waiting_exits_130_and_keeps_the_generation() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    env.sim
        .add_faults([FaultRule::new(FaultKind::StuckStarting, Trigger::Always)]);
    let child = env
        .command(&["submit", "-m", SCHNELL, "-p", "a slow one", "--wait"])
        .spawn()
        .unwrap();
    // Wait until the prediction exists, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while env.sim.stats().creates_total == 0 {
        assert!(std::time::Instant::now() < deadline, "no create");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let rows = env.ls().await;
    assert_eq!(rows.len(), 1);
    // Still active, with its create on record: the next engine reconciles it
    // through the token's prediction list instead of creating it again.
    let g = env.show(rows[0]["id"].as_str().unwrap()).await;
    assert!(
        matches!(g["status"].as_str(), Some("pending" | "processing")),
        "{g}"
    );
    assert!(
        !g["prediction_id"].is_null() || !g["create_sent_at"].is_null(),
        "the create is recorded: {g}"
    );
}
