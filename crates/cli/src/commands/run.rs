//! `genq run [--follow]`: the engine in the foreground.
//!
//! Runs until no generation is active (or forever with `--follow`),
//! printing a line as each generation starts and ends (or every event as a
//! JSON line with `--json`). Ctrl-C or SIGTERM stops it cleanly: the engine
//! records every step before acting, so work in flight resumes at the next
//! start. If the desktop app or another `genq run` holds the folder, exit 5.

use std::collections::HashMap;
use std::time::Duration;

use genqueue_core::engine::{Engine, EngineConfig};
use genqueue_core::error_code::ErrorCode;
use genqueue_core::events::Event;
use genqueue_core::queue::Queue;
use genqueue_core::store::ListQuery;
use genqueue_core::{GenerationId, GenerationStatus};
use tokio::sync::broadcast::error::RecvError;

use crate::args::RunArgs;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit, exit_for};
use crate::output::{ended_line, excerpt, print_json_line, println_out};
use crate::signal::stop_requested;

/// How often the counters are read to notice an empty queue.
const TICK: Duration = Duration::from_millis(500);

/// Runs `genq run`.
pub async fn run(ctx: &Context, args: RunArgs) -> CliResult {
    let mut queue = ctx.open()?;
    let mut config = EngineConfig::default();
    if let Some(limit) = args.create_time_limit {
        let client = queue.client().clone().with_create_timeout(limit);
        queue = queue.with_client(client);
    }
    if let Some(margin) = args.create_landing_margin {
        config.create_landing_margin = margin;
    }
    if let Some(lease) = args.lease.filter(|l| !l.is_zero()) {
        config.lease = lease;
    }
    let stop = stop_requested();
    tokio::pin!(stop);
    let mut events = queue.events().subscribe();
    let engine = Engine::start(queue.clone(), config)?;
    let active_tokens = queue.tokens()?.iter().filter(|t| t.active).count();
    // On a team's database only the tokens whose secret is here run here.
    let here = match queue.store().shared_by_engines() {
        true => format!(
            " ({} with its secret on this machine)",
            usable_here(&queue).await?
        ),
        false => String::new(),
    };
    eprintln!(
        "genq: engine running on {} with {active_tokens} active token{}{here}{}; Ctrl-C stops it",
        queue.data_dir().display(),
        if active_tokens == 1 { "" } else { "s" },
        if args.follow {
            ", following new work"
        } else {
            ""
        },
    );
    // What was active at start, so that its end is reported (see `report`).
    let mut last: HashMap<GenerationId, GenerationStatus> = queue
        .list(&ListQuery {
            limit: genqueue_core::store::generations::MAX_LIST_LIMIT,
            statuses: vec![GenerationStatus::Pending, GenerationStatus::Processing],
            ..ListQuery::default()
        })?
        .into_iter()
        .map(|g| (g.id, g.status))
        .collect();
    let result = loop {
        if !args.follow
            && let Some(end) = finished(&queue).await?
        {
            // The store is idle; the events of the last endings are sent just
            // after their writes: report them before leaving (a second at most).
            let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
            while last.values().any(|s| *s == GenerationStatus::Processing) {
                match tokio::time::timeout_at(deadline, events.recv()).await {
                    Ok(Ok(ev)) => report(&queue, &ev, &mut last, args.json)?,
                    _ => break,
                }
            }
            break end;
        }
        tokio::select! {
            _ = &mut stop => {
                let c = queue.counters()?;
                let plural = |n: u64| if n == 1 { "" } else { "s" };
                eprintln!(
                    "genq: stopped; {} running generation{} stay recorded and resume at the next start, {} pending stay queued",
                    c.processing,
                    plural(c.processing),
                    c.pending
                );
                break Ok(Exit::Ok);
            }
            ev = events.recv() => match ev {
                Ok(ev) => report(&queue, &ev, &mut last, args.json)?,
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break Err(CliError::other("the engine's events stopped")),
            },
            _ = tokio::time::sleep(TICK) => {}
        }
    };
    engine.shutdown().await;
    result
}

/// The active tokens whose secret this machine's keyring holds.
async fn usable_here(queue: &Queue) -> CliResult<usize> {
    let here = queue.tokens_here().await?;
    Ok(queue
        .tokens()?
        .iter()
        .filter(|t| t.active && here.contains(&t.id))
        .count())
}

/// Without `--follow`: `Some` when the run should end — nothing active
/// (exit 0), or nothing can start (paused: exit 0 with a note; no active
/// token, or on a team's database none with its secret here: exit 4).
async fn finished(queue: &Queue) -> CliResult<Option<CliResult>> {
    let c = queue.counters()?;
    if c.active == 0 {
        return Ok(Some(Ok(Exit::Ok)));
    }
    if c.processing > 0 {
        return Ok(None);
    }
    if queue.is_paused()? {
        eprintln!(
            "genq: the queue is paused; {} pending generation{} left (`genq resume`)",
            c.pending,
            if c.pending == 1 { "" } else { "s" }
        );
        return Ok(Some(Ok(Exit::Ok)));
    }
    if !queue.tokens()?.iter().any(|t| t.active) {
        return Ok(Some(Err(CliError::token(format!(
            "no active token, so {} pending generation{} cannot start; add one with `genq tokens add`",
            c.pending,
            if c.pending == 1 { "" } else { "s" }
        )))));
    }
    if queue.store().shared_by_engines() && usable_here(queue).await? == 0 {
        return Ok(Some(Err(CliError::token(format!(
            "no token of the team's pool has its secret on this machine, so {} pending \
             generation{} cannot start here (an engine of a member who holds one runs them); \
             paste the token with `genq tokens add` to run them here",
            c.pending,
            if c.pending == 1 { "" } else { "s" }
        )))));
    }
    Ok(None)
}

/// Prints an event: as a JSON line, or as text when a generation starts
/// processing or ends.
fn report(
    queue: &Queue,
    ev: &Event,
    last: &mut HashMap<GenerationId, GenerationStatus>,
    json: bool,
) -> CliResult<()> {
    if json {
        print_json_line(ev)?;
    }
    if let Event::StoreTooNew { reason } = ev {
        // Every store call is refused from now on: nothing left to run.
        return Err(CliError::new(
            exit_for(ErrorCode::StoreTooNew),
            reason.clone(),
        ));
    }
    if json {
        return Ok(());
    }
    match ev {
        // Once per ending, by construction (the core's lifecycle).
        Event::GenerationEnded(g) => {
            last.remove(&g.id);
            let full = queue.get(g.id)?;
            println_out(&ended_line(
                queue.data_dir(),
                &full,
                queue.store().shared_by_engines(),
            ))
        }
        Event::StoreUnreachable { reason } => {
            println_out(&format!("⚠ {reason}; not claiming until it answers"))
        }
        Event::StoreBack => println_out("✓ the team database answers again"),
        Event::GenerationChanged(g) if g.status == GenerationStatus::Processing => {
            if last.insert(g.id, g.status) == Some(g.status) {
                return Ok(());
            }
            println_out(&format!(
                "⟳ {} processing: {}",
                g.id,
                excerpt(&g.prompt_excerpt, 60)
            ))
        }
        _ => Ok(()),
    }
}
