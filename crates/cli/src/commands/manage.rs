//! The small queue commands: cancel, retry, rm, pause, resume, mark-viewed.

use genqueue_core::model::GenerationId;

use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// `genq cancel ID`: pending ones at once; processing ones on Replicate too.
pub async fn cancel(ctx: &Context, id: GenerationId) -> CliResult {
    let g = ctx.open()?.cancel(id).await?;
    println_out(&format!("{} {}", g.id, g.status))?;
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

/// `genq mark-viewed ID` or `genq mark-viewed --all`.
pub fn mark_viewed(ctx: &Context, id: Option<GenerationId>, all: bool) -> CliResult {
    let queue = ctx.open()?;
    match (id, all) {
        (_, true) => {
            let n = queue.mark_all_viewed()?;
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
