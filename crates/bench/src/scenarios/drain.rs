//! 1. Drain: N generations over 10 tokens of 1 slot, every prediction 200 ms
//!    in the sim. Efficiency = ideal time ÷ measured time (goal ≥ 0.95).

use std::time::{Duration, Instant};

use genqueue_core::engine::EngineConfig;
use replicate_sim::{Delay, SimConfig, Timing};
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::procfs;
use crate::world::{World, flux_job, ms_between};

const TOKENS: usize = 10;
const RUN: Duration = Duration::from_millis(200);

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(
        1,
        "drain",
        "Drain: 10 tokens × 1 slot, 200 ms predictions",
        size,
    );
    let n = size.pick(40, 1000);
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::ZERO),
            predict: Delay::Fixed(RUN),
            time_scale: 1.0,
        },
        image_scale: 1.0 / 16.0,
        ..SimConfig::default()
    };
    let mut w = World::new(sim, TOKENS, 0, 1, &[]).await?;
    w.start(EngineConfig::default())?;
    let cpu0 = procfs::cpu_seconds();
    let t0 = Instant::now();
    let submitted_at = chrono::Utc::now();
    let ids = w.submit((0..n).map(flux_job).collect())?;
    let all = w.wait_ended(n, Duration::from_secs(600)).await;
    let measured = t0.elapsed().as_secs_f64();
    let cpu = procfs::cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    let stats = w.sim.stats();
    w.stop().await;

    let ideal = n as f64 * RUN.as_secs_f64() / TOKENS as f64;
    let completed = ids
        .iter()
        .filter(|id| w.recorder.get(**id).completed.is_some())
        .count();
    let creates = stats.creates_total - w.baseline.creates_total;
    let reads = stats.requests_to("GET /v1/predictions/{id}")
        - w.baseline.requests_to("GET /v1/predictions/{id}");
    let downloads = stats.downloads_total - w.baseline.downloads_total;
    // Slot occupancy per generation: from its create being answered to its
    // completion, as heard by the shell.
    let in_slot: Vec<f64> = ids
        .iter()
        .filter_map(|id| {
            let h = w.recorder.get(*id);
            Some(ms_between(h.processing?, h.completed?))
        })
        .collect();
    let finish_ms: Vec<f64> = ids
        .iter()
        .filter_map(|id| Some(ms_between(submitted_at, w.recorder.get(*id).completed?)))
        .collect();

    r.figure(
        Figure::new("efficiency (ideal ÷ measured)", ideal / measured, "ratio").at_least(0.95),
    );
    r.figure(Figure::new("measured drain time", measured, "s"));
    r.figure(Figure::new("ideal drain time", ideal, "s"));
    r.figure(Figure::new(
        "overhead per generation per slot",
        (measured / (n as f64 / TOKENS as f64) - RUN.as_secs_f64()) * 1000.0,
        "ms",
    ));
    r.figure(Figure::new(
        "API calls per generation (mean)",
        (creates + reads) as f64 / n as f64,
        "calls",
    ));
    if let Some(cpu) = cpu {
        r.figure(Figure::new(
            "CPU per generation (engine + sim)",
            cpu / n as f64 * 1000.0,
            "ms",
        ));
    }
    r.check(
        format!("all {n} generations completed"),
        all && completed == n,
    );
    r.check("one prediction per generation", creates == n as u64);
    r.check(
        "no throttling",
        stats.throttled_total == w.baseline.throttled_total,
    );
    r.check("no event missed", *w.recorder.lagged.lock().unwrap() == 0);
    r.note(format!(
        "Per generation: {creates} creates, {reads} status reads, {downloads} downloads for {n} generations; \
         the create (Prefer: wait=60) is answered `processing` with inline output, so each generation also waits \
         for one follow-up read."
    ));
    r.details = json!({
        "generations": n,
        "tokens": TOKENS,
        "prediction_ms": RUN.as_millis() as u64,
        "creates": creates,
        "status_reads": reads,
        "downloads": downloads,
        "slot_time_after_create_ms": Dist::of(in_slot),
        "completion_after_submit_ms": Dist::of(finish_ms),
        "cpu_seconds": cpu,
    });
    Ok(r)
}
