//! 9. Team claims: how long an engine's claim of a token slot takes on a
//!    team's PostgreSQL queue when three engines drain it together (issue
//!    #15: "claim p99 with three engines"), side by side with one engine
//!    draining the same work alone on the same database.
//!
//! Three "machines" in this process, each its own `Queue`, `PgStore` (pool
//! and `LISTEN` connection) and engine, on one fresh database of the
//! cluster named by `GENQUEUE_TEST_DATABASE_URL` (`scripts/with-postgres.sh`);
//! skipped without it. All hold the same tokens' secrets on one sim. A
//! claim's time is the store call `claim_token` as the engine makes it,
//! from the call to its answer (pool, round trips, row locks `FOR UPDATE
//! SKIP LOCKED`): `PgStore::claim_times_us`. A claim answered "wait" (every
//! slot taken) counts as a claim too: the engine paid for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use genqueue_core::engine::{Engine, EngineConfig};
use genqueue_core::model::GenerationStatus;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::PgStore;
use genqueue_testkit::World;
use replicate_sim::SimConfig;
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{bench_token, flux_job, other_machine};

/// The variable naming the cluster (as the tests').
const URL_ENV: &str = "GENQUEUE_TEST_DATABASE_URL";
const TOKENS: usize = 6;
const CAP: u32 = 2;

/// Submits `n` generations on `a` as one batch and waits for them to end;
/// the wall time and whether all completed.
async fn drain(a: &World, first: usize, n: usize) -> Result<(Duration, bool), String> {
    let t = Instant::now();
    let ids = a.submit_all((first..first + n).map(flux_job).collect())?;
    let ended = a.wait_terminal(&ids, Duration::from_secs(600)).await;
    let ok = ended.len() == n
        && ended
            .iter()
            .all(|g| g.status == GenerationStatus::Completed);
    Ok((t.elapsed(), ok))
}

/// Claim times (ms) recorded by `stores` after the counts in `from`.
fn claims_since(stores: &[&PgStore], from: &[usize]) -> Vec<f64> {
    stores
        .iter()
        .zip(from)
        .flat_map(|(s, &k)| {
            s.claim_times_us()
                .into_iter()
                .skip(k)
                .map(|us| us as f64 / 1000.0)
        })
        .collect()
}

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(9, "team-claims", "Claims with three engines", size);
    if std::env::var_os(URL_ENV).is_none() {
        r.skipped = Some(format!(
            "{URL_ENV} is not set: run through scripts/with-postgres.sh"
        ));
        return Ok(r);
    }
    let url = genqueue_testkit::fresh_database("genqueue_bench_claims").ok_or("no test cluster")?;
    let n = size.pick(24, 300);
    let mut sim = SimConfig::fast();
    // 50 ms to boot, 100 ms to predict: slots free up often, so engines
    // claim often and at once.
    sim.timing.time_scale = 0.05;
    let tokens: Vec<String> = (0..TOKENS).map(bench_token).collect();
    let mut a = World::builder(sim, tokens)
        .secrets(Arc::new(MemorySecretStore::new()))
        .database(&url)
        .client_timeout(Duration::from_secs(5))
        .build()
        .await?;
    for id in a.token_ids.clone() {
        a.queue
            .set_token_concurrency(id, CAP)
            .map_err(|e| e.to_string())?;
    }
    let store_a = a.pg_store();

    // One engine alone.
    a.start_with(EngineConfig::default())?;
    let (alone_wall, alone_ok) = drain(&a, 0, n).await?;
    let alone = claims_since(&[&store_a], &[0]);

    // Three engines together, on the same database and tokens.
    let (qb, store_b, _db) = other_machine(&a, &url)?;
    let (qc, store_c, _dc) = other_machine(&a, &url)?;
    let from = [
        store_a.claim_times_us().len(),
        store_b.claim_times_us().len(),
        store_c.claim_times_us().len(),
    ];
    let eb = Engine::start(qb, EngineConfig::default()).map_err(|e| e.to_string())?;
    let ec = Engine::start(qc, EngineConfig::default()).map_err(|e| e.to_string())?;
    let (three_wall, three_ok) = drain(&a, n, n).await?;
    let three = claims_since(&[&store_a, &store_b, &store_c], &from);
    let by_engine: Vec<usize> = [&store_a, &store_b, &store_c]
        .iter()
        .zip(from)
        .map(|(s, k)| s.claim_times_us().len() - k)
        .collect();
    let load = crate::procfs::loadavg();
    eb.shutdown().await;
    ec.shutdown().await;
    a.stop().await;

    let (d1, d3) = (
        Dist::of(alone.iter().copied()),
        Dist::of(three.iter().copied()),
    );
    r.figure(Figure::new("claim with 3 engines, p50", d3.p50, "ms"));
    r.figure(Figure::new("claim with 3 engines, p99", d3.p99, "ms"));
    r.figure(Figure::new("claim with 3 engines, max", d3.max, "ms"));
    r.figure(Figure::new("claim with 1 engine, p50", d1.p50, "ms"));
    r.figure(Figure::new("claim with 1 engine, p99", d1.p99, "ms"));
    r.figure(Figure::new(
        "claims per generation, 3 engines",
        three.len() as f64 / n as f64,
        "claims",
    ));
    r.figure(Figure::new(
        "claims per generation, 1 engine",
        alone.len() as f64 / n as f64,
        "claims",
    ));
    r.figure(Figure::new(
        "drain wall, 3 engines",
        three_wall.as_secs_f64(),
        "s",
    ));
    r.figure(Figure::new(
        "drain wall, 1 engine",
        alone_wall.as_secs_f64(),
        "s",
    ));
    r.check(format!("all {n} completed with one engine"), alone_ok);
    r.check(format!("all {n} completed with three engines"), three_ok);
    let stats = a.sim.stats();
    r.check(
        "one prediction per generation",
        stats.creates_total == 2 * n as u64,
    );
    let most = stats
        .max_running_by_token
        .values()
        .copied()
        .max()
        .unwrap_or(0);
    r.check(
        format!("no token ever above its cap of {CAP} (most: {most})"),
        most <= CAP as u64,
    );
    r.check(
        "each of the three engines claimed",
        by_engine.iter().all(|&k| k > 0),
    );
    r.note(format!(
        "{n} generations as one batch, twice on one database: first one engine alone, then three \
         engines (three stores, three pools) together; {TOKENS} tokens of {CAP} slots on one sim \
         (50 ms boot, 100 ms predict). Claims by engine with three: {by_engine:?}. \
         Load (1 min) at the end: {:.2}.",
        load[0]
    ));
    r.details = json!({
        "three_engines_ms": d3,
        "one_engine_ms": d1,
        "claims_by_engine": by_engine,
    });
    Ok(r)
}
