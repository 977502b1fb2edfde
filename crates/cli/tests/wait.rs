//! `genq submit --wait` runs the engine in-process when none runs, and ends
//! with the files on disk.

mod common;

use std::collections::HashSet;

use common::{Env, SCHNELL, files_under, keyring_tests_enabled, text};
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
