//! `genq run`: the engine in the foreground; `submit` beside it only queues
//! and the running engine picks the work up; a second engine is refused.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Env, SCHNELL, assert_refused, keyring_tests_enabled, text};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test(flavor = "multi_thread")]
async fn submit_while_run_follows_is_picked_up() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(2).await;
    env.add_tokens(1).await;

    let mut run = env
        .command(&["run", "--follow"])
        .spawn()
        .expect("genq run starts");
    let mut stderr = BufReader::new(run.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .expect("genq run says it runs")
        .unwrap()
        .unwrap();
    assert!(first.contains("engine running"), "{first}");

    // A second engine on the same folder is refused with its own code.
    let out = env.genq(&["run"], None).await;
    assert_refused(&out, 5, "already running");

    // Queue only; the running engine picks it up.
    let out = env
        .genq(&["submit", "-m", SCHNELL, "-p", "a paper boat"], None)
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("running engine picks them up"));
    let id = text(&out.stdout).trim().to_owned();
    let g = env.until_ended(&id).await;
    assert_eq!(g["status"], "completed", "{g}");
    assert_eq!(g["output_files"].as_array().unwrap().len(), 1);

    // --wait beside a running engine follows the store.
    let out = env
        .genq(
            &["submit", "-m", SCHNELL, "-p", "a fox", "-n", "2", "--wait"],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("✓ "))
            .count(),
        2
    );

    // Ctrl-C stops it cleanly.
    let pid = run.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), run.wait())
        .await
        .expect("genq run stops on Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    while let Ok(Some(line)) = stderr.next_line().await {
        rest.push_str(&line);
        rest.push('\n');
    }
    assert!(rest.contains("stopped"), "{rest}");
    assert_eq!(env.ls().await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_drains_the_queue_and_exits() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(2).await;
    let out = env
        .genq(&["submit", "-m", SCHNELL, "-p", "a cabin", "-n", "3"], None)
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no engine runs"),
        "{}",
        text(&out.stderr)
    );
    let stdout = env.ok(&["run"]).await;
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("✓ ")).count(),
        3,
        "{stdout}"
    );
    let watch = env.ok(&["watch", "--once"]).await;
    assert!(watch.starts_with("⟳ 3"), "{watch}");
    env.ok(&["mark-viewed", "--all"]).await;
    assert!(env.ok(&["watch", "--once"]).await.starts_with("⟳ 0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_with_nothing_queued_ends_at_once() {
    let env = Env::start(1).await;
    let mut c = env.command(&["run"]);
    c.stdout(Stdio::piped());
    let out = c.output().await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
