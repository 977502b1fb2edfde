//! genqueue-bench: the engine of genqueue-core against replicate-sim on
//! loopback, measured (issue 6, BENCHMARKS.md).
//!
//! Every figure is a ratio, a count or a distribution measured within one
//! run, so that it holds on a loaded machine. `run` executes one scenario
//! at a [`Size`]; the binary prints the table and writes the JSON.

pub mod figures;
pub mod procfs;
pub mod report;
pub mod scenarios;
pub mod world;

use std::path::PathBuf;
use std::time::Instant;

pub use figures::{ScenarioReport, Size};

/// Scenario names in the order (1–6), then issue #15's team events
/// (8: 7 is the desktop app's, `crates/bench/app/measure.sh`) and team
/// claims (9).
pub const SCENARIOS: &[&str] = &[
    "drain",
    "polling",
    "python",
    "idle",
    "rate-limits",
    "store",
    "team-events",
    "team-claims",
];

/// What a run needs besides the size.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// This harness's own executable (scenario 6 starts it as a separate
    /// engine process to read its memory); `None` skips that figure.
    pub engine_exe: Option<PathBuf>,
    /// The Python interpreter for scenario 3 (see
    /// [`scenarios::python::find_python`]).
    pub python: Option<PathBuf>,
}

/// Runs one scenario by name (or its number, `1`–`6`).
///
/// Errors: an unknown name, or a world that could not be set up.
pub async fn run(name: &str, size: Size, opts: &Options) -> Result<ScenarioReport, String> {
    let name = match name.parse::<usize>() {
        Ok(8) => "team-events",
        Ok(9) => "team-claims",
        Ok(i) if (1..=6).contains(&i) => SCENARIOS[i - 1],
        _ => name,
    };
    let t = Instant::now();
    let mut report = match name {
        "drain" => scenarios::drain::run(size).await,
        "polling" => scenarios::polling::run(size).await,
        "python" => scenarios::python::run(size, opts.python.as_deref()).await,
        "idle" => scenarios::idle::run(size).await,
        "rate-limits" => scenarios::rate_limits::run(size).await,
        "store" => scenarios::store_scale::run(size, opts.engine_exe.as_deref()).await,
        "team-events" => scenarios::team_events::run(size).await,
        "team-claims" => scenarios::team_claims::run(size).await,
        other => Err(format!(
            "unknown scenario {other:?}; one of {}",
            SCENARIOS.join(", ")
        )),
    }?;
    report.wall_secs = t.elapsed().as_secs_f64();
    report.load_after = procfs::loadavg();
    Ok(report)
}
