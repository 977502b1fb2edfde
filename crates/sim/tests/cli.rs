//! The binary: starts fast, prints its base URL and generated tokens.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_url_and_demo_tokens_quickly() {
    let started = Instant::now();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_replicate-sim"))
            .args([
                "--port",
                "0",
                "--demo-tokens",
                "2",
                "--time-scale",
                "0.01",
                "--fault",
                "503-json@nth=1,endpoint=model",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    let base = first
        .strip_prefix("replicate-sim listening on ")
        .unwrap()
        .to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1"),
        "{base}"
    );
    let tokens: Vec<String> = (0..2)
        .map(|_| {
            lines
                .next()
                .unwrap()
                .unwrap()
                .strip_prefix("token: ")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_ne!(tokens[0], tokens[1]);
    let client = reqwest::Client::new();
    let account: serde_json::Value = client
        .get(format!("{base}/account"))
        .bearer_auth(&tokens[1])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["username"], "demo-user-2");
    let model = client
        .get(format!("{base}/models/stability-ai/sdxl"))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(model.status(), 503, "the --fault flag is in force");
}

#[test]
fn help_lists_the_knobs() {
    let output = Command::new(env!("CARGO_BIN_EXE_replicate-sim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--token",
        "--demo-tokens",
        "--boot",
        "--predict",
        "--time-scale",
        "--output-ttl",
        "--creates-per-min",
        "--fault",
        "--no-inline-wait",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}
