//! 3. Side by side on one sim, same jobs, same timing: the engine (default
//!    configuration) and the official Python client (`pip install
//!    replicate`, `base_url` pointed at the sim, `predictions.create` then
//!    `wait()`, one thread per job). Each job has its own token on either
//!    side, so the sim's per-token counts are per job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use genqueue_core::engine::EngineConfig;
use serde_json::{Value, json};

use super::polling::{measure_engine, realistic_sim, time_scale};
use crate::figures::{Dist, Figure, ScenarioReport, Size};
use crate::world::{World, bench_token, flux_job, ms_between, scale_config, sim_completed_at};

const SCRIPT: &str = include_str!("../../python/replicate_side.py");
/// First token index of the Python side (engine tokens start at 0).
const PYTHON_TOKENS: usize = 5000;

/// The Python interpreter to use: `GENQUEUE_BENCH_PYTHON`, else
/// `target/bench/venv/bin/python` (made by `crates/bench/python/setup.sh`),
/// else `python3`; `None` when none of them can import `replicate`.
pub fn find_python(explicit: Option<&Path>) -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench/venv/bin/python");
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_owned()],
        None => match std::env::var_os("GENQUEUE_BENCH_PYTHON") {
            Some(p) => vec![PathBuf::from(p)],
            None => vec![venv, PathBuf::from("python3")],
        },
    };
    for p in &candidates {
        let ok = std::process::Command::new(p)
            .args(["-c", "import replicate"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(p.clone());
        }
    }
    Err(format!(
        "no Python with the `replicate` package among {candidates:?}; run crates/bench/python/setup.sh"
    ))
}

pub async fn run(size: Size, python: Option<&Path>) -> Result<ScenarioReport, String> {
    let mut r = ScenarioReport::new(
        3,
        "python",
        "Engine vs the official Python client, same sim, same jobs",
        size,
    );
    let python = match find_python(python) {
        Ok(p) => p,
        Err(why) => {
            r.skipped = Some(why);
            return Ok(r);
        }
    };
    let scale = time_scale(size);
    let n = size.pick(6, 100);
    let py_tokens: Vec<String> = (0..n).map(|i| bench_token(PYTHON_TOKENS + i)).collect();
    let mut w = World::new(realistic_sim(size), n, 0, 1, &py_tokens).await?;
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let script = work.path().join("replicate_side.py");
    std::fs::write(&script, SCRIPT).map_err(|e| e.to_string())?;
    let jobs: Vec<_> = (0..n).map(flux_job).collect();
    let config = json!({
        "base_url": w.sim.base_url().trim_end_matches("/v1"),
        "model": "black-forest-labs/flux-schnell",
        "tokens": py_tokens,
        "inputs": jobs.iter().map(|j| j.input.clone()).collect::<Vec<_>>(),
    });
    let config_path = work.path().join("config.json");
    let results_path = work.path().join("results.json");
    std::fs::write(&config_path, config.to_string()).map_err(|e| e.to_string())?;

    w.start_with(scale_config(&EngineConfig::default(), scale))?;
    let mut child = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(&config_path)
        .arg(&results_path)
        .env("REPLICATE_POLL_INTERVAL", format!("{}", 0.5 * scale))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    let ids = w.submit_all(jobs)?;
    let limit = Duration::from_secs(size.pick(60, 900));
    let engine_done = w.wait_ended(n, limit).await;
    let py_status = tokio::time::timeout(limit, child.wait()).await;
    w.stop().await;
    let py_ok = matches!(py_status, Ok(Ok(s)) if s.success());

    let engine = measure_engine(&w, &ids, scale).await;
    // The Python side, from its results and the sim's per-token counts.
    let stats = w.sim.stats();
    let results: Vec<Value> = std::fs::read_to_string(&results_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let client = w.queue.client().clone();
    let mut py_calls = Vec::new();
    let mut py_latency = Vec::new();
    let mut py_errors = Vec::new();
    for res in &results {
        let job = res["job"].as_u64().unwrap_or(0) as usize;
        if let Some(e) = res["error"].as_str() {
            py_errors.push(e.to_owned());
            continue;
        }
        if res["status"] != "succeeded" {
            py_errors.push(format!("job {job}: {}", res["status"]));
            continue;
        }
        let token = &py_tokens[job];
        py_calls.push(w.requests_by(&stats, token) as f64);
        let done = res["done"].as_f64().and_then(epoch);
        let at = match res["id"].as_str() {
            Some(id) => sim_completed_at(&client, token, id).await,
            None => None,
        };
        if let (Some(done), Some(at)) = (done, at) {
            py_latency.push(ms_between(at, done) / scale);
        }
    }
    let py_calls = Dist::of(py_calls);
    let py_latency = Dist::of(py_latency);

    r.check(
        format!("engine: all {n} generations completed"),
        engine_done && engine.completed == n,
    );
    r.check("engine: per-generation calls add up", engine.counts_add_up);
    r.check(
        format!("python: process exited 0 and all {n} predictions succeeded"),
        py_ok && py_calls.n == n,
    );
    r.check("python: every job's latency measured", py_latency.n == n);
    r.figure(Figure::new("engine: calls/generation p50", engine.calls.p50, "calls").at_most(2.0));
    r.figure(Figure::new(
        "python: calls/generation p50",
        py_calls.p50,
        "calls",
    ));
    r.figure(Figure::new("engine: calls/generation mean", engine.calls.mean, "calls").at_most(2.5));
    r.figure(Figure::new(
        "python: calls/generation mean",
        py_calls.mean,
        "calls",
    ));
    r.figure(Figure::new(
        "calls ratio engine ÷ python (mean)",
        engine.calls.mean / py_calls.mean,
        "ratio",
    ));
    r.figure(Figure::new("engine: latency p50", engine.latency_ms.p50, "ms").at_most(250.0));
    r.figure(Figure::new("python: latency p50", py_latency.p50, "ms"));
    r.figure(Figure::new("engine: latency p99", engine.latency_ms.p99, "ms").at_most(500.0));
    r.figure(Figure::new("python: latency p99", py_latency.p99, "ms"));
    r.figure(
        Figure::new(
            "latency ratio engine ÷ python (p99)",
            engine.latency_ms.p99 / py_latency.p99,
            "ratio",
        )
        .at_most(1.0),
    );
    r.figure(Figure::new(
        "engine: stream connections",
        engine.streams as f64,
        "count",
    ));
    r.figure(Figure::new(
        "latency ratio engine ÷ python (p50)",
        engine.latency_ms.p50 / py_latency.p50,
        "ratio",
    ));
    r.note(format!(
        "{n} jobs a side at once on one sim (time scale {scale}); Python {} with REPLICATE_POLL_INTERVAL={}; \
         Python's latency ends when wait() returns (no download), the engine's when `completed` is announced \
         (after saving the output).",
        python.display(),
        0.5 * scale
    ));
    if !py_errors.is_empty() {
        r.note(format!(
            "python errors: {:?}",
            &py_errors[..py_errors.len().min(3)]
        ));
    }
    r.details = json!({
        "time_scale": scale,
        "jobs_per_side": n,
        "engine": engine,
        "python": { "calls": py_calls, "latency_ms": py_latency, "errors": py_errors.len() },
    });
    Ok(r)
}

fn epoch(secs: f64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros((secs * 1e6) as i64)
}
