//! Joining a team database (issue #15, "Switch"): the data folder's setting
//! names the database without its password, the password goes to the
//! keyring (the real Secret Service inside scripts/with-keyring.sh), and
//! "Test connection" names each problem without echoing the password.
//! PostgreSQL: scripts/with-postgres.sh (skipped without it, failing under CI).
//!
//! ```sh
//! CI=1 scripts/with-postgres.sh scripts/with-keyring.sh cargo test -p genqueue-tests --test team_switch
//! ```

use std::sync::Arc;

use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::team::{self, CheckOutcome, TeamSetting, check_connection, password};
use genqueue_testkit::{fresh_database, psql, secret_store};

/// `postgres://user:password@host:port/db` → (`postgres://user@host:port/db`, password).
fn split_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (auth, host) = rest.split_once('@').expect("a user");
    let (user, pw) = auth.split_once(':').expect("a password");
    (format!("{scheme}://{user}@{host}"), pw.to_owned())
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_keeps_the_password_in_the_keyring_and_opens_the_queue_on_the_team_database() {
    let Some(full) = fresh_database("genqueue_join") else {
        return;
    };
    let (url, pw) = split_password(&full);
    let secrets = secret_store();
    let dir = tempfile::tempdir().unwrap();

    // Test connection on an empty database: ready, no tables yet.
    let p = password::parse(&pw).unwrap();
    let check = check_connection(&url, p.as_ref()).await;
    assert!(
        matches!(check.outcome, CheckOutcome::Ready { schema: 0, .. }),
        "{check:?}"
    );
    assert!(
        check.message.contains("no Genqueue tables yet"),
        "{}",
        check.message
    );

    // Join: the setting in the folder, the password in the keyring.
    let setting = TeamSetting::new(&url, "Alice").unwrap();
    setting.save(dir.path()).unwrap();
    password::save(secrets.as_ref(), p.as_ref()).unwrap();
    let file = std::fs::read_to_string(dir.path().join(genqueue_core::paths::TEAM_FILE)).unwrap();
    assert!(file.contains(&url) && file.contains("Alice"), "{file}");
    assert!(!file.contains(&pw), "the setting holds the password");

    // The next start: the folder's setting, the keyring's password.
    let chosen = team::choose(dir.path(), None, secrets.as_ref())
        .unwrap()
        .expect("the team database is chosen");
    assert_eq!(chosen.member, "Alice");
    assert!(!chosen.from_env);
    assert!(
        !format!("{chosen:?}").contains(&pw),
        "Debug shows the password"
    );
    let store = chosen.open().expect("the team database opens");
    let queue = Queue::on_store(
        dir.path().to_owned(),
        Arc::new(store),
        ReplicateClient::new("http://127.0.0.1:9/v1").unwrap(),
        secrets.clone(),
    );
    let g = queue
        .submit(genqueue_core::model::NewGeneration {
            creator: Default::default(),
            model: "black-forest-labs/flux-schnell".parse().unwrap(),
            prompt: "a fox in the team queue".into(),
            input: serde_json::json!({"prompt": "a fox in the team queue"}),
            priority: 0,
            batch_id: None,
            retried_from: None,
            deadlines: Default::default(),
        })
        .expect("submit on the team database");
    assert_eq!(queue.get(g.id).unwrap().prompt, "a fox in the team queue");
    assert!(
        !dir.path().join(genqueue_core::paths::DB_FILE).exists(),
        "the folder's SQLite store was opened"
    );

    // After joining the schema is this build's, and the password is nowhere in the database.
    let check = check_connection(&url, p.as_ref()).await;
    let supported = genqueue_core::store::pg::PG_SCHEMA_VERSION as u32;
    assert_eq!(
        check.outcome,
        CheckOutcome::Ready {
            schema: supported,
            supported
        }
    );
    let dump = std::process::Command::new("pg_dump")
        .args(["--data-only", &full])
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dump.contains("a fox in the team queue"),
        "the dump has the data"
    );
    assert!(!dump.contains(&pw), "the password is in the database");

    // GENQUEUE_DATABASE_URL wins over the setting.
    let env = team::choose(dir.path(), Some(&full), secrets.as_ref())
        .unwrap()
        .unwrap();
    assert!(env.from_env);
    assert_eq!(env.url, full);

    // Leave: no setting, no password; the folder's own queue again.
    TeamSetting::remove(dir.path()).unwrap();
    password::save(secrets.as_ref(), None).unwrap();
    assert!(
        team::choose(dir.path(), None, secrets.as_ref())
            .unwrap()
            .is_none()
    );
    assert_eq!(secrets.get_named(password::PASSWORD_ACCOUNT).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_says_what_is_wrong_and_never_echoes_the_password() {
    let Some(full) = fresh_database("genqueue_check") else {
        return;
    };
    let (url, pw) = split_password(&full);
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let no_echo = |c: &team::ConnectionCheck| {
        let json = serde_json::to_string(c).unwrap();
        assert!(
            !json.contains(&pw) && !json.contains(&wrong),
            "echoed: {json}"
        );
    };

    let c = check_connection(&url, password::parse(&wrong).unwrap().as_ref()).await;
    assert_eq!(c.outcome, CheckOutcome::BadPassword, "{c:?}");
    assert!(c.message.contains("refused the password"));
    no_echo(&c);

    let c = check_connection(&url, None).await;
    assert_eq!(c.outcome, CheckOutcome::PasswordNeeded, "{c:?}");
    no_echo(&c);

    let p = password::parse(&pw).unwrap();
    let base = url.rsplit_once('/').unwrap().0;
    let c = check_connection(&format!("{base}/no_such_db_here"), p.as_ref()).await;
    assert_eq!(c.outcome, CheckOutcome::NoDatabase, "{c:?}");
    no_echo(&c);

    // The throw-away cluster has no TLS: requiring it is refused as TLS.
    let c = check_connection(&format!("{url}?sslmode=require"), p.as_ref()).await;
    match &c.outcome {
        CheckOutcome::Tls { reason } => {
            assert!(reason.contains("does not support TLS"), "{reason}")
        }
        other => panic!("not a TLS problem: {other:?}"),
    }
    no_echo(&c);

    let port = closed_port();
    let c = check_connection(
        &format!("postgres://genqueue@127.0.0.1:{port}/x"),
        p.as_ref(),
    )
    .await;
    assert!(
        matches!(c.outcome, CheckOutcome::Unreachable { .. }),
        "{c:?}"
    );
    assert!(c.message.contains("cannot be reached"), "{}", c.message);
    no_echo(&c);

    let c = check_connection("http://nowhere", p.as_ref()).await;
    assert!(
        matches!(c.outcome, CheckOutcome::BadAddress { .. }),
        "{c:?}"
    );

    // A database a newer Genqueue migrated: named with both versions.
    psql(
        &full,
        "CREATE TABLE genqueue_schema (id integer PRIMARY KEY, version integer NOT NULL);
         INSERT INTO genqueue_schema VALUES (1, 999);",
    );
    let c = check_connection(&url, p.as_ref()).await;
    let supported = genqueue_core::store::pg::PG_SCHEMA_VERSION as u32;
    assert_eq!(
        c.outcome,
        CheckOutcome::TooNew {
            found: 999,
            supported
        }
    );
    assert!(c.message.contains("999") && c.message.contains("newer Genqueue"));
    no_echo(&c);
}
