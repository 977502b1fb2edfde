//! Waiting for generations to end (`submit --wait`, `demo`).
//!
//! If no engine drives the data folder, one starts in this process and
//! stops when the waited generations have ended (other queued work that it
//! started stays recorded and resumes at the next start). If the desktop app
//! or `genq run` holds the folder, genq only follows the store.

use std::time::Duration;

use genqueue_core::engine::{Engine, EngineConfig, EngineError};
use genqueue_core::queue::Queue;
use genqueue_core::{Generation, GenerationId, GenerationStatus, GenerationSummary};

use crate::exit::{CliError, CliResult, Exit};
use crate::output::{ended_line, print_json};
use crate::signal::stop_requested;
use crate::view::{LiveView, header_line};

/// How often the store is read while waiting (a local read).
const TICK: Duration = Duration::from_millis(200);

/// Waits until every generation in `ids` has ended, showing a live view on
/// stderr. Prints a line per generation (`ended_line`), or with `json` an
/// array of Generation. Exit 0 if all completed, 6 if any failed or was
/// cancelled, 130 on Ctrl-C (nothing is lost: they stay queued).
pub async fn wait_for(queue: &Queue, ids: &[GenerationId], json: bool) -> CliResult {
    let stop = stop_requested();
    tokio::pin!(stop);
    let mut engine = None;
    let mut view = LiveView::new(false);
    let mut printed = std::collections::HashSet::new();
    let outcome = loop {
        // Run the engine here unless another one drives the folder; if that
        // one stops (the app closed) while we wait, take over.
        if engine.is_none() {
            match Engine::start(queue.clone(), EngineConfig::default()) {
                Ok(e) => engine = Some(e),
                Err(EngineError::AlreadyRunning(_)) => {}
                Err(e) => break Err(e.into()),
            }
        }
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            rows.push(queue.get(*id)?);
        }
        if !json {
            for g in rows.iter().filter(|g| g.status.is_terminal()) {
                if printed.insert(g.id) {
                    view.println(&ended_line(
                        queue.data_dir(),
                        g,
                        queue.store().shared_by_engines(),
                    ));
                }
            }
        }
        let done = rows.iter().filter(|g| g.status.is_terminal()).count();
        if done == rows.len() {
            break Ok(rows);
        }
        let paused = queue.is_paused()?;
        if paused
            && !rows
                .iter()
                .any(|g| g.status == GenerationStatus::Processing)
        {
            break Err(CliError::other(format!(
                "the queue is paused, so {} generation{} will not start; `genq resume` to run them",
                rows.len() - done,
                if rows.len() - done == 1 { "" } else { "s" }
            )));
        }
        let active: Vec<GenerationSummary> = rows
            .iter()
            .filter(|g| g.status.is_active())
            .map(Generation::summary)
            .collect();
        let counters = queue.counters()?;
        view.update(
            format!(
                "{done}/{} done   {}",
                rows.len(),
                header_line(&counters, paused)
            ),
            &active,
        );
        tokio::select! {
            _ = &mut stop => {
                let left = rows.len() - done;
                break Err(CliError::new(
                    Exit::Interrupted,
                    format!(
                        "interrupted; {left} generation{} stay queued and run when an engine runs (`genq run` or the app)",
                        if left == 1 { "" } else { "s" }
                    ),
                ));
            }
            _ = tokio::time::sleep(TICK) => {}
        }
    };
    view.clear();
    if let Some(engine) = engine {
        engine.shutdown().await;
    }
    let rows = outcome?;
    if json {
        print_json(&rows)?;
    }
    let all_completed = rows.iter().all(|g| g.status == GenerationStatus::Completed);
    Ok(if all_completed {
        Exit::Ok
    } else {
        Exit::GenerationFailed
    })
}
