//! The small queue commands: cancel, retry, rm, pause, resume, mark-viewed.

use genqueue_core::model::{BatchId, GenerationId};
use genqueue_core::queue::Scope;

use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// `genq cancel ID`: pending ones at once; processing ones on Replicate too.
/// `genq cancel --batch ID [--everyone]`: the batch's active generations
/// (one's own only on a team's database unless `--everyone`).
pub async fn cancel(
    ctx: &Context,
    id: Option<GenerationId>,
    batch: Option<BatchId>,
    everyone: bool,
) -> CliResult {
    let queue = ctx.open()?;
    match (id, batch) {
        (_, Some(batch)) => {
            let n = queue.cancel_batch(batch, scope(everyone)).await?;
            println_out(&format!("cancelled {n} generations of batch {batch}"))?;
        }
        (Some(id), None) => {
            let g = queue.cancel(id).await?;
            println_out(&format!("{} {}", g.id, g.status))?;
        }
        (None, None) => return Err(CliError::new(Exit::Usage, "give an id or --batch")),
    }
    Ok(Exit::Ok)
}

/// `--everyone` as a [`Scope`].
fn scope(everyone: bool) -> Scope {
    if everyone {
        Scope::Everyone
    } else {
        Scope::Mine
    }
}

/// `genq clear-finished [--everyone]`: the window's "Clear finished".
pub fn clear_finished(ctx: &Context, everyone: bool) -> CliResult {
    let n = ctx.open()?.clear_finished(scope(everyone))?;
    println_out(&format!("deleted {n} finished generations"))?;
    Ok(Exit::Ok)
}

/// `genq retry ID`: queues a copy of a failed or cancelled generation and
/// prints the new id (or the new Generation with `--json`).
pub fn retry(ctx: &Context, id: GenerationId, json: bool) -> CliResult {
    let g = ctx.open()?.retry(id)?;
    if json {
        print_json(&g)?;
    } else {
        println_out(&g.id.to_string())?;
    }
    Ok(Exit::Ok)
}

/// `genq rm ID`: deletes a generation that is not running, and its files.
pub fn delete(ctx: &Context, id: GenerationId) -> CliResult {
    ctx.open()?.delete(id)?;
    println_out(&format!("deleted {id}"))?;
    Ok(Exit::Ok)
}

/// `genq pause` / `genq resume`.
pub fn pause(ctx: &Context, paused: bool) -> CliResult {
    let queue = ctx.open()?;
    if paused {
        queue.pause()?;
        println_out("paused: no new generation starts; running ones go on (`genq resume`)")?;
    } else {
        queue.resume()?;
        println_out("resumed")?;
    }
    Ok(Exit::Ok)
}

/// `genq mark-viewed ID` or `genq mark-viewed --all [--everyone]`.
pub fn mark_viewed(
    ctx: &Context,
    id: Option<GenerationId>,
    all: bool,
    everyone: bool,
) -> CliResult {
    let queue = ctx.open()?;
    match (id, all) {
        (_, true) => {
            let n = queue.mark_all_viewed(scope(everyone))?;
            println_out(&format!("marked {n} generations viewed"))?;
        }
        (Some(id), false) => {
            queue.mark_viewed(id)?;
            println_out(&format!("marked {id} viewed"))?;
        }
        (None, false) => return Err(CliError::new(Exit::Usage, "give an id or --all")),
    }
    Ok(Exit::Ok)
}
