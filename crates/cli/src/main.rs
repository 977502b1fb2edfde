//! `genq`: Genqueue's queue of Replicate image generations from the command
//! line — the same engine and data folder as the desktop app, for scripts,
//! batches and machines without a screen.
//!
//! - [`args`]: the command line (clap) and its help texts.
//! - [`commands`]: one file per command.
//! - [`exit`]: exit codes and the one-line error type.
//! - [`output`] and [`view`]: JSON, text lines, and the live progress view.

mod args;
mod commands;
mod context;
mod exit;
mod logging;
mod output;
mod signal;
mod view;

use clap::Parser;

use crate::exit::Exit;

fn main() {
    let cli = args::Cli::parse();
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("genq: error: cannot start the async runtime: {e}");
            std::process::exit(Exit::Error as i32);
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(exit) => exit,
        Err(e) => {
            let message = genqueue_core::redact::redact(&e.message).into_owned();
            eprintln!("genq: error: {}", message.replace('\n', " "));
            e.exit
        }
    };
    // Background tasks (an engine's, a simulator's) are not waited for: every
    // command has already stopped what it started.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code as i32);
}
