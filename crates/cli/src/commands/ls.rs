//! `genq ls`: generations, newest first.

use genqueue_core::store::ListQuery;

use crate::args::LsArgs;
use crate::context::Context;
use crate::exit::{CliResult, Exit};
use crate::output::{print_json, println_out, summary_line};

/// Runs `genq ls`: `--json` prints an array of GenerationSummary (`[]` when
/// there are none); text prints one line per generation.
pub fn run(ctx: &Context, args: LsArgs) -> CliResult {
    let queue = ctx.open()?;
    let items = queue.list(&ListQuery {
        limit: args.limit,
        statuses: args.status,
        unviewed_only: args.unviewed,
        created_by: args.by,
        before: None,
    })?;
    if args.json {
        print_json(&items)?;
    } else if items.is_empty() {
        println_out("no generations")?;
    } else {
        for g in &items {
            println_out(&summary_line(g))?;
        }
    }
    Ok(Exit::Ok)
}
