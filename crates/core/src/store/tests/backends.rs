//! One suite, two backends: tests written against `&dyn QueueStore` run on
//! SQLite (a real file) and on PostgreSQL (a fresh database in the cluster
//! named by `GENQUEUE_TEST_DATABASE_URL`, which `scripts/with-postgres.sh`
//! starts and `scripts/test-all.sh` always provides).
//!
//! Without that variable the PostgreSQL half is skipped and says so on
//! stderr; under CI (`CI` set) its absence fails the test instead.

use std::str::FromStr;

use crate::store::{PgStore, QueueStore};

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

/// Runs `f` on a fresh SQLite store, then on a fresh PostgreSQL one.
#[track_caller]
pub(crate) fn on_both(f: impl Fn(&dyn QueueStore)) {
    let (_dir, sqlite) = super::file_store();
    f(&sqlite);
    if let Some(pg) = pg_store() {
        f(&pg);
    }
}
