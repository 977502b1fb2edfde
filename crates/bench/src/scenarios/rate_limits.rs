//! 5. Rate limits: N generations on 2 tokens at 600 creates/min each.
//!    Creates/min achieved against the limit (goal ≥ 90 %) and the 429s
//!    provoked (goal ≤ 1 % of creates).

use std::time::{Duration, Instant};

use genqueue_core::engine::EngineConfig;
use replicate_sim::{Delay, RateLimits, SimConfig, Timing};
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{World, flux_job, ms_between};

const TOKENS: usize = 2;
/// Slots per token (the pool's maximum), so that slots never limit.
const SLOTS: u32 = 16;

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(
        5,
        "rate-limits",
        "Rate limits: 2 tokens at 600 creates/min",
        size,
    );
    let n = size.pick(60, 2000);
    // Full: Replicate's published limit and the sim's default bucket (600).
    // Tiny: the same shape, faster: 1200/min with a bucket of 5.
    let limits = RateLimits {
        creates_per_min: size.pick(1200, 600),
        create_burst: size.pick(5, 600),
        ..RateLimits::default()
    };
    let per_min = f64::from(limits.creates_per_min) * TOKENS as f64;
    let burst = limits.create_burst as usize * TOKENS;
    let sim = SimConfig {
        timing: Timing {
            boot: Delay::Fixed(Duration::ZERO),
            predict: Delay::Fixed(Duration::from_millis(50)),
            time_scale: 1.0,
        },
        image_scale: 1.0 / 16.0,
        rate_limits: limits.clone(),
        ..SimConfig::default()
    };
    let mut w = World::new(sim, TOKENS, 0, SLOTS, &[]).await?;
    w.start_with(EngineConfig::default())?;
    let t0 = Instant::now();
    let submitted = chrono::Utc::now();
    let ids = w.submit_all((0..n).map(flux_job).collect())?;
    let all = w
        .wait_ended(n, Duration::from_secs(size.pick(60, 900)))
        .await;
    let wall = t0.elapsed().as_secs_f64();
    let stats = w.sim.stats();
    w.stop().await;

    let creates = stats.creates_total - w.baseline.creates_total;
    let throttled = stats.throttled_total - w.baseline.throttled_total;
    let create_posts = stats.requests_to("POST /v1/models/{owner}/{name}/predictions")
        - w.baseline
            .requests_to("POST /v1/models/{owner}/{name}/predictions");
    // When each create was answered (the shell hears `processing`).
    let mut created_at: Vec<f64> = ids
        .iter()
        .filter_map(|id| Some(ms_between(submitted, w.recorder.get(*id).processing?) / 1000.0))
        .collect();
    created_at.sort_by(|a, b| a.total_cmp(b));
    let completed = ids
        .iter()
        .filter(|id| w.recorder.get(**id).completed.is_some())
        .count();
    // Past the initial bucket, creates can go no faster than the limit:
    // the steady rate is measured from the burst-th create to the last.
    let steady = if created_at.len() > burst + 1 {
        let span = created_at[created_at.len() - 1] - created_at[burst];
        (created_at.len() - 1 - burst) as f64 / span * 60.0
    } else {
        f64::NAN
    };
    let ideal = (n.saturating_sub(burst)) as f64 / per_min * 60.0;
    r.figure(
        Figure::new(
            "throughput ÷ what the limit allows (ideal ÷ measured time)",
            ideal / wall,
            "ratio",
        )
        .at_least(0.9),
    );
    r.figure(Figure::new(
        "creates/min after the first bucket",
        steady,
        "/min",
    ));
    r.figure(Figure::new("limit (2 tokens)", per_min, "/min"));
    r.figure(
        Figure::new(
            "429s ÷ creates",
            throttled as f64 / creates.max(1) as f64 * 100.0,
            "%",
        )
        .at_most(1.0),
    );
    r.figure(Figure::new("429s", throttled as f64, "count"));
    r.figure(Figure::new(
        "first create answered after the batch submit",
        created_at.first().copied().unwrap_or(f64::NAN),
        "s",
    ));
    r.check(
        format!("all {n} generations completed"),
        all && completed == n,
    );
    r.check("one prediction per generation", creates == n as u64);
    r.check(
        "create requests = creates + throttled creates",
        create_posts == creates + throttled,
    );
    r.note(format!(
        "Limits {}/min per token, bucket {} per token, 50 ms predictions, {SLOTS} slots per token, \
         create_wait {:?} (default). Ideal time: the first {burst} creates at once, the rest at the limit = {ideal:.1} s; \
         measured {wall:.1} s.",
        limits.creates_per_min,
        limits.create_burst,
        EngineConfig::default().create_wait
    ));
    r.details = json!({
        "generations": n,
        "creates": creates,
        "throttled": throttled,
        "create_requests": create_posts,
        "wall_secs": wall,
        "ideal_secs": ideal,
        "create_answered_after_submit_s": Dist::of(created_at),
    });
    Ok(r)
}
