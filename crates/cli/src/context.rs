//! Opening the queue the way every command does: the data folder's, or a
//! team's in PostgreSQL (`--database-url`).

use std::path::PathBuf;
use std::sync::Arc;

use genqueue_core::paths::{APP_IDENTIFIER, default_data_dir};
use genqueue_core::queue::Queue;
use genqueue_core::secrets::{KeyringSecretStore, SecretStore};

use crate::args::{Cli, DatabaseUrl};
use crate::exit::{CliError, CliResult};

/// Where the queue lives and which Replicate it talks to.
#[derive(Debug, Clone)]
pub struct Context {
    /// `--data-dir`, `$GENQUEUE_DATA_DIR`, or the desktop app's folder.
    pub data_dir: PathBuf,
    /// `--api-base`, `$REPLICATE_API_BASE`, or Replicate's.
    pub api_base: String,
    /// `--database-url` or `$GENQUEUE_DATABASE_URL`: a team's queue in
    /// PostgreSQL; `None`: the data folder's SQLite file.
    pub database_url: Option<DatabaseUrl>,
}

impl Context {
    /// The context from the global options.
    pub fn from_cli(cli: &Cli) -> Context {
        Context {
            data_dir: cli.data_dir.clone().unwrap_or_else(default_data_dir),
            api_base: cli.api_base.clone(),
            database_url: cli.database_url.clone().filter(|u| !u.0.trim().is_empty()),
        }
    }

    /// Opens the queue with token secrets in the OS keyring (service
    /// [`APP_IDENTIFIER`], as the desktop app does).
    pub fn open(&self) -> CliResult<Queue> {
        let secrets: Arc<dyn SecretStore> = Arc::new(KeyringSecretStore::new(APP_IDENTIFIER));
        self.open_with(secrets)
    }

    /// Opens the queue with another secret store (the demo's in-memory one).
    ///
    /// The database: `--database-url` / `$GENQUEUE_DATABASE_URL`, else the
    /// team database the desktop app joined for this data folder
    /// (`team.json`, password from the keyring, generations recorded under
    /// its member name: `genqueue_core::team::choose`), else the folder's
    /// SQLite file.
    pub fn open_with(&self, secrets: Arc<dyn SecretStore>) -> CliResult<Queue> {
        let database = self.database_url.as_ref().map(|u| u.0.as_str());
        if database.is_none() {
            let joined = genqueue_core::team::choose(&self.data_dir, None, secrets.as_ref())
                .map_err(|e| match e {
                    genqueue_core::team::ChooseError::Secret(s) => CliError::from(s),
                    other => CliError::invalid(other.to_string()),
                })?;
            if let Some(team) = joined {
                let store = team.open()?;
                let client = genqueue_core::replicate::ReplicateClient::new(&self.api_base)
                    .map_err(|a| {
                        CliError::invalid(format!("invalid --api-base {:?}: {a}", self.api_base))
                    })?;
                return Ok(Queue::on_store(
                    self.data_dir.clone(),
                    Arc::new(store),
                    client,
                    secrets,
                )
                .with_creator(team.creator()));
            }
        }
        Queue::open_on(&self.data_dir, database, &self.api_base, secrets).map_err(|e| match e {
            genqueue_core::queue::QueueError::Api(a) => {
                CliError::invalid(format!("invalid --api-base {:?}: {a}", self.api_base))
            }
            other => other.into(),
        })
    }
}
