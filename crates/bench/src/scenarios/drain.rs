//! 1. Drain: N generations over 10 tokens of 1 slot, every prediction 200 ms
//!    in the sim. Efficiency = ideal time ÷ measured time (goal ≥ 0.95).
//!
//! A second drain, run right after with the same sizes, emulates an engine
//! that reads a prediction at once after a non-terminal `Prefer: wait`
//! answer (schedule min = first = max = 1 ms; here every prediction ends
//! inside the create, so that read is the only one): the figure to expect
//! once `follow` does so.

use std::time::{Duration, Instant};

use genqueue_core::engine::{EngineConfig, PollSchedule};
use replicate_sim::{Delay, SimConfig, Timing};
use serde::Serialize;
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::procfs;
use crate::world::{World, flux_job, ms_between, team_database};

const TOKENS: usize = 10;
const RUN: Duration = Duration::from_millis(200);

#[derive(Serialize)]
struct Drain {
    generations: usize,
    measured_secs: f64,
    ideal_secs: f64,
    efficiency: f64,
    completed: usize,
    all_ended: bool,
    creates: u64,
    status_reads: u64,
    downloads: u64,
    throttled: u64,
    lagged: u64,
    cpu_seconds: Option<f64>,
    /// From the create's answer being stored to `completed`, per generation.
    slot_time_after_create_ms: Dist,
    /// From the batch submit to the first create answer heard.
    first_create_answered_ms: f64,
}

async fn drain(n: usize, config: EngineConfig, database: Option<&str>) -> Result<Drain, String> {
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::ZERO),
            predict: Delay::Fixed(RUN),
            time_scale: 1.0,
        },
        image_scale: 1.0 / 16.0,
        ..SimConfig::default()
    };
    let mut w = World::new_on(sim, TOKENS, 0, 1, &[], database).await?;
    w.start_with(config)?;
    let cpu0 = procfs::cpu_seconds();
    let t0 = Instant::now();
    let submitted = chrono::Utc::now();
    let ids = w.submit_all((0..n).map(flux_job).collect())?;
    let all_ended = w.wait_ended(n, Duration::from_secs(600)).await;
    let measured = t0.elapsed().as_secs_f64();
    let cpu = procfs::cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    let stats = w.sim.stats();
    w.stop().await;
    let ideal = n as f64 * RUN.as_secs_f64() / TOKENS as f64;
    let completed = ids
        .iter()
        .filter(|id| w.recorder.get(**id).completed.is_some())
        .count();
    let in_slot = ids.iter().filter_map(|id| {
        let h = w.recorder.get(*id);
        Some(ms_between(h.processing?, h.completed?))
    });
    let lagged = *w.recorder.lagged.lock().unwrap();
    let first = ids
        .iter()
        .filter_map(|id| w.recorder.get(*id).processing)
        .min()
        .map_or(f64::NAN, |t| ms_between(submitted, t));
    let b = &w.baseline;
    Ok(Drain {
        generations: n,
        measured_secs: measured,
        ideal_secs: ideal,
        efficiency: ideal / measured,
        completed,
        all_ended,
        creates: stats.creates_total - b.creates_total,
        status_reads: stats.requests_to("GET /v1/predictions/{id}")
            - b.requests_to("GET /v1/predictions/{id}"),
        downloads: stats.downloads_total - b.downloads_total,
        throttled: stats.throttled_total - b.throttled_total,
        lagged,
        cpu_seconds: cpu,
        slot_time_after_create_ms: Dist::of(in_slot),
        first_create_answered_ms: first,
    })
}

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(
        1,
        "drain",
        "Drain: 10 tokens × 1 slot, 200 ms predictions",
        size,
    );
    let n = size.pick(40, 1000);
    let config = EngineConfig::default();
    let wait = config.create_wait;
    let d = drain(n, config.clone(), None).await?;
    let instant = PollSchedule {
        min: Duration::from_millis(1),
        first: Duration::from_millis(1),
        max: Duration::from_millis(1),
        ..PollSchedule::default()
    };
    let what_if = drain(
        n,
        EngineConfig {
            schedule: instant,
            ..config.clone()
        },
        None,
    )
    .await?;
    // The same drain on a team's queue in PostgreSQL (issue 15), right after.
    let team_db = team_database("genqueue_bench_drain");
    let on_pg = match &team_db {
        Some(url) => Some(drain(n, config, Some(url)).await?),
        None => None,
    };

    let per_slot =
        |d: &Drain| (d.measured_secs / (n as f64 / TOKENS as f64) - RUN.as_secs_f64()) * 1000.0;
    r.figure(Figure::new("efficiency (ideal ÷ measured)", d.efficiency, "ratio").at_least(0.95));
    r.figure(Figure::new("measured drain time", d.measured_secs, "s"));
    r.figure(Figure::new("ideal drain time", d.ideal_secs, "s"));
    r.figure(Figure::new(
        "overhead per generation per slot",
        per_slot(&d),
        "ms",
    ));
    r.figure(Figure::new(
        "slot time after the create answer p50",
        d.slot_time_after_create_ms.p50,
        "ms",
    ));
    r.figure(Figure::new(
        "first create answered after the batch submit",
        d.first_create_answered_ms,
        "ms",
    ));
    r.figure(Figure::new(
        "API calls per generation (mean)",
        (d.creates + d.status_reads) as f64 / n as f64,
        "calls",
    ));
    if let Some(cpu) = d.cpu_seconds {
        r.figure(Figure::new(
            "CPU per generation (engine + sim)",
            cpu / n as f64 * 1000.0,
            "ms",
        ));
    }
    r.figure(
        Figure::new(
            "what-if: read at once after a wait answer: efficiency",
            what_if.efficiency,
            "ratio",
        )
        .at_least(0.95),
    );
    r.figure(Figure::new(
        "what-if: overhead per generation per slot",
        per_slot(&what_if),
        "ms",
    ));
    if let Some(pg) = &on_pg {
        r.figure(Figure::new(
            "on PostgreSQL: efficiency (ideal ÷ measured)",
            pg.efficiency,
            "ratio",
        ));
        r.figure(Figure::new(
            "on PostgreSQL: overhead per generation per slot",
            per_slot(pg),
            "ms",
        ));
    } else {
        r.note(
            "No PostgreSQL (run under scripts/with-postgres.sh): the team-queue drain was skipped.",
        );
    }
    let runs = [
        ("", Some(&d)),
        ("what-if: ", Some(&what_if)),
        ("on PostgreSQL: ", on_pg.as_ref()),
    ];
    for (label, d) in runs.iter().filter_map(|(l, d)| Some((*l, (*d)?))) {
        r.check(
            format!("{label}all {n} generations completed"),
            d.all_ended && d.completed == n,
        );
        r.check(
            format!("{label}one prediction per generation"),
            d.creates == n as u64,
        );
        r.check(format!("{label}no throttling"), d.throttled == 0);
        r.check(format!("{label}no event missed"), d.lagged == 0);
    }
    r.note(format!(
        "Default config (Prefer: {}): per generation {} creates, {} status reads, {} downloads in all for {n}. \
         The sim answers a wait create `processing` with the output inline (as Replicate often does), so \
         the engine reads once more before it completes; the what-if run reads at once.",
        wait.map_or("none".to_owned(), |w| format!("wait={w}")),
        d.creates,
        d.status_reads,
        d.downloads
    ));
    r.details = json!({ "tokens": TOKENS, "prediction_ms": RUN.as_millis() as u64, "default": d, "what_if_read_at_once": what_if, "on_postgresql": on_pg });
    Ok(r)
}
