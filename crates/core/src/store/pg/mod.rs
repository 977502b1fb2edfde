//! The PostgreSQL store: a team's queue shared by several engines (issue #15).
//!
//! [`PgStore`] implements [`QueueStore`](super::QueueStore) with the same
//! meaning as SQLite's [`Store`](super::Store) for each method. Driver:
//! `tokio-postgres` with a `deadpool-postgres` pool; TLS by rustls with the
//! system's root certificates (`sslmode` from the URL; the default `prefer`
//! uses TLS when the server offers it, so hosted databases work).
//!
//! The trait is synchronous (the engine calls it as it calls SQLite); the
//! driver is async. Each [`PgStore`] owns a small tokio runtime of its own
//! (two worker threads, named `genqueue-pg`) that runs the driver and the
//! pool; a method spawns its query there and waits for the answer on a
//! channel. So a call never starts or blocks on a runtime inside the caller's
//! runtime (no nested `block_on` panic, no deadlock on a current-thread
//! runtime); like a SQLite call, it occupies the calling thread for one
//! round trip.
//!
//! Schema: the numbered files in `migrations/postgres/`, applied in order on
//! open, all in one transaction holding an advisory lock (several engines
//! may start at once); the version is the `genqueue_schema` table's.
//!
//! TLS: whenever TLS is used (`sslmode=prefer`, the default, when the server
//! offers it; `require`), rustls checks the server's certificate chain and
//! name against the system's roots, so a self-signed server certificate is
//! refused rather than silently trusted.
//!
//! The password is never shown: errors and `Debug` name the database as
//! `postgres://user@host:port/dbname`.

use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::config::Host;

use super::StoreError;

pub use pages::ts_query;

mod claim;
mod lease;
mod order;
mod pages;
mod queue_store;
mod reads;
mod rows;
mod spend;
mod spend_totals;
mod step;
mod uploads;

/// The migrations, in order; migration N brings the schema to version N.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../../../migrations/postgres/0002_deadlines.sql"),
    include_str!("../../../../../migrations/postgres/0003_inputs.sql"),
    include_str!("../../../../../migrations/postgres/0004_spend.sql"),
    include_str!("../../../../../migrations/postgres/0005_token_accounts.sql"),
    include_str!("../../../../../migrations/postgres/0006_leases.sql"),
    include_str!("../../../../../migrations/postgres/0007_given_up_predictions.sql"),
    include_str!("../../../../../migrations/postgres/0010_creators.sql"),
];

/// The schema version this build writes.
pub const PG_SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Environment variable naming a team's PostgreSQL database
/// (`postgres://user:password@host:port/dbname`): `genq` and the app then
/// keep their queue there instead of the data folder's SQLite file.
pub const DATABASE_URL_ENV: &str = "GENQUEUE_DATABASE_URL";

/// Connections the pool keeps at most.
const POOL_SIZE: usize = 8;

/// A queue in a PostgreSQL database. Clone it freely: clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// Runs the driver; `None` only while dropping.
    rt: Option<tokio::runtime::Runtime>,
    /// The database as errors show it: no password.
    shown: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A runtime may not be dropped (blocking) inside another runtime's
        // task, where the last clone of a store may well be dropped.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.inner.shown)
            .finish()
    }
}

/// `url` as it may be shown: `postgres://user@host:port/dbname`, never the
/// password. A URL that does not parse shows as `postgres://(unreadable address)`.
pub fn redacted_url(url: &str) -> String {
    match tokio_postgres::Config::from_str(url) {
        Ok(c) => shown(&c),
        Err(_) => "postgres://(unreadable address)".to_owned(),
    }
}

fn shown(c: &tokio_postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// rustls with the system's root certificates (Debian's `ca-certificates`).
pub(crate) fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The error for a driver error, without the database's name (added by [`PgStore::run`]).
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    let reason = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(&e) {
            Some(inner) => format!("{e}: {inner}"),
            None => e.to_string(),
        },
    };
    StoreError::Postgres {
        target: String::new(),
        reason,
    }
}

pub(crate) fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_err(e),
        other => StoreError::Postgres {
            target: String::new(),
            reason: other.to_string(),
        },
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`,
    /// or libpq's `key=value` form) and migrates it to [`PG_SCHEMA_VERSION`].
    ///
    /// Errors: [`StoreError::CannotOpen`] (bad URL, unreachable, refused login;
    /// named without the password), [`StoreError::TooNew`] (a newer Genqueue
    /// migrated it), [`StoreError::Migration`].
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        Self::open_with(url, None)
    }

    /// [`PgStore::open`] with the password given apart from the URL (the
    /// desktop app keeps it in the OS keyring, `crate::team::password`); a
    /// given password replaces one in the URL.
    pub fn open_with(
        url: &str,
        password: Option<&crate::secrets::Secret>,
    ) -> Result<PgStore, StoreError> {
        let cannot = |shown: &str, reason: String| StoreError::CannotOpen {
            path: PathBuf::from(shown),
            reason,
        };
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            cannot(
                "postgres://(unreadable address)",
                format!("not a PostgreSQL address: {e}"),
            )
        })?;
        let mut config = config;
        if let Some(p) = password {
            config.password(p.expose());
        }
        // A host that does not answer fails in 10 s, not the OS's minutes
        // (the app falls back to its own queue at start); the URL's
        // `connect_timeout` wins.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let shown = shown(&config);
        let tls = tls().map_err(|e| cannot(&shown, format!("cannot set up TLS: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("genqueue-pg")
            .enable_all()
            .build()
            .map_err(|e| cannot(&shown, format!("cannot start its runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| cannot(&shown, e.to_string()))?;
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                rt: Some(rt),
                shown: shown.clone(),
            }),
        };
        store
            .run(|pool| async move {
                let mut client = pool.get().await.map_err(pool_err)?;
                migrate(&mut client).await
            })
            .map_err(|e| match e {
                StoreError::Postgres { reason, .. } => cannot(&shown, reason),
                StoreError::Migration { reason, .. } => StoreError::Migration {
                    path: PathBuf::from(&shown),
                    reason,
                },
                StoreError::TooNew {
                    found, supported, ..
                } => StoreError::TooNew {
                    path: PathBuf::from(&shown),
                    found,
                    supported,
                },
                other => other,
            })?;
        Ok(store)
    }

    /// The database as it may be shown (no password).
    pub fn shown(&self) -> &str {
        &self.inner.shown
    }

    /// Runs `f(pool)` on the store's runtime and waits for its answer (see the module doc).
    pub(crate) fn run<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let stopped = || StoreError::Postgres {
            target: self.inner.shown.clone(),
            reason: "the store's connection task stopped".into(),
        };
        let rt = self.inner.rt.as_ref().ok_or_else(stopped)?;
        let fut = f(self.inner.pool.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        let answer = rx.recv().map_err(|_| stopped())?;
        answer.map_err(|e| match e {
            StoreError::Postgres { reason, .. } => StoreError::Postgres {
                target: self.inner.shown.clone(),
                reason,
            },
            other => other,
        })
    }
}

/// Applies the migrations not yet applied, in one transaction holding an
/// advisory lock, so that engines starting together migrate once.
async fn migrate(client: &mut deadpool_postgres::Object) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    // Any fixed number names the lock: "genqueue" in ASCII.
    tx.execute("SELECT pg_advisory_xact_lock(7452728853394163045)", &[])
        .await
        .map_err(pg_err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS genqueue_schema (
             id integer NOT NULL PRIMARY KEY CHECK (id = 1),
             version integer NOT NULL);
         INSERT INTO genqueue_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;",
    )
    .await
    .map_err(pg_err)?;
    let found: i32 = tx
        .query_one("SELECT version FROM genqueue_schema WHERE id = 1", &[])
        .await
        .map_err(pg_err)?
        .get(0);
    if found as i64 > PG_SCHEMA_VERSION as i64 {
        return Err(StoreError::TooNew {
            path: PathBuf::new(),
            found: found.into(),
            supported: PG_SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::Migration {
                path: PathBuf::new(),
                reason: format!("migration {}: {}", i + 1, reason_of(pg_err(e))),
            })?;
        tx.execute(
            "UPDATE genqueue_schema SET version = $1 WHERE id = 1",
            &[&((i + 1) as i32)],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)
}

fn reason_of(e: StoreError) -> String {
    match e {
        StoreError::Postgres { reason, .. } => reason,
        other => other.to_string(),
    }
}
