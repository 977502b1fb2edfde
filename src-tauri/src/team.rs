//! Which queue the app opens: the data folder's own SQLite file, or a
//! team's PostgreSQL database (issue #15). The choice is made before any
//! store is opened, by `genqueue_core::team::choose`:
//! `GENQUEUE_DATABASE_URL`, else the folder's `team.json` with the
//! keyring's password, else the folder's own queue. Join and Leave
//! (Settings → Team queue, `commands::team`) restart the queue and engine
//! inside the app on the other store, as the offline demo does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use genqueue_core::paths::APP_IDENTIFIER;
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::{KeyringSecretStore, SecretStore};
use genqueue_core::team::{self, TeamDatabase};

use crate::error::{CommandError, CommandResult};
use crate::state::Backend;

/// The OS keyring under the app's service: token secrets and the team
/// database's password. (The demo's queue keeps its fake tokens in memory;
/// the team's password is always the keyring's.)
pub fn app_secrets() -> Arc<dyn SecretStore> {
    Arc::new(KeyringSecretStore::new(APP_IDENTIFIER))
}

/// The queue on `team`'s database, with outputs, kept inputs and the engine
/// lock in `data_dir`. Errors: the folder cannot be made; the database's
/// (named without its password: unreachable, refused, schema too new).
pub fn open_queue(
    data_dir: &Path,
    team: &TeamDatabase,
    api_base: &str,
    secrets: Arc<dyn SecretStore>,
) -> CommandResult<Queue> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        CommandError::new(
            genqueue_core::error_code::ErrorCode::Io,
            format!("cannot create the data folder {}: {e}", data_dir.display()),
        )
    })?;
    let store = team.open()?;
    let client = ReplicateClient::new(api_base)
        .map_err(|e| CommandError::from(genqueue_core::queue::QueueError::from(e)))?;
    Ok(
        Queue::on_store(data_dir.to_owned(), Arc::new(store), client, secrets)
            .with_creator(team.creator()),
    )
}

/// The backend at start. When the team database cannot be opened (down,
/// unreachable, the password gone from the keyring…), the app opens the
/// folder's own queue instead, logs why, and Settings → Team queue shows it:
/// the window still opens.
pub fn start_backend(data_dir: PathBuf, api_base: String) -> CommandResult<Backend> {
    let secrets = app_secrets();
    let env = team::env_url();
    let chosen = team::choose(&data_dir, env.as_deref(), secrets.as_ref());
    let why = match chosen {
        Ok(None) => return Backend::start(data_dir, api_base, secrets, None, None),
        Ok(Some(t)) => {
            let shown = t.shown();
            tracing::info!(database = %shown, from_env = t.from_env, "opening the team database");
            match Backend::start(
                data_dir.clone(),
                api_base.clone(),
                secrets.clone(),
                None,
                Some(t),
            ) {
                Ok(b) => return Ok(b),
                Err(e) => e.to_string(),
            }
        }
        Err(e) => e.to_string(),
    };
    tracing::error!(error = %why, "cannot open the team database; opening this machine's own queue");
    let mut b = Backend::start(data_dir, api_base, secrets, None, None)?;
    b.team_error = Some(why);
    Ok(b)
}

#[cfg(test)]
mod tests {
    //! The start path on a real keyring (scripts/with-keyring.sh) and a real
    //! PostgreSQL (scripts/with-postgres.sh):
    //! `CI=1 scripts/with-postgres.sh scripts/with-keyring.sh cargo test -p genqueue-app --lib team`.

    use genqueue_core::store::QueueStore;
    use genqueue_core::team::{TeamSetting, password};

    use super::*;

    /// `postgres://user:pw@host:port/db` → (`postgres://user@host:port/db`, `pw`).
    fn split_password(url: &str) -> (String, String) {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (auth, host) = rest.split_once('@').unwrap();
        let (user, pw) = auth.split_once(':').unwrap();
        (format!("{scheme}://{user}@{host}"), pw.to_owned())
    }

    #[test]
    fn the_folders_setting_and_the_keyrings_password_open_the_queue_on_the_team_database() {
        if std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() != Ok("1") {
            eprintln!("SKIPPED: run inside scripts/with-keyring.sh");
            return;
        }
        let Some(full) = genqueue_testkit::fresh_database("genqueue_app_start") else {
            return;
        };
        let (url, pw) = split_password(&full);
        let dir = tempfile::tempdir().unwrap();
        TeamSetting::new(&url, "Alice")
            .unwrap()
            .save(dir.path())
            .unwrap();
        let secrets = app_secrets();
        password::save(secrets.as_ref(), password::parse(&pw).unwrap().as_ref()).unwrap();

        let b = start_backend(dir.path().to_owned(), "http://127.0.0.1:9/v1".into()).unwrap();
        assert!(b.team_error.is_none(), "{:?}", b.team_error);
        let team = b.team.as_ref().expect("on the team database");
        assert_eq!(team.member, "Alice");
        assert!(b.engine.is_some(), "the app's engine drives the team queue");
        let g = b
            .queue
            .submit(genqueue_core::model::NewGeneration {
                creator: Default::default(),
                model: "black-forest-labs/flux-schnell".parse().unwrap(),
                prompt: "seen by every member".into(),
                input: serde_json::json!({"prompt": "seen by every member"}),
                priority: 0,
                batch_id: None,
                retried_from: None,
                deadlines: Default::default(),
            })
            .unwrap();
        // Another engine on the database (genq --database-url) sees it.
        let other = genqueue_core::store::PgStore::open(&full).unwrap();
        assert_eq!(
            other.get_generation(g.id).unwrap().unwrap().prompt,
            "seen by every member"
        );
        assert!(!dir.path().join(genqueue_core::paths::DB_FILE).exists());

        let Backend { engine, .. } = b;
        if let Some(e) = engine {
            tauri::async_runtime::block_on(e.shutdown());
        }
        password::save(secrets.as_ref(), None).unwrap();
    }

    #[test]
    fn an_unreachable_team_database_opens_the_folders_own_queue_and_says_why() {
        if std::env::var("GENQUEUE_KEYRING_TESTS").as_deref() != Ok("1") {
            eprintln!("SKIPPED: run inside scripts/with-keyring.sh");
            return;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("postgres://alice@127.0.0.1:{port}/team");
        TeamSetting::new(&url, "Alice")
            .unwrap()
            .save(dir.path())
            .unwrap();
        let b = start_backend(dir.path().to_owned(), "http://127.0.0.1:9/v1".into()).unwrap();
        assert!(b.team.is_none(), "fell back to the folder's own queue");
        let why = b.team_error.clone().expect("says why");
        assert!(why.contains(&url), "{why}");
        assert!(dir.path().join(genqueue_core::paths::DB_FILE).exists());
        let Backend { engine, .. } = b;
        if let Some(e) = engine {
            tauri::async_runtime::block_on(e.shutdown());
        }
    }
}
