//! `genq show ID`: one generation in full.

use genqueue_core::Generation;
use genqueue_core::model::GenerationId;

use crate::context::Context;
use crate::exit::{CliResult, Exit};
use crate::output::{local_time, output_paths, print_json, println_out, status_mark};

/// Runs `genq show`: `--json` prints the Generation; text prints its fields,
/// with the saved files as absolute paths (fetched first from a team
/// database when another machine saved them).
pub fn run(ctx: &Context, id: GenerationId, json: bool) -> CliResult {
    let queue = ctx.open()?;
    let g = queue.get(id)?;
    // On a team database, files another machine saved are fetched into this
    // machine's data folder, so the paths printed below exist.
    queue.fetch_missing_outputs(&g)?;
    if json {
        print_json(&g)?;
        return Ok(Exit::Ok);
    }
    let token = g
        .token_id
        .and_then(|t| queue.store().get_token(t).ok().flatten())
        .map(|t| format!("{} (…{})", t.label, t.fingerprint));
    for line in describe(&g, token.as_deref(), queue.data_dir()) {
        println_out(&line)?;
    }
    Ok(Exit::Ok)
}

/// The text of `genq show`: `field: value` lines, empty fields left out.
fn describe(g: &Generation, token: Option<&str>, data_dir: &std::path::Path) -> Vec<String> {
    let mut lines = vec![
        format!("id:          {}", g.id),
        format!(
            "status:      {} {}{}",
            status_mark(g.status),
            g.status,
            g.replicate_status
                .as_deref()
                .map(|r| format!(" (Replicate: {r})"))
                .unwrap_or_default()
        ),
        format!("model:       {}", g.model),
        format!("prompt:      {}", g.prompt),
    ];
    let mut opt = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            lines.push(format!("{:<12} {v}", format!("{name}:")));
        }
    };
    let settings = g.settings.as_object().filter(|m| !m.is_empty());
    opt(
        "settings",
        settings.map(|m| serde_json::Value::Object(m.clone()).to_string()),
    );
    opt("progress", g.progress.map(|p| format!("{p}%")));
    // In the local time zone, like the times below.
    opt(
        "waiting",
        g.wait_reason.as_ref().map(|w| w.english(&chrono::Local)),
    );
    opt(
        "error",
        g.failure_english().map(|e| match g.error_kind {
            Some(k) => format!("{e} [{}]", k.as_str()),
            None => e,
        }),
    );
    opt("created", Some(local_time(g.created_at)));
    opt("started", g.started_at.map(local_time));
    opt("ended", g.completed_at.map(local_time));
    opt("viewed", g.viewed_at.map(local_time));
    opt(
        "priority",
        (g.priority != 0).then(|| g.priority.to_string()),
    );
    opt("attempts", (g.attempts > 0).then(|| g.attempts.to_string()));
    opt("token", token.map(str::to_owned));
    opt("prediction", g.prediction_id.clone());
    opt("batch", g.batch_id.map(|b| b.to_string()));
    opt("retry of", g.retried_from.map(|r| r.to_string()));
    for p in output_paths(data_dir, &g.output_files) {
        lines.push(format!("file:        {}", p.display()));
    }
    lines
}
