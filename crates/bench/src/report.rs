//! The printed table and the JSON file.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use crate::figures::ScenarioReport;

/// A plain-text table of every figure, with goals and sanity checks.
pub fn table(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "\n## {}. {} [{}, {:?}] — {:.1} s, load {:.2} → {:.2}",
            r.id, r.title, r.name, r.size, r.wall_secs, r.load_before[0], r.load_after[0]
        );
        if let Some(why) = &r.skipped {
            let _ = writeln!(out, "   skipped: {why}");
            continue;
        }
        let width = r
            .figures
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(10);
        for f in &r.figures {
            let goal = match &f.goal {
                Some(g) => format!(
                    "goal {:<8} {}",
                    g.text,
                    if g.met { "met" } else { "MISSED" }
                ),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "   {:<width$}  {:>12} {:<10} {}",
                f.name,
                number(f.value),
                f.unit,
                goal
            );
        }
        for c in r.checks.iter().filter(|c| !c.ok) {
            let _ = writeln!(out, "   CHECK FAILED: {}", c.what);
        }
        for n in &r.notes {
            let _ = writeln!(out, "   note: {n}");
        }
    }
    out
}

fn number(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// Writes `{"machine": …, "scenarios": [...]}` to `path`, creating folders.
pub fn write_json(path: &Path, reports: &[ScenarioReport]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let body = json!({
        "written_at": chrono::Utc::now().to_rfc3339(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "git": git_state(),
        "scenarios": reports,
    });
    std::fs::write(path, serde_json::to_string_pretty(&body)? + "\n")
}

/// The commit measured, and whether the engine or the sim had uncommitted
/// changes (others edit the same checkout).
fn git_state() -> serde_json::Value {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_owned())
    };
    let dirty = git(&["status", "--porcelain", "--", "../core", "../sim"]).map(|s| {
        s.lines()
            .map(|l| l.get(3..).unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    });
    json!({ "head": git(&["rev-parse", "HEAD"]), "uncommitted_in_core_or_sim": dirty })
}
