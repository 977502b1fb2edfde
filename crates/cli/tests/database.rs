//! `genq --database-url` / `GENQUEUE_DATABASE_URL`: a team's queue in
//! PostgreSQL (issue #15). Two data folders (two machines) on one database
//! see one queue; the data folder's own SQLite file is left alone; the
//! password never shows.
//!
//! Needs the test cluster of `scripts/with-postgres.sh`
//! (`GENQUEUE_TEST_DATABASE_URL`; without it the test says it was skipped,
//! under CI it fails) and the keyring of `scripts/with-keyring.sh`.

mod common;

use common::{Env, SCHNELL, keyring_tests_enabled, text};
use genqueue_testkit::fresh_database;
use serde_json::Value;

/// The password of a `postgres://user:password@…` URL.
fn password_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let userinfo = rest.split_once('@').unwrap().0;
    userinfo.split_once(':').unwrap().1.to_owned()
}

fn ids(rows: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn two_data_folders_on_one_database_share_one_queue_and_the_password_never_shows() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_cli") else {
        return;
    };
    let password = password_of(&url);
    let mut seen = String::new();

    // Machine A: tokens and work on the team's database; its engine runs them.
    let mut a = Env::start(2).await;
    a.database_url = Some(url.clone());
    a.add_tokens(1).await;
    let out = a
        .genq(
            &[
                "submit",
                "-m",
                SCHNELL,
                "-p",
                "a shared lighthouse",
                "-n",
                "2",
                "--wait",
            ],
            None,
        )
        .await;
    seen += &(text(&out.stdout) + &text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let on_a = a.ls().await;
    assert_eq!(on_a.len(), 2);
    assert!(on_a.iter().all(|g| g["status"] == "completed"), "{on_a:?}");
    // The images are in A's data folder, the rows are not in its SQLite file.
    assert!(a.data_dir().join("outputs").is_dir());
    assert!(
        !a.data_dir().join("genqueue.db").exists(),
        "the data folder's own store is not used"
    );

    // Machine B: another data folder, the same database: the same queue.
    let mut b = Env::start(0).await;
    b.database_url = Some(url.clone());
    let on_b = b.ls().await;
    assert_eq!(ids(&on_b), ids(&on_a), "B sees A's generations");
    let tokens = b.ok(&["tokens", "list", "--json"]).await;
    seen += &tokens;
    let tokens: Value = serde_json::from_str(&tokens).unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 2, "and the token pool");
    // The same folder without the database: its own, empty queue.
    b.database_url = None;
    assert!(b.ls().await.is_empty());

    // A wrong password: refused, the database named without any password.
    let (base, db) = url.rsplit_once('/').unwrap();
    let wrong = base.replace(&password, "not-the-password-4711");
    b.database_url = Some(format!("{wrong}/{db}"));
    let out = b.genq(&["ls"], None).await;
    let err = text(&out.stderr);
    seen += &(text(&out.stdout) + &err);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("postgres://genqueue@127.0.0.1:"), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("not-the-password-4711"), "{err}");

    // --help with the variable set does not print its value.
    b.database_url = Some(url.clone());
    let help = b.ok(&["--help"]).await;
    assert!(help.contains("--database-url"), "{help}");
    seen += &help;

    assert!(
        !seen.contains(&password),
        "the password appeared in genq's output"
    );
}

/// A data folder the desktop app joined to a team database (Settings → Team
/// queue: `team.json` without the password, the password in the keyring):
/// `genq` on that folder works on the team database too, and records its
/// submits under the member name chosen when joining.
#[tokio::test(flavor = "multi_thread")]
async fn genq_on_a_folder_the_app_joined_uses_the_team_database_and_its_member_name() {
    if !keyring_tests_enabled() {
        return;
    }
    let Some(url) = fresh_database("genqueue_cli_joined") else {
        return;
    };
    let password = password_of(&url);
    let without = url.replacen(&format!(":{password}@"), "@", 1);
    let a = Env::start(1).await;
    genqueue_core::team::TeamSetting::new(&without, "Ada L.")
        .unwrap()
        .save(a.data_dir())
        .unwrap();
    let keyring =
        genqueue_core::secrets::KeyringSecretStore::new(genqueue_core::paths::APP_IDENTIFIER);
    genqueue_core::team::password::save(
        &keyring,
        genqueue_core::team::password::parse(&password)
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    a.add_tokens(1).await;
    let out = a
        .genq(
            &["submit", "-m", SCHNELL, "-p", "joined by the app", "--wait"],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = a.ls().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["creator"]["member"], "Ada L.", "{:?}", rows[0]);
    assert!(
        !a.data_dir().join("genqueue.db").exists(),
        "the folder's own SQLite store is not used"
    );
    // The row is in the team database.
    let other = genqueue_core::store::PgStore::open(&url).unwrap();
    use genqueue_core::store::QueueStore;
    let id: genqueue_core::model::GenerationId =
        serde_json::from_value(rows[0]["id"].clone()).unwrap();
    assert!(other.get_generation(id).unwrap().is_some());
    genqueue_core::team::password::save(&keyring, None).unwrap();
}
