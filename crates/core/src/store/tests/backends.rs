//! One suite, two backends: tests written against `&dyn QueueStore` run on
//! SQLite (a real file) and on PostgreSQL (a fresh database in the cluster
//! named by `GENQUEUE_TEST_DATABASE_URL`, which `scripts/with-postgres.sh`
//! starts and `scripts/test-all.sh` always provides).
//!
//! Without that variable the PostgreSQL half is skipped and says so on
//! stderr; under CI (`CI` set) its absence fails the test instead.

use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::model::{Counters, Generation, GenerationId, NewGeneration};
use crate::store::{PgStore, QueueStore, Store, StoreError};

/// The variable naming the test cluster (`postgres://user:password@host:port/db`).
pub(crate) const TEST_DATABASE_URL: &str = "GENQUEUE_TEST_DATABASE_URL";

/// A new, empty database in the test cluster, migrated; `None` (said on
/// stderr) when no cluster is given outside CI.
pub(crate) fn pg_store() -> Option<PgStore> {
    pg_url().map(|url| PgStore::open(&url).expect("open the PostgreSQL store"))
}

/// The address (libpq `key=value` form, password included: never print it)
/// of a new, empty database in the test cluster; `None` as [`pg_store`].
pub(crate) fn pg_url() -> Option<String> {
    let Ok(url) = std::env::var(TEST_DATABASE_URL) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{TEST_DATABASE_URL} is not set under CI: run the tests through scripts/with-postgres.sh"
        );
        eprintln!(
            "SKIPPED on PostgreSQL: {TEST_DATABASE_URL} is not set \
             (run through scripts/with-postgres.sh to test both stores)"
        );
        return None;
    };
    let name = format!("genqueue_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = tokio_postgres::Config::from_str(&url).expect("a PostgreSQL URL");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = admin
            .connect(tokio_postgres::NoTls)
            .await
            .expect("the test cluster answers");
        let task = tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        drop(client);
        let _ = task.await;
    });
    admin.dbname(&name);
    // Back to a URL the store parses itself (key=value form, as libpq's).
    let mut parts = vec![format!("dbname={name}")];
    if let Some(u) = admin.get_user() {
        parts.push(format!("user={u}"));
    }
    if let Some(p) = admin.get_password() {
        parts.push(format!("password={}", String::from_utf8_lossy(p)));
    }
    if let Some(tokio_postgres::config::Host::Tcp(h)) = admin.get_hosts().first() {
        parts.push(format!("host={h}"));
    }
    if let Some(p) = admin.get_ports().first() {
        parts.push(format!("port={p}"));
    }
    Some(parts.join(" "))
}

/// A store of either kind, as the tests see it: every [`QueueStore`] method
/// (through `Deref`), plus the set-up writes the tests use that the engine
/// does not (a whole-row update, the counters recounted).
pub(crate) enum Backend {
    Sqlite(Store),
    Pg(PgStore),
}

impl Deref for Backend {
    type Target = dyn QueueStore;
    fn deref(&self) -> &(dyn QueueStore + 'static) {
        match self {
            Backend::Sqlite(s) => s,
            Backend::Pg(p) => p,
        }
    }
}

impl Backend {
    pub(crate) fn insert_generation(
        &self,
        new: &NewGeneration,
        now: DateTime<Utc>,
    ) -> Result<Generation, StoreError> {
        Ok(self
            .insert_generations(std::slice::from_ref(new), now)?
            .remove(0))
    }

    pub(crate) fn update_generation(
        &self,
        id: GenerationId,
        f: impl FnOnce(&mut Generation),
    ) -> Result<Generation, StoreError> {
        self.update_generation_at(id, Utc::now(), f)
    }

    pub(crate) fn update_generation_at(
        &self,
        id: GenerationId,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Generation),
    ) -> Result<Generation, StoreError> {
        match self {
            Backend::Sqlite(s) => s.update_generation_at(id, now, f),
            Backend::Pg(p) => p.update_generation_at(id, now, f),
        }
    }
}

impl super::Counted for Backend {
    fn counted(&self) -> Counters {
        match self {
            Backend::Sqlite(s) => super::counted(s),
            Backend::Pg(p) => p.counted().unwrap(),
        }
    }
    fn kept(&self) -> Counters {
        self.counters().unwrap()
    }
}

/// Runs `f` on a fresh SQLite store, then on a fresh PostgreSQL one.
#[track_caller]
pub(crate) fn on_both(f: impl Fn(&Backend)) {
    let (_dir, sqlite) = super::file_store();
    f(&Backend::Sqlite(sqlite));
    if let Some(pg) = pg_store() {
        eprintln!("-- now on PostgreSQL");
        f(&Backend::Pg(pg));
    }
}
