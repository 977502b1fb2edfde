//! Shared by the team-queue tests (several `genq run` engines on one
//! PostgreSQL database): starting an engine, and reading the leases and
//! the queue straight from the database with `psql`.

use std::path::Path;

use super::Env;

/// `genq run` on data folder `dir`, on `env`'s team database and
/// simulator, with leases of `lease` seconds. A create cut by a kill is
/// reconciled within seconds (create time limit 5 s, landing margin 1 s),
/// not 105 s.
pub fn team_run(env: &Env, dir: &Path, lease: &str) -> tokio::process::Command {
    let mut c = env.command(&["run"]);
    c.env("GENQUEUE_DATA_DIR", dir)
        .env("GENQUEUE_LEASE", lease)
        .env("GENQUEUE_CREATE_TIME_LIMIT", "5")
        .env("GENQUEUE_CREATE_LANDING_MARGIN", "1");
    c
}

pub use genqueue_testkit::psql;

/// `(generation, owner, fence)` of the leases held now.
pub fn held_leases(url: &str) -> Vec<(String, String, i64)> {
    psql(
        url,
        "SELECT generation_id, owner, fence FROM leases WHERE owner IS NOT NULL",
    )
    .into_iter()
    .filter_map(|f| {
        Some((
            f.first()?.clone(),
            f.get(1)?.clone(),
            f.get(2)?.parse().ok()?,
        ))
    })
    .collect()
}

/// The fence of `id`'s lease now.
pub fn fence_of(url: &str, id: &str) -> i64 {
    psql(
        url,
        &format!("SELECT fence FROM leases WHERE generation_id = '{id}'"),
    )[0][0]
        .parse()
        .expect("a fence")
}

/// How many generations are `status` now.
pub fn count_status(url: &str, status: &str) -> usize {
    psql(
        url,
        &format!("SELECT count(*) FROM generations WHERE status = '{status}'"),
    )[0][0]
        .parse()
        .expect("a count")
}
