//! One token pool on a team database (issue #15), through `genq tokens`:
//! a token another member added is marked "not on this machine", and
//! `genq tokens add` with it joins that row instead of making a second one.
//! This machine is `genq` with the real keyring (`scripts/with-keyring.sh`);
//! the other member is a queue in this process with a keyring of its own.
//! Needs `scripts/with-postgres.sh` too.

mod common;

use std::sync::Arc;

use common::{Env, keyring_tests_enabled, text};
use genqueue_core::queue::Queue;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_testkit::{fresh_database, psql};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn genq_marks_a_members_token_not_on_this_machine_and_adding_it_joins_the_row() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_cli_pool") else {
        return;
    };
    // This machine adds user-1's token; the other member adds user-2's.
    let mut env = Env::start(2).await;
    env.database_url = Some(url.clone());
    let (mine, theirs) = (env.tokens[0].clone(), env.tokens[1].clone());
    let out = env
        .genq(&["tokens", "add", "--label", "mine"], Some(&mine))
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (other, _other_dir) = other_member(&env, &url);
    let added = other.add_or_join_token("studio", &theirs).await.unwrap();
    assert!(!added.joined);

    let table = env.ok(&["tokens", "list"]).await;
    let line = |label: &str| line_of(&table, label);
    assert!(line("studio").contains("not on this machine"), "{table}");
    assert!(!line("mine").contains("not on this machine"), "{table}");
    let json: Vec<Value> =
        serde_json::from_str(&env.ok(&["tokens", "list", "--json"]).await).unwrap();
    let here = |label: &str| {
        json.iter()
            .find(|t| t["label"] == label)
            .map(|t| t["on_this_machine"].clone())
    };
    assert_eq!(here("studio"), Some(Value::Bool(false)));
    assert_eq!(here("mine"), Some(Value::Bool(true)));

    // Pasting the member's token here joins its row.
    let out = env
        .genq(
            &["tokens", "add", "--label", "again"],
            Some(&format!("{theirs}\n")),
        )
        .await;
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        said.contains("\"studio\"")
            && said.contains("was already in the team's pool")
            && said.contains("usable from this machine"),
        "{said}"
    );
    assert!(!said.contains(&theirs) && !text(&out.stderr).contains(&theirs));
    assert_eq!(psql(&url, "SELECT count(*) FROM tokens")[0][0], "2");
    let table = env.ok(&["tokens", "list"]).await;
    assert!(!table.contains("not on this machine"), "{table}");
    // A second paste is a duplicate, as on one machine.
    let out = env.genq(&["tokens", "add"], Some(&theirs)).await;
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("studio"),
        "{}",
        text(&out.stderr)
    );

    // Forgetting it here takes the secret out of this keyring only: the row
    // stays for the member who holds it, marked again.
    let said = env.ok(&["tokens", "forget", "studio"]).await;
    assert!(said.contains("stays in the team's pool"), "{said}");
    assert_eq!(psql(&url, "SELECT count(*) FROM tokens")[0][0], "2");
    let table = env.ok(&["tokens", "list"]).await;
    assert!(
        line_of(&table, "studio").contains("not on this machine"),
        "{table}"
    );
    assert!(other.tokens_here().await.unwrap().contains(&added.token.id));
}

/// The other member: a queue in this process on the team database `url`,
/// with a folder and a keyring of its own (the folder lives as long as the
/// returned guard).
fn other_member(env: &Env, url: &str) -> (Queue, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open_on(
        dir.path(),
        Some(url),
        &env.sim.base_url(),
        Arc::new(MemorySecretStore::new()),
    )
    .unwrap();
    (queue, dir)
}

fn line_of(table: &str, label: &str) -> String {
    table
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in:\n{table}"))
        .to_owned()
}

/// On a machine's own queue there is no team to keep the token for:
/// `genq tokens forget` is refused with what to do instead.
#[tokio::test(flavor = "multi_thread")]
async fn genq_tokens_forget_on_a_machines_own_queue_says_to_remove_it() {
    if !keyring_tests_enabled() {
        return;
    }
    let env = Env::start(1).await;
    env.add_tokens(1).await;
    let out = env.genq(&["tokens", "forget", "t1"], None).await;
    let said = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("remove the token instead"), "{said}");
    assert!(
        env.ok(&["tokens", "list"]).await.contains("t1"),
        "the token stays"
    );
}

/// A member whose machine holds none of the pool's tokens still submits
/// (the input goes unchecked: no token here can read the model's schema),
/// and `genq run` there says at once why it cannot start them instead of
/// waiting silently.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_without_the_pools_secrets_submits_and_genq_run_says_why_it_cannot_run() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_cli_none_here") else {
        return;
    };
    let mut env = Env::start(1).await;
    env.database_url = Some(url.clone());
    let (other, _other_dir) = other_member(&env, &url);
    other
        .add_or_join_token("studio", &env.tokens[0])
        .await
        .unwrap();

    let out = env
        .genq(
            &[
                "submit",
                "-m",
                "black-forest-labs/flux-schnell",
                "-p",
                "a heron",
            ],
            None,
        )
        .await;
    let (said, warned) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{warned}");
    assert!(
        warned.contains("no token of the team's pool has its secret on this machine"),
        "{warned}"
    );
    assert_eq!(
        psql(&url, "SELECT count(*) FROM generations")[0][0],
        "1",
        "{said}"
    );

    let out = env.genq(&["run"], None).await;
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(
        said.contains("(0 with its secret on this machine)"),
        "{said}"
    );
    assert!(
        said.contains("1 pending generation cannot start here") && said.contains("genq tokens add"),
        "{said}"
    );
}
