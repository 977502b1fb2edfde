//! 8. Team events: how soon a change made by one engine on a team's
//!    PostgreSQL queue shows on another machine's event bus (issue #15:
//!    goal 250 ms p50, 1 s p99), through `LISTEN/NOTIFY`.
//!
//! Two "machines" in this process, each its own `Queue`, `PgStore` (pool
//! and `LISTEN` connection) and engine, on one fresh database of the
//! cluster named by `GENQUEUE_TEST_DATABASE_URL` (`scripts/with-postgres.sh`);
//! skipped without it. Both hold the same tokens' secrets on one sim, so
//! either engine runs the work. A change's latency: from the moment the
//! machine that made it announced it on its own bus (right after its
//! commit) to the moment the other machine's bus showed it. Changes timed:
//! each submit (made on A), each cancel (made on A), each completion
//! (made by whichever engine ran it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use genqueue_core::engine::{Engine, EngineConfig};
use genqueue_core::events::Event;
use genqueue_core::model::{GenerationId, GenerationStatus};
use genqueue_core::queue::Queue;
use genqueue_core::secrets::MemorySecretStore;
use replicate_sim::SimConfig;
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{bench_token, flux_job};

/// The variable naming the cluster (as the tests').
const URL_ENV: &str = "GENQUEUE_TEST_DATABASE_URL";

/// First time each machine's bus showed (generation, status); `None`: the
/// generation in any state (a row read after its submit may be running already).
type Seen = Arc<Mutex<HashMap<(GenerationId, Option<GenerationStatus>), Instant>>>;

fn record(q: &Queue) -> Seen {
    let seen: Seen = Arc::default();
    let mut rx = q.events().subscribe();
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(Event::GenerationChanged(g)) => {
                    let now = Instant::now();
                    let mut s = s.lock().unwrap();
                    s.entry((g.id, None)).or_insert(now);
                    s.entry((g.id, Some(g.status))).or_insert(now);
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            }
        }
    });
    seen
}

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(8, "team-events", "Team events across machines", size);
    if std::env::var_os(URL_ENV).is_none() {
        r.skipped = Some(format!(
            "{URL_ENV} is not set: run through scripts/with-postgres.sh"
        ));
        return Ok(r);
    }
    let url = genqueue_testkit::fresh_database("genqueue_bench_events").ok_or("no test cluster")?;
    let n = size.pick(12, 150);
    let cancel_every = 3;
    let tokens: Vec<String> = (0..2).map(bench_token).collect();
    let mut a = genqueue_testkit::World::builder(SimConfig::fast(), tokens.clone())
        .secrets(Arc::new(MemorySecretStore::new()))
        .database(&url)
        .client_timeout(Duration::from_secs(3))
        .build()
        .await?;
    for id in a.token_ids.clone() {
        a.queue
            .set_token_concurrency(id, 4)
            .map_err(|e| e.to_string())?;
    }
    // Machine B: its own store, folder and keyring, the same tokens' secrets.
    let (b, _b_store, _b_dir) = crate::world::other_machine(&a, &url)?;
    let (seen_a, seen_b) = (record(&a.queue), record(&b));
    a.start_with(EngineConfig::default())?;
    let engine_b = Engine::start(b.clone(), EngineConfig::default()).map_err(|e| e.to_string())?;

    // Submits one at a time (a person or a script at 20 a second), every
    // third cancelled on A a moment later.
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let g = a.queue.submit(flux_job(i)).map_err(|e| e.to_string())?;
        ids.push(g.id);
        if i % cancel_every == cancel_every - 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = a.queue.cancel(g.id).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ended = a.wait_terminal(&ids, Duration::from_secs(120)).await;
    // The last notifications' reads.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let load = crate::procfs::loadavg();
    engine_b.shutdown().await;
    a.stop().await;

    let (sa, sb) = (
        seen_a.lock().unwrap().clone(),
        seen_b.lock().unwrap().clone(),
    );
    let mut lat = Vec::new();
    let mut missed = 0;
    let mut by_kind: HashMap<&str, Vec<f64>> = HashMap::new();
    for g in &ended {
        let kinds = [("submit", None), ("end", Some(g.status))];
        for (kind, status) in kinds {
            match (sa.get(&(g.id, status)), sb.get(&(g.id, status))) {
                (Some(x), Some(y)) => {
                    let ms = if x > y { *x - *y } else { *y - *x }.as_secs_f64() * 1000.0;
                    lat.push(ms);
                    by_kind.entry(kind).or_default().push(ms);
                }
                _ => missed += 1,
            }
        }
    }
    let all = Dist::of(lat.iter().copied());
    r.figure(Figure::new("change seen on the other machine, p50", all.p50, "ms").at_most(250.0));
    r.figure(Figure::new("change seen on the other machine, p99", all.p99, "ms").at_most(1000.0));
    r.figure(Figure::new("changes timed", all.n as f64, "changes"));
    r.check(
        format!("all {n} generations ended"),
        ended.len() == n && ended.iter().all(|g| g.status.is_terminal()),
    );
    r.check(
        "every submit and ending showed on both machines",
        missed == 0,
    );
    let completed = ended
        .iter()
        .filter(|g| g.status == GenerationStatus::Completed)
        .count();
    r.check(
        "no generation created twice on the sim",
        a.sim.stats().creates_total as usize <= n,
    );
    r.note(format!(
        "{n} submits on machine A, 50 ms apart, every {cancel_every}rd cancelled 10 ms after its submit; \
         2 tokens of 4 slots on one sim, both machines' engines running them ({completed} completed). \
         Latency: from the first machine's bus to the other's, for each submit and each ending. \
         Load (1 min) at the end: {:.2}.",
        load[0]
    ));
    let kinds: serde_json::Value = by_kind
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(Dist::of(v))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    r.details = json!({ "latency_ms": all, "by_kind": kinds, "missed": missed });
    Ok(r)
}
