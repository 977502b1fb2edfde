//! `genq models search|collections|collection`: find models on Replicate
//! (the same reads as the window's model browser, `genqueue_core::browse`).

use genqueue_core::browse::SEARCH_LIMIT;
use genqueue_core::replicate::browse::ModelCard;

use crate::args::ModelsCommand;
use crate::context::Context;
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{print_json, println_out};

/// Runs a `models` subcommand.
pub async fn run(ctx: &Context, cmd: ModelsCommand) -> CliResult {
    let queue = ctx.open()?;
    match cmd {
        ModelsCommand::Search { words, limit, json } => {
            let query = words.join(" ");
            if query.trim().is_empty() {
                return Err(CliError::invalid(
                    "give a few words to search for, e.g. `genq models search video`",
                ));
            }
            let found = queue
                .search_models(&query, limit.unwrap_or(SEARCH_LIMIT))
                .await?;
            if json {
                print_json(&found)?;
            } else if found.models.is_empty() {
                println_out(&format!("no public model matches {query:?}"))?;
            } else {
                for m in &found.models {
                    print_card(m)?;
                }
            }
        }
        ModelsCommand::Collections { json } => {
            let list = queue.list_collections().await?;
            if json {
                print_json(&list)?;
            } else {
                for c in &list {
                    println_out(&format!(
                        "{:<28} {}",
                        c.slug,
                        c.description.as_deref().unwrap_or(&c.name)
                    ))?;
                }
            }
        }
        ModelsCommand::Collection { slug, json } => {
            let c = queue.collection(&slug).await?;
            if json {
                print_json(&c)?;
            } else {
                println_out(&format!("{} ({})", c.name, c.slug))?;
                for m in &c.models {
                    print_card(m)?;
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// `owner/name  N runs` then the description, indented.
fn print_card(m: &ModelCard) -> CliResult<()> {
    let runs = m
        .run_count
        .map(|n| format!("  {n} runs"))
        .unwrap_or_default();
    println_out(&format!("{}{runs}", m.model))?;
    if let Some(d) = &m.description {
        println_out(&format!("    {d}"))?;
    }
    Ok(())
}
