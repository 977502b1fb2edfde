//! `genqueue-bench`: runs the benchmarks of issue 6 (see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p genqueue-bench -- all [--size tiny|full] [--out FILE] [--python PATH]
//! cargo run --release -p genqueue-bench -- <scenario>... [--size tiny|full]
//! ```
//! Scenarios: drain, polling, python, idle, rate-limits, store (or 1–6),
//! team-events (8) and team-claims (9), both needing `GENQUEUE_TEST_DATABASE_URL`.
//! Default size: full. Prints a table; writes JSON to
//! `target/bench/results.json` for `all`, else `target/bench/<names>.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use genqueue_bench::{Options, SCENARIOS, Size, report};

const USAGE: &str =
    "usage: genqueue-bench all|<scenario>... [--size tiny|full] [--out FILE] [--python PATH]
scenarios: drain (1), polling (2), python (3), idle (4), rate-limits (5), store (6),
           team-events (8), team-claims (9)";

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async_main())
}

async fn async_main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("engine-rss") {
        let Some(dir) = args.get(1) else {
            eprintln!("usage: genqueue-bench engine-rss DIR [IDLE_MS]");
            return ExitCode::from(2);
        };
        let idle_ms = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
        let idle = std::time::Duration::from_millis(idle_ms);
        return match genqueue_bench::scenarios::store_scale::engine_rss_child(dir.as_ref(), idle)
            .await
        {
            Ok(v) => {
                println!("{v}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut names = Vec::new();
    let mut size = Size::Full;
    let mut out: Option<PathBuf> = None;
    let mut opts = Options {
        engine_exe: std::env::current_exe().ok(),
        python: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => match it.next().map(|s| s.parse()) {
                Some(Ok(s)) => size = s,
                _ => return usage(),
            },
            "--out" => out = it.next().map(PathBuf::from),
            "--python" => opts.python = it.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "all" => names.extend(SCENARIOS.iter().map(|s| s.to_string())),
            other if other.starts_with('-') => return usage(),
            other => names.push(other.to_owned()),
        }
    }
    if names.is_empty() {
        return usage();
    }
    let default_out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    let out = out.unwrap_or_else(|| {
        if names.len() == SCENARIOS.len() {
            default_out.join("results.json")
        } else {
            default_out.join(format!("{}.json", names.join("+")))
        }
    });
    let mut reports = Vec::new();
    let mut failed = false;
    for name in &names {
        eprintln!("running {name} ({size:?})…");
        match genqueue_bench::run(name, size, &opts).await {
            Ok(r) => {
                print!("{}", report::table(std::slice::from_ref(&r)));
                failed |= r.checks.iter().any(|c| !c.ok);
                reports.push(r);
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
            }
        }
        // Written after each scenario, so a long run keeps what it measured.
        if let Err(e) = report::write_json(&out, &reports) {
            eprintln!("cannot write {}: {e}", out.display());
        }
    }
    eprintln!("figures written to {}", out.display());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
