//! 4. Idle: requests and CPU while nothing is active, after some work
//!    (goal: zero requests).

use std::time::{Duration, Instant};

use genqueue_core::engine::EngineConfig;
use replicate_sim::SimConfig;
use serde_json::json;

use crate::figures::{Figure, ScenarioReport, Size};
use crate::procfs;
use crate::world::{World, flux_job};

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(4, "idle", "Idle cost after work", size);
    let warm = 20;
    let window = Duration::from_secs(size.pick(2, 60));
    let mut w = World::new(SimConfig::fast(), 10, 0, 1, &[]).await?;
    w.start_with(EngineConfig::default())?;
    w.submit_all((0..warm).map(flux_job).collect())?;
    let warmed = w.wait_ended(warm, Duration::from_secs(60)).await;
    // Let the last writes and events settle before measuring.
    tokio::time::sleep(Duration::from_millis(size.pick(300, 1000))).await;
    let before = w.sim.stats();
    let cpu0 = procfs::cpu_seconds();
    let t0 = Instant::now();
    tokio::time::sleep(window).await;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = procfs::cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    let after = w.sim.stats();
    let counters = w.queue.counters().map_err(|e| e.to_string())?;
    w.stop().await;

    let requests = after.requests_total - before.requests_total;
    let per_min = 60.0 / secs;
    r.figure(
        Figure::new(
            "requests per minute while idle",
            requests as f64 * per_min,
            "req/min",
        )
        .at_most(0.0),
    );
    if let Some(cpu) = cpu {
        r.figure(Figure::new(
            "CPU per minute while idle (engine + idle sim)",
            cpu * per_min,
            "CPU s/min",
        ));
    }
    r.check(
        format!("the {warm} warm-up generations completed"),
        warmed && counters.completed == warm as u64,
    );
    r.check("nothing active during the window", counters.active == 0);
    r.note(format!(
        "{warm} generations run first on 10 tokens, then a {:.0} s window with the engine running and nothing \
         queued. CPU is read from /proc/self/stat at 10 ms resolution; the idle engine reads SQLite's \
         data_version every {} ms (a local read, never a request).",
        secs,
        EngineConfig::default().external_check.as_millis()
    ));
    r.details = json!({ "window_secs": secs, "requests": requests, "cpu_seconds": cpu });
    Ok(r)
}
