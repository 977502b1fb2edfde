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
//! round trip. On a multi-thread runtime (the engine's) the wait is a
//! `block_in_place`, so the worker's other tasks move on meanwhile.
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
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use super::StoreError;

use address::shown;
pub(crate) use address::tls;
pub use address::{parse_url, redacted_url};

pub use import::ImportReport;

mod address;
mod claim;
mod import;
mod lease;
mod listen;
mod members;
mod order;
mod outputs;
mod pages;
mod pool_hash;
mod queue_store;
mod reads;
mod rows;
mod search;
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
    include_str!("../../../../../migrations/postgres/0008_notify.sql"),
    include_str!("../../../../../migrations/postgres/0009_creators.sql"),
    include_str!("../../../../../migrations/postgres/0010_search_tokens.sql"),
    include_str!("../../../../../migrations/postgres/0011_output_files.sql"),
    include_str!("../../../../../migrations/postgres/0012_token_pool_hash.sql"),
    include_str!("../../../../../migrations/postgres/0013_member_counters.sql"),
];

/// The schema version this build writes.
pub const PG_SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Environment variable naming a team's PostgreSQL database
/// (`postgres://user:password@host:port/dbname`): `genq` and the app then
/// keep their queue there instead of the data folder's SQLite file.
pub const DATABASE_URL_ENV: &str = "GENQUEUE_DATABASE_URL";

/// Connections the pool keeps at most.
const POOL_SIZE: usize = 8;

/// Set on each new connection: an engine that stops inside one of its
/// transactions (killed half-way, `SIGSTOP`, a laptop closed) would hold
/// its row locks for as long as it sleeps, and every other engine would
/// wait on them. The server ends such a session after 10 s idle in its
/// transaction (rolled back: none of its writes is kept), and a statement
/// waiting more than 5 s for a lock fails instead of waiting for ever (the
/// engine tries again later). The store's own transactions take
/// milliseconds.
const SESSION_TIMEOUTS: &str =
    "SET idle_in_transaction_session_timeout = '10s'; SET lock_timeout = '5s'";

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
    /// The `application_name` of this store's connections (listen.rs).
    origin: String,
    /// News of other engines' writes, from the `LISTEN` connection (listen.rs).
    news: tokio::sync::broadcast::Sender<super::StoreNews>,
    /// Store calls made (each one round trip or more): see [`PgStore::calls`].
    calls: std::sync::atomic::AtomicU64,
    /// The schema version a newer Genqueue migrated the database to while
    /// this store was open (0: none). Set by the `LISTEN` connection
    /// (listen.rs); from then on every call is refused with
    /// [`StoreError::TooNew`] without reaching the database.
    too_new: Arc<std::sync::atomic::AtomicI64>,
    /// How long each claim took, µs, from the call to its answer (pool,
    /// round trips, locks): see [`PgStore::claim_times_us`].
    claim_times: std::sync::Mutex<Vec<u32>>,
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

/// The error for a driver error, without the database's name (added by
/// [`PgStore::run`]): [`StoreError::Unreachable`] when the database cannot be
/// reached (see [`unreachable`]), else [`StoreError::Postgres`].
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        // PostgreSQL's text and jsonb cannot hold U+0000 (SQLite's can):
        // 22021 "invalid byte sequence … 0x00", 22P05 "unsupported Unicode
        // escape sequence" (\u0000 in jsonb). Nothing was written.
        let code = db.code().code();
        if code == "22P05" || (code == "22021" && db.message().contains("0x00")) {
            return StoreError::Invalid(
                "the team database cannot store the character U+0000 (NUL): \
                 remove it from the prompt or the input"
                    .into(),
            );
        }
    }
    let down = unreachable(&e);
    let reason = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(&e) {
            Some(inner) => format!("{e}: {inner}"),
            None => e.to_string(),
        },
    };
    match down {
        true => StoreError::Unreachable {
            target: String::new(),
            reason,
        },
        false => StoreError::Postgres {
            target: String::new(),
            reason,
        },
    }
}

/// Whether `e` says the database cannot be reached rather than refusing a
/// statement: no connection (refused, closed, broken, timed out: the
/// driver's own errors, named by its messages) or the server's SQLSTATE
/// class 08 (connection exception) and 57P01-57P03 (shutting down, crashed,
/// starting up; PostgreSQL's appendix A).
fn unreachable(e: &tokio_postgres::Error) -> bool {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    let text = e.to_string();
    e.is_closed()
        || [
            "error connecting to server",
            "error communicating with the server",
            "timeout waiting for server",
            "connection closed",
        ]
        .iter()
        .any(|m| text.starts_with(m))
}

pub(crate) fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg_err(e),
        deadpool_postgres::PoolError::Timeout(t) => StoreError::Unreachable {
            target: String::new(),
            reason: format!("no connection within the time limit ({t:?})"),
        },
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
        let mut config = parse_url(url).map_err(|e| {
            cannot(
                "postgres://(unreadable address)",
                format!("not a PostgreSQL address: {e}"),
            )
        })?;
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
        // Each store names its connections, so that the `LISTEN` connection
        // knows this store's own writes (listen.rs).
        let origin = listen::origin();
        config.application_name(origin.clone());
        let tls = tls().map_err(|e| cannot(&shown, format!("cannot set up TLS: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("genqueue-pg")
            .enable_all()
            .build()
            .map_err(|e| cannot(&shown, format!("cannot start its runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .post_create(deadpool_postgres::Hook::async_fn(|client, _| {
                Box::pin(async move {
                    client
                        .batch_execute(SESSION_TIMEOUTS)
                        .await
                        .map_err(deadpool_postgres::HookError::Backend)
                })
            }))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| cannot(&shown, e.to_string()))?;
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                rt: Some(rt),
                shown: shown.clone(),
                origin: origin.clone(),
                news: tokio::sync::broadcast::channel(listen::NEWS_CAPACITY).0,
                calls: Default::default(),
                too_new: Default::default(),
                claim_times: Default::default(),
            }),
        };
        store
            .run(|pool| async move {
                let mut client = pool.get().await.map_err(pool_err)?;
                migrate(&mut client).await?;
                search::fill_missing(&client).await
            })
            .map_err(|e| match e {
                StoreError::Postgres { reason, .. } | StoreError::Unreachable { reason, .. } => {
                    cannot(&shown, reason)
                }
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
        store.start_listening(config, tls, origin)?;
        Ok(store)
    }

    /// Starts the `LISTEN` connection (listen.rs) and waits until it listens,
    /// so that no write committed after `open` returns goes untold.
    fn start_listening(
        &self,
        config: tokio_postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
        origin: String,
    ) -> Result<(), StoreError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let news = self.inner.news.clone();
        let rt = self.inner.rt.as_ref().expect("the runtime runs until drop");
        rt.spawn(listen::listen_loop(
            config,
            tls,
            origin,
            self.inner.shown.clone(),
            listen::Outputs {
                news,
                too_new: self.inner.too_new.clone(),
            },
            tx,
        ));
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::CannotOpen {
                path: PathBuf::from(&self.inner.shown),
                reason: format!("cannot listen for other engines' changes: {reason}"),
            }),
            Err(_) => Err(StoreError::CannotOpen {
                path: PathBuf::from(&self.inner.shown),
                reason: "its listening task stopped".into(),
            }),
        }
    }

    /// The `application_name` this store's connections carry ("genqueue "
    /// and 16 hex digits, its own): how its own writes are told apart.
    pub fn application_name(&self) -> &str {
        &self.inner.origin
    }

    /// News of other engines' writes and of the connection (see [`super::StoreNews`]).
    pub fn subscribe_news(&self) -> tokio::sync::broadcast::Receiver<super::StoreNews> {
        self.inner.news.subscribe()
    }

    /// How many store calls this store (and its clones) made since it opened:
    /// each is at least one round trip to the database. The `LISTEN`
    /// connection's waiting is not a call. Tests use it to prove an idle
    /// engine leaves the database alone.
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How long each of this store's claims took (`claim_token`: from the
    /// call to its answer, pool and locks included), µs, in call order;
    /// the first 1,000,000 are kept. Benchmark scenario 9 (claims with
    /// several engines) reads them.
    pub fn claim_times_us(&self) -> Vec<u32> {
        self.inner.claim_times.lock().unwrap().clone()
    }

    /// Notes one claim's duration (see [`PgStore::claim_times_us`]).
    pub(super) fn note_claim(&self, took: std::time::Duration) {
        let mut t = self.inner.claim_times.lock().unwrap();
        if t.len() < 1_000_000 {
            t.push(took.as_micros().min(u32::MAX as u128) as u32);
        }
    }

    /// Sets the schema version the database records (tests of a database
    /// migrated by another Genqueue).
    #[cfg(test)]
    pub(crate) fn set_schema_version_for_tests(&self, version: i32) {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(pool_err)?;
            client
                .execute("UPDATE genqueue_schema SET version = $1", &[&version])
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .unwrap();
    }

    /// Does what a newer Genqueue's migration does to this database: sets
    /// the schema version and notifies it at commit, as `migrate` does
    /// (tests of an engine left behind while it runs).
    #[doc(hidden)]
    pub fn migrate_as_newer_for_tests(&self, version: i32) -> Result<(), StoreError> {
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(pool_err)?;
            let tx = client.transaction().await.map_err(pg_err)?;
            tx.execute("UPDATE genqueue_schema SET version = $1", &[&version])
                .await
                .map_err(pg_err)?;
            tx.execute(
                "SELECT pg_notify($1, $2)",
                &[&listen::SCHEMA_CHANNEL, &version.to_string()],
            )
            .await
            .map_err(pg_err)?;
            tx.commit().await.map_err(pg_err)
        })
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
        let found = self
            .inner
            .too_new
            .load(std::sync::atomic::Ordering::Relaxed);
        if found > 0 {
            return Err(StoreError::TooNew {
                path: PathBuf::from(&self.inner.shown),
                found,
                supported: PG_SCHEMA_VERSION,
            });
        }
        self.inner
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fut = f(self.inner.pool.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        // Called from the engine's tasks (a multi-thread runtime): waiting
        // for the round trip hands this worker's other tasks to another
        // thread, so a store call never stalls the engine's HTTP, streams and
        // lease renewals (SQLite's calls are microseconds; these are not).
        let in_engine = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let answer = if in_engine {
            tokio::task::block_in_place(|| rx.recv())
        } else {
            rx.recv()
        }
        .map_err(|_| stopped())?;
        answer.map_err(|e| match e {
            StoreError::Postgres { reason, .. } => StoreError::Postgres {
                target: self.inner.shown.clone(),
                reason,
            },
            StoreError::Unreachable { reason, .. } => StoreError::Unreachable {
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
                reason: format!(
                    "it has schema version {found} and this version of Genqueue needs \
                     {PG_SCHEMA_VERSION}; migration {}: {}",
                    i + 1,
                    reason_of(pg_err(e))
                ),
            })?;
        tx.execute(
            "UPDATE genqueue_schema SET version = $1 WHERE id = 1",
            &[&((i + 1) as i32)],
        )
        .await
        .map_err(pg_err)?;
    }
    if (found.max(0) as usize) < PG_SCHEMA_VERSION {
        // Engines of an older Genqueue still open on the database learn of
        // it at this commit (listen.rs) and stop using it.
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&listen::SCHEMA_CHANNEL, &PG_SCHEMA_VERSION.to_string()],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)
}

fn reason_of(e: StoreError) -> String {
    match e {
        StoreError::Postgres { reason, .. } | StoreError::Unreachable { reason, .. } => reason,
        other => other.to_string(),
    }
}
