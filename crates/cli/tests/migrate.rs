//! `genq migrate --to postgres://…` (issue 15): a machine's own queue moves
//! into a team database with its history, tokens, spend and saved files;
//! the pending ones leave the local queue; running it again moves nothing
//! twice; another machine on the team database shows the moved images.
//!
//! Needs `scripts/with-postgres.sh` and `scripts/with-keyring.sh`.

mod common;

use common::{Env, SCHNELL, assert_refused, keyring_tests_enabled, text};
use genqueue_testkit::{fresh_database, psql};
use serde_json::Value;

/// The one value `sql` selects.
fn one(url: &str, sql: &str) -> String {
    psql(url, sql).remove(0).remove(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_queue_moves_into_the_team_database_with_its_files() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_migrate") else {
        return;
    };
    let mut env = Env::start(2).await;
    env.add_tokens(1).await;
    env.ok(&[
        "submit",
        "-m",
        SCHNELL,
        "-p",
        "café by the harbour",
        "-n",
        "3",
        "--wait",
    ])
    .await;
    env.ok(&["pause"]).await;
    env.ok(&[
        "submit",
        "-m",
        SCHNELL,
        "-p",
        "a lighthouse still to come",
        "-n",
        "2",
    ])
    .await;
    let local: Vec<Value> = env.ls().await;
    assert_eq!(local.len(), 5);

    let out = env.ok(&["migrate", "--to", &url]).await;
    assert!(
        out.contains(
            "moved 5 generation(s) (2 pending, now in the team queue only), 2 token(s), 3 file(s)"
        ),
        "{out}"
    );

    // The local queue keeps its history, not the pending work.
    let left = env.ls().await;
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(|g| g["status"] == "completed"));

    // The team database has every row, under the same ids.
    env.database_url = Some(url.clone());
    let team = env.ls().await;
    assert_eq!(team.len(), 5);
    for g in &local {
        assert!(
            team.iter()
                .any(|t| t["id"] == g["id"] && t["status"] == g["status"]),
            "{g}"
        );
    }
    assert_eq!(one(&url, "SELECT count(*) FROM tokens"), "2");
    assert_eq!(
        one(&url, "SELECT count(*) FROM spend"),
        "5",
        "the spend rows moved too"
    );
    // Another machine (its own, empty data folder) shows a moved image.
    let other = tempfile::tempdir().unwrap();
    let done = local.iter().find(|g| g["status"] == "completed").unwrap();
    let id = done["id"].as_str().unwrap();
    let rel = done["output_files"][0].as_str().unwrap().to_owned();
    let mut show = env.command(&["show", id]);
    show.env("GENQUEUE_DATA_DIR", other.path());
    let shown = show.output().await.expect("genq show");
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
    assert_eq!(
        std::fs::read(other.path().join(&rel)).expect("fetched into the other folder"),
        std::fs::read(env.data_dir().join(&rel)).unwrap()
    );

    // Again: nothing moves twice.
    env.database_url = None;
    let again = env.ok(&["migrate", "--to", &url]).await;
    assert!(
        again.contains("moved 0 generation(s) (0 pending"),
        "{again}"
    );
    assert_eq!(one(&url, "SELECT count(*) FROM generations"), "5");
    assert_eq!(one(&url, "SELECT count(*) FROM output_files"), "3");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_without_a_queue_is_refused_clearly() {
    let env = Env::start(1).await;
    let out = env
        .genq(
            &["migrate", "--to", "postgres://nobody@127.0.0.1:1/none"],
            None,
        )
        .await;
    assert_refused(&out, 3, "there is no local queue to move");
}
