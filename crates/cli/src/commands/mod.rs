//! One file per command; [`run`] dispatches the parsed command line.

mod demo;
mod ls;
mod manage;
mod migrate;
mod models;
mod run;
mod show;
mod spend;
mod submit;
mod tokens;
mod wait;
mod watch;

use crate::args::{Cli, Command};
use crate::context::Context;
use crate::exit::CliResult;

/// Runs the command and returns how the process should exit.
pub async fn run(cli: Cli) -> CliResult {
    let ctx = Context::from_cli(&cli);
    match cli.command {
        Command::Tokens(cmd) => tokens::run(&ctx, cmd).await,
        Command::Submit(args) => submit::run(&ctx, args).await,
        Command::Ls(args) => ls::run(&ctx, args),
        Command::Show { id, json } => show::run(&ctx, id, json),
        Command::Watch { once } => watch::run(&ctx, once).await,
        Command::Cancel {
            id,
            batch,
            everyone,
        } => manage::cancel(&ctx, id, batch, everyone).await,
        Command::Retry { id, json } => manage::retry(&ctx, id, json),
        Command::Rm { id } => manage::delete(&ctx, id),
        Command::Pause => manage::pause(&ctx, true),
        Command::Resume => manage::pause(&ctx, false),
        Command::MarkViewed { id, all, everyone } => manage::mark_viewed(&ctx, id, all, everyone),
        Command::ClearFinished { everyone } => manage::clear_finished(&ctx, everyone),
        Command::Run(args) => run::run(&ctx, args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Models(cmd) => models::run(&ctx, cmd).await,
        Command::Spend(args) => spend::run(&ctx, args),
        Command::Migrate { to } => migrate::run(&ctx, &to),
    }
}
