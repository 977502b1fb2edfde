//! 6. The store at scale: N generations of history, then create, newest 50,
//!    counters and mark viewed timed one by one (goal p99 ≤ 5 ms each), and
//!    the resident memory of an engine process opened on that history
//!    (goal ≤ 60 MB).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use genqueue_core::engine::{Engine, EngineConfig};
use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::store::{ListQuery, PgStore, Store};
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{flux_job, team_database};

/// A base URL where nothing listens: the store benchmark makes no request.
const NOWHERE: &str = "http://127.0.0.1:9/v1";

fn open(dir: &Path) -> Result<Queue, String> {
    let store = Store::open(&dir.join(genqueue_core::paths::DB_FILE)).map_err(|e| e.to_string())?;
    let client = ReplicateClient::new(NOWHERE).map_err(|e| e.to_string())?;
    Ok(Queue::from_parts(
        dir.to_owned(),
        store,
        client,
        Arc::new(MemorySecretStore::new()),
    ))
}

/// Fills the store with `n` ended generations: 98 % completed (one output
/// file and URL each), 1 % failed, 1 % cancelled, all viewed.
fn build_history(q: &Queue, n: usize) -> Result<(), String> {
    // Rows written as they are, not through the lifecycle: the concrete store.
    let store = Store::open(&q.data_dir().join(genqueue_core::paths::DB_FILE))
        .map_err(|e| e.to_string())?;
    let base = Utc::now() - chrono::Duration::days(365);
    let batch = 1000;
    for (b, start) in (0..n).step_by(batch).enumerate() {
        let jobs: Vec<_> = (start..(start + batch).min(n)).map(flux_job).collect();
        let now = base + chrono::Duration::seconds(b as i64 * 300);
        let rows = store
            .insert_generations(&jobs, now)
            .map_err(|e| e.to_string())?;
        for (k, g) in rows.iter().enumerate() {
            let i = start + k;
            let done = now + chrono::Duration::seconds(5);
            store
                .update_generation_at(g.id, done, |r| {
                    r.prediction_id = Some(format!("p{i:025}"));
                    r.started_at = Some(now);
                    r.completed_at = Some(done);
                    match i % 100 {
                        0 => {
                            r.status = GenerationStatus::Failed;
                            r.error = Some("CUDA out of memory".into());
                            r.error_kind = Some(ErrorKind::ModelFailed);
                            r.replicate_status = Some("failed".into());
                        }
                        1 => {
                            r.status = GenerationStatus::Cancelled;
                            r.replicate_status = Some("canceled".into());
                        }
                        _ => {
                            r.status = GenerationStatus::Completed;
                            r.progress = Some(100);
                            r.replicate_status = Some("succeeded".into());
                            r.output_files = vec![format!("outputs/{}/0.webp", g.id)];
                            r.output_urls = vec![format!(
                                "https://replicate.delivery/xezq/{i:040}/out-0.webp"
                            )];
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
        }
    }
    store
        .mark_all_viewed(Utc::now(), None)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Times `f` `m` times; milliseconds.
fn time_each(m: usize, mut f: impl FnMut(usize) -> Result<(), String>) -> Result<Dist, String> {
    let mut v = Vec::with_capacity(m);
    for i in 0..m {
        let t = Instant::now();
        f(i)?;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Dist::of(v))
}

/// The operations timed one by one (`m` of each) on a queue holding `n`
/// generations of history: their distributions, the ids created and which
/// creates took over 2 ms.
#[allow(clippy::type_complexity)]
fn time_ops(
    q: &Queue,
    n: usize,
    m: usize,
) -> Result<(Vec<(&'static str, Dist)>, (usize, Vec<usize>)), String> {
    let mut ids = Vec::new();
    let mut slow = Vec::new();
    let create = time_each(m, |i| {
        let t = Instant::now();
        ids.push(q.submit(flux_job(n + i)).map_err(|e| e.to_string())?.id);
        if t.elapsed() > Duration::from_millis(2) {
            slow.push(i);
        }
        Ok(())
    })?;
    let newest = time_each(m, |_| {
        q.list(&ListQuery::default())
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    let unviewed = time_each(m, |_| {
        q.list(&ListQuery {
            unviewed_only: true,
            ..ListQuery::default()
        })
        .map(drop)
        .map_err(|e| e.to_string())
    })?;
    let counters = time_each(m, |_| q.counters().map(drop).map_err(|e| e.to_string()))?;
    // One member's counters (the `⟳ N` on a team's database): one row by key.
    let member = q.creator().member.clone().unwrap_or_default();
    let member_counters = time_each(m, |_| {
        q.store()
            .member_counters(&member)
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    // A history page deep in the past: the page after a random old row.
    let sample: Vec<_> = q
        .list(&ListQuery {
            limit: 1000,
            ..ListQuery::default()
        })
        .map_err(|e| e.to_string())?
        .iter()
        .map(|g| g.id)
        .collect();
    let deep = time_each(m, |_| {
        let before = *sample.choose(&mut rand::rng()).expect("rows");
        q.list(&ListQuery {
            before: Some(before),
            ..ListQuery::default()
        })
        .map(drop)
        .map_err(|e| e.to_string())
    })?;
    // The History page's cost line: one pass over every row of the filter (here: all).
    let spend_total = time_each((m / 20).max(5), |_| {
        q.history_spend(&genqueue_core::store::HistoryQuery::default())
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    let viewed = time_each(m, |i| {
        q.mark_viewed(ids[i]).map(drop).map_err(|e| e.to_string())
    })?;
    Ok((
        vec![
            ("create (submit one)", create),
            ("newest 50", newest),
            ("newest 50 unviewed (dropdown)", unviewed),
            ("counters", counters),
            ("member counters", member_counters),
            ("mark viewed", viewed),
            ("history page (cursor)", deep),
            ("history cost total (every row)", spend_total),
        ],
        (ids.len(), slow),
    ))
}

pub async fn run(size: Size, engine_exe: Option<&Path>) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(6, "store", "Store at scale", size);
    let n = size.pick(2_000, 100_000);
    let m = size.pick(100, 1000);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let q = open(dir.path())?;
    let t = Instant::now();
    let history = q.clone();
    tokio::task::spawn_blocking(move || build_history(&history, n))
        .await
        .map_err(|e| e.to_string())??;
    let build_secs = t.elapsed().as_secs_f64();

    let q2 = q.clone();
    let (ops, (created, slow_creates)) = tokio::task::spawn_blocking(move || time_ops(&q2, n, m))
        .await
        .map_err(|e| e.to_string())??;

    let counters = q.counters().map_err(|e| e.to_string())?;
    for (name, d) in &ops {
        let goal = !name.starts_with("history") && !name.contains("unviewed");
        let p50 = Figure::new(format!("{name} p50"), d.p50, "ms");
        let p99 = Figure::new(format!("{name} p99"), d.p99, "ms");
        r.figure(p50);
        r.figure(if goal { p99.at_most(5.0) } else { p99 });
    }
    let db_bytes = std::fs::metadata(dir.path().join(genqueue_core::paths::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    r.figure(Figure::new(
        "history build rate",
        n as f64 / build_secs,
        "rows/s",
    ));
    r.figure(Figure::new("database size", db_bytes as f64 / 1e6, "MB"));
    r.check(
        format!("the store holds {} generations", n + m),
        (counters.completed + counters.failed + counters.cancelled + counters.pending) as usize
            == n + m,
    );
    r.check(
        format!("{created} created and marked viewed"),
        created == m && counters.unviewed == 0,
    );

    // The same history moved into a team's PostgreSQL database (what
    // `genq migrate` does), then the same operations on it (issue 15).
    let mut on_pg = json!(null);
    match team_database("genqueue_bench_store") {
        Some(url) => {
            let (pg_ops, moved, move_secs) = {
                let dir = dir.path().to_owned();
                tokio::task::spawn_blocking(move || -> Result<_, String> {
                    let local = Store::open(&dir.join(genqueue_core::paths::DB_FILE))
                        .map_err(|e| e.to_string())?;
                    let team = PgStore::open(&url).map_err(|e| e.to_string())?;
                    let t = Instant::now();
                    let report = team
                        .import_from(&local, &dir, &mut |_| {})
                        .map_err(|e| e.to_string())?;
                    let move_secs = t.elapsed().as_secs_f64();
                    let pg_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                    let q = Queue::on_store(
                        pg_dir.path().to_owned(),
                        Arc::new(team),
                        ReplicateClient::new(NOWHERE).map_err(|e| e.to_string())?,
                        Arc::new(MemorySecretStore::new()),
                    );
                    Ok((time_ops(&q, n + m, m)?.0, report.generations, move_secs))
                })
                .await
                .map_err(|e| e.to_string())??
            };
            for (name, d) in &pg_ops {
                r.figure(Figure::new(
                    format!("on PostgreSQL: {name} p50"),
                    d.p50,
                    "ms",
                ));
                r.figure(Figure::new(
                    format!("on PostgreSQL: {name} p99"),
                    d.p99,
                    "ms",
                ));
            }
            r.figure(Figure::new(
                "on PostgreSQL: history moved in (genq migrate)",
                moved as f64 / move_secs,
                "rows/s",
            ));
            r.check(
                format!("{} generations moved into PostgreSQL", n + m),
                moved as usize == n + m,
            );
            on_pg = json!({
                "moved": moved,
                "move_secs": move_secs,
                "ops_ms": pg_ops.iter().map(|(k, d)| json!({"op": k, "ms": d})).collect::<Vec<_>>(),
            });
        }
        None => r.note(
            "No PostgreSQL (run under scripts/with-postgres.sh): the team-queue half was skipped.",
        ),
    }

    let mut rss = json!(null);
    match engine_exe {
        Some(exe) => {
            let empty = tempfile::tempdir().map_err(|e| e.to_string())?;
            drop(open(empty.path())?);
            let idle_ms = size.pick(300, 2000);
            let base = engine_rss(exe, empty.path(), idle_ms).await?;
            let full = engine_rss(exe, dir.path(), idle_ms).await?;
            let mb = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN) / 1024.0;
            r.figure(
                Figure::new("engine RSS with the history", mb(&full, "rss_kib"), "MiB")
                    .at_most(60.0),
            );
            r.figure(Figure::new(
                "engine peak RSS with the history",
                mb(&full, "hwm_kib"),
                "MiB",
            ));
            r.figure(Figure::new(
                "engine RSS on an empty store",
                mb(&base, "rss_kib"),
                "MiB",
            ));
            r.check("engine RSS measured", mb(&full, "rss_kib") > 0.0);
            rss = json!({ "empty": base, "history": full });
        }
        None => r.note("engine RSS not measured: no engine executable given"),
    }
    r.note(format!(
        "{n} generations of history (98 % completed, 1 % failed, 1 % cancelled, all viewed), then {m} of each \
         operation one after another on the Queue API (what the shells call), real SQLite file in WAL mode. \
         Built in {build_secs:.1} s. Engine RSS: a separate process (`genqueue-bench engine-rss DIR`) that \
         starts the engine on the folder, lists the newest 50 and the counters, then idles 2 s."
    ));
    r.details = json!({
        "history": n,
        "ops_each": m,
        "ops_ms": ops.iter().map(|(k, d)| json!({"op": k, "ms": d})).collect::<Vec<_>>(),
        "db_bytes": db_bytes,
        // Which creates took over 2 ms: evenly spaced = WAL auto-checkpoints.
        "slow_create_indices": slow_creates,
        "engine_rss": rss,
        "on_postgresql": on_pg,
    });
    Ok(r)
}

/// Runs `exe engine-rss DIR IDLE_MS` and reads its one JSON line.
async fn engine_rss(exe: &Path, dir: &Path, idle_ms: u64) -> Result<Value, String> {
    let out = tokio::process::Command::new(exe)
        .arg("engine-rss")
        .arg(dir)
        .arg(idle_ms.to_string())
        .output()
        .await
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "engine-rss failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("engine-rss answer: {e}"))
}

/// The child side: starts an engine on `dir` as the app would (list the
/// newest 50 and the counters), idles `idle`, prints its RSS as JSON.
pub async fn engine_rss_child(dir: &Path, idle: Duration) -> Result<Value, String> {
    let q = open(dir)?;
    let engine = Engine::start(q.clone(), EngineConfig::default()).map_err(|e| e.to_string())?;
    q.list(&ListQuery::default()).map_err(|e| e.to_string())?;
    q.counters().map_err(|e| e.to_string())?;
    tokio::time::sleep(idle).await;
    let (rss, hwm) = crate::procfs::rss_kib(std::process::id()).unwrap_or((0, 0));
    engine.shutdown().await;
    Ok(json!({ "rss_kib": rss, "hwm_kib": hwm }))
}
