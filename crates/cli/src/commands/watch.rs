//! `genq watch`: the live queue, read from the store (events do not cross
//! processes, so this works beside the desktop app or `genq run`).
//!
//! On a terminal: the `⟳ N` line and one progress bar per active
//! generation, redrawn four times a second, until Ctrl-C. Elsewhere (or with
//! `--once`): the same picture as plain lines, printed again when it changes.

use std::time::Duration;

use genqueue_core::GenerationStatus;
use genqueue_core::queue::Queue;
use genqueue_core::store::ListQuery;
use genqueue_core::{Counters, GenerationSummary};

use crate::context::Context;
use crate::exit::{CliResult, Exit};
use crate::output::println_out;
use crate::signal::stop_requested;
use crate::view::{LiveView, header_line, snapshot_lines};

/// How often the store is read.
const TICK: Duration = Duration::from_millis(250);

/// Runs `genq watch [--once]`; Ctrl-C ends it with exit 0.
pub async fn run(ctx: &Context, once: bool) -> CliResult {
    let queue = ctx.open()?;
    if once {
        let (c, paused, active) = snapshot(&queue)?;
        for line in snapshot_lines(&c, paused, &active) {
            println_out(&line)?;
        }
        return Ok(Exit::Ok);
    }
    let stop = stop_requested();
    tokio::pin!(stop);
    let mut view = LiveView::new(true);
    let mut last_plain: Option<Vec<String>> = None;
    loop {
        let (c, paused, active) = snapshot(&queue)?;
        if view.is_hidden() {
            let lines = snapshot_lines(&c, paused, &active);
            if last_plain.as_ref() != Some(&lines) {
                for line in &lines {
                    println_out(line)?;
                }
                last_plain = Some(lines);
            }
        } else {
            view.update(header_line(&c, paused), &active);
        }
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(TICK) => {}
        }
    }
    view.clear();
    Ok(Exit::Ok)
}

/// Counters, the paused flag and the active generations (newest first).
fn snapshot(queue: &Queue) -> CliResult<(Counters, bool, Vec<GenerationSummary>)> {
    let counters = queue.own_counters()?;
    let paused = queue.is_paused()?;
    let active = queue.list(&ListQuery {
        limit: 200,
        statuses: vec![GenerationStatus::Pending, GenerationStatus::Processing],
        created_by: queue.own_member().map(str::to_owned),
        ..ListQuery::default()
    })?;
    Ok((counters, paused, active))
}
