//! 2. API calls per completed generation and completion-to-event latency,
//!    with Replicate-like running times (1–30 s, 15 % cold boots of
//!    30–120 s), for the default configuration and other polling schedules,
//!    all at once in one run (one sim and one engine each, one token per
//!    generation so the sim's per-token counts are per generation).

use std::time::{Duration, Instant};

use genqueue_core::engine::{EngineConfig, PollSchedule};
use genqueue_core::model::GenerationId;
use replicate_sim::{Delay, SimConfig, Timing};
use serde::Serialize;
use serde_json::json;

use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{World, flux_job, ms_between, scale_config, sim_completed_at};

/// The sim's time scale: real time at full size; 50× faster when tiny
/// (figures then only prove the harness works).
pub fn time_scale(size: Size) -> f64 {
    size.pick(0.02, 1.0)
}

/// Replicate-like timing (see `Delay::Realistic`), scaled.
pub fn realistic_sim(size: Size) -> SimConfig {
    SimConfig {
        timing: Timing {
            boot: Delay::Realistic,
            predict: Delay::Realistic,
            time_scale: time_scale(size),
        },
        image_scale: 1.0 / 16.0,
        ..SimConfig::default()
    }
}

/// What one engine did for a set of generations.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub generations: usize,
    pub completed: usize,
    /// Creates + status reads + stream connections per completed generation.
    pub calls: Dist,
    /// Sim `completed_at` → the shell hears `completed`, in real-time
    /// equivalent ms (÷ time scale).
    pub latency_ms: Dist,
    pub creates: u64,
    pub status_reads: u64,
    /// Stream connections (`urls.stream`, no token; the sim counts them
    /// per prediction), each one call.
    pub streams: u64,
    pub downloads: u64,
    /// Σ per-generation calls (the per-token counts).
    pub sum_calls: u64,
    /// Σ per-generation calls (tokens' requests) equals the sim's create +
    /// read + list totals.
    pub counts_add_up: bool,
    /// Requests to every other endpoint in the run (e.g. list, for a
    /// reconcile after a create whose answer was lost), all clients.
    pub other_endpoints: std::collections::BTreeMap<String, u64>,
}

/// Measures the engine side of `w` for `ids` after they all ended.
pub async fn measure_engine(w: &World, ids: &[GenerationId], scale: f64) -> Side {
    let stats = w.sim.stats();
    let creates = stats.creates_total - w.baseline.creates_total;
    let reads = stats.requests_to("GET /v1/predictions/{id}")
        - w.baseline.requests_to("GET /v1/predictions/{id}");
    let mut calls = Vec::new();
    let mut latency = Vec::new();
    let mut downloads = 0;
    let mut sum_calls = 0;
    let mut streams = 0;
    let client = w.queue.client().clone();
    // Requests by tokens that are not the engine's (another client on the
    // same sim, scenario 3): part of the sim's totals, not of ours.
    let ours: Vec<String> = w
        .tokens
        .iter()
        .map(|t| replicate_sim::fingerprint(t))
        .collect();
    let foreign: u64 = stats
        .requests_by_token
        .iter()
        .filter(|(fp, _)| *fp != "none" && !ours.contains(fp))
        .map(|(fp, n)| n - w.baseline.requests_by_token.get(fp).copied().unwrap_or(0))
        .sum();
    for id in ids {
        let Ok(g) = w.queue.get(*id) else { continue };
        let Some(token) = w.token_of(*id) else {
            continue;
        };
        // Output files are fetched without the token (the sim counts them
        // under `none`), so a token's requests are its API calls; the
        // add-up check below proves it.
        downloads += g.output_urls.len() as u64;
        let api = w.requests_by(&stats, token);
        sum_calls += api;
        let heard = w.recorder.get(*id);
        let (Some(done), Some(pid)) = (heard.completed, g.prediction_id.as_deref()) else {
            continue;
        };
        let streamed = stats.streams_by_prediction.get(pid).copied().unwrap_or(0)
            - w.baseline
                .streams_by_prediction
                .get(pid)
                .copied()
                .unwrap_or(0);
        streams += streamed;
        calls.push((api + streamed) as f64);
        if let Some(at) = sim_completed_at(&client, token, pid).await {
            latency.push(ms_between(at, done) / scale);
        }
    }
    Side {
        generations: ids.len(),
        completed: calls.len(),
        calls: Dist::of(calls),
        latency_ms: Dist::of(latency),
        creates,
        status_reads: reads,
        streams,
        downloads,
        sum_calls,
        other_endpoints: stats
            .requests_by_endpoint
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "POST /v1/models/{owner}/{name}/predictions"
                        | "GET /v1/predictions/{id}"
                        | "GET /v1/files/{id}"
                        | "GET /files/{id}/{name}"
                )
            })
            .map(|(k, v)| {
                (
                    k.clone(),
                    v - w.baseline.requests_by_endpoint.get(k).copied().unwrap_or(0),
                )
            })
            .filter(|(_, v)| *v > 0)
            .collect(),
        // Lists: a held create looked for in the token's list (engine/peek.rs).
        counts_add_up: sum_calls + foreign
            == creates + reads + stats.requests_to("GET /v1/predictions")
                - w.baseline.requests_to("GET /v1/predictions"),
    }
}

/// One configuration compared.
pub struct Variant {
    pub name: String,
    pub config: EngineConfig,
    /// The sim answers a `Prefer: wait` create that finished `succeeded`
    /// (not `processing` with output). Emulates an engine that reads at
    /// once after such an answer, less that one read (≈ 1 ms on loopback).
    pub wait_answers_succeeded: bool,
}

/// The configurations compared (real-time values; scaled for tiny runs).
/// The first is `EngineConfig::default()`.
pub fn variants() -> Vec<Variant> {
    let base = EngineConfig::default();
    let wait = |w: Option<u8>| match w {
        Some(n) => format!("wait={n}"),
        None => "no wait".to_owned(),
    };
    let no_wait = EngineConfig {
        create_wait: None,
        ..base.clone()
    };
    let eager = PollSchedule {
        min: Duration::from_millis(100),
        max: Duration::from_secs(2),
        starting_max: Duration::from_secs(5),
        first: Duration::from_millis(250),
        growth: 1.3,
    };
    let lazy = PollSchedule {
        min: Duration::from_millis(500),
        max: Duration::from_secs(30),
        starting_max: Duration::from_secs(30),
        first: Duration::from_secs(2),
        growth: 2.0,
    };
    let v = |name: String, config: EngineConfig| Variant {
        name,
        config,
        wait_answers_succeeded: false,
    };
    let wait60 = EngineConfig {
        create_wait: Some(60),
        ..base.clone()
    };
    let capped = |max_secs: u64| PollSchedule {
        max: Duration::from_secs(max_secs),
        ..PollSchedule::default()
    };
    let no_streams = EngineConfig {
        streams: genqueue_core::engine::StreamConfig {
            max_open: 0,
            ..Default::default()
        },
        ..base.clone()
    };
    vec![
        v(
            format!("default ({}, streams)", wait(base.create_wait)),
            base.clone(),
        ),
        v(
            format!("{}, no streams", wait(base.create_wait)),
            no_streams,
        ),
        v("wait=60, default schedule".to_owned(), wait60.clone()),
        v("no wait, default schedule".to_owned(), no_wait.clone()),
        v(
            "no wait, eager (min 100ms, first 250ms, max 2s, x1.3)".to_owned(),
            EngineConfig {
                schedule: eager,
                ..no_wait.clone()
            },
        ),
        v(
            "no wait, lazy (min 500ms, first 2s, max 30s, x2)".to_owned(),
            EngineConfig {
                schedule: lazy,
                ..no_wait
            },
        ),
        v(
            format!("{}, max 1s", wait(base.create_wait)),
            EngineConfig {
                schedule: capped(1),
                ..base
            },
        ),
        Variant {
            name: "what-if: wait=60 + read at once after a wait answer".to_owned(),
            config: wait60.clone(),
            wait_answers_succeeded: true,
        },
        Variant {
            name: "what-if: wait=60 + read at once, max 2s".to_owned(),
            config: EngineConfig {
                schedule: capped(2),
                ..wait60
            },
            wait_answers_succeeded: true,
        },
    ]
}

pub async fn run(size: Size) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(
        2,
        "polling",
        "Calls per generation and completion latency by polling schedule",
        size,
    );
    let scale = time_scale(size);
    let n = size.pick(8, 200);
    let limit = Duration::from_secs(size.pick(60, 900));
    let mut worlds = Vec::new();
    for v in variants() {
        let sim = SimConfig {
            wait_answers_processing: !v.wait_answers_succeeded,
            ..realistic_sim(size)
        };
        let mut w = World::new(sim, n, 0, 1, &[]).await?;
        w.start_with(scale_config(&v.config, scale))?;
        worlds.push((v.name, w));
    }
    let t0 = Instant::now();
    let mut ids = Vec::new();
    for (_, w) in &worlds {
        ids.push(w.submit_all((0..n).map(flux_job).collect())?);
    }
    let waits = worlds.iter().map(|(_, w)| w.wait_ended(n, limit));
    let all_ended = futures_all(waits).await;
    let wall = t0.elapsed().as_secs_f64();
    let mut rows = Vec::new();
    for ((name, w), ids) in worlds.iter_mut().zip(&ids) {
        let name = name.as_str();
        w.stop().await;
        let side = measure_engine(w, ids, scale).await;
        r.check(
            format!("{name}: all {n} generations completed"),
            side.completed == n,
        );
        r.check(
            format!("{name}: per-generation calls add up to the sim's totals"),
            side.counts_add_up,
        );
        r.check(
            format!("{name}: one prediction per generation"),
            side.creates == n as u64,
        );
        r.figure(
            Figure::new(
                format!("{name}: calls/generation p50"),
                side.calls.p50,
                "calls",
            )
            .at_most(2.0),
        );
        r.figure(Figure::new(
            format!("{name}: calls/generation mean"),
            side.calls.mean,
            "calls",
        ));
        r.figure(
            Figure::new(format!("{name}: latency p50"), side.latency_ms.p50, "ms").at_most(250.0),
        );
        r.figure(
            Figure::new(format!("{name}: latency p99"), side.latency_ms.p99, "ms").at_most(1000.0),
        );
        rows.push(json!({ "variant": name, "engine": side }));
    }
    r.check("all worlds ended in time", all_ended);
    r.note(format!(
        "{n} generations per variant, all variants at once (one sim and engine each, same seed), time scale {scale}; \
         latency = sim completed_at → `completed` event, includes the output download (64×64 images on loopback). \
         Wall time of the concurrent run: {wall:.0} s."
    ));
    r.details = json!({ "time_scale": scale, "per_variant": n, "variants": rows });
    Ok(r)
}

/// Awaits every future; true if all returned true.
pub async fn futures_all(
    fs: impl IntoIterator<Item = impl std::future::Future<Output = bool>>,
) -> bool {
    let mut ok = true;
    for f in fs {
        ok &= f.await;
    }
    ok
}
