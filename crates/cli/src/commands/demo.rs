//! `genq demo`: the queue end to end without a Replicate account.
//!
//! Starts replicate-sim on loopback with three fake tokens (made at run
//! time, kept in memory only: the OS keyring is not touched), queues a few
//! FLUX schnell generations through the same checks as `genq submit`, runs
//! the engine in this process with the live view, and prints where the
//! images are. The data folder is a new temporary one (kept afterwards) or
//! `--dir`; never the app's own, and never a folder that is not a demo's.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use genqueue_core::ModelRef;
use genqueue_core::paths::default_data_dir;
use genqueue_core::queue::Queue;
use genqueue_core::secrets::MemorySecretStore;
use genqueue_core::submit::{Prompts, SubmitInput, SubmitRequest};
use rand::Rng;
use replicate_sim::{AccountConfig, Delay, Sim, SimConfig, Timing};

use crate::args::DemoArgs;
use crate::commands::{submit, wait};
use crate::context::Context;
use crate::exit::{CliError, CliResult};
use crate::output::println_out;

/// A file the demo leaves in its folder; `--dir` must be new, empty, or hold it.
pub const MARKER: &str = "genq-demo";

/// Number of fake tokens (one sim account each).
const TOKENS: usize = 3;

/// Prompts the demo cycles through.
const PROMPTS: [&str; 6] = [
    "a lighthouse on a cliff at dawn, oil painting",
    "a red fox in fresh snow, photograph",
    "a bowl of ramen, isometric illustration",
    "an astronaut reading in a library, watercolour",
    "a paper boat on a rainy street, macro",
    "a cosy cabin under the northern lights",
];

/// Runs `genq demo`.
pub async fn run(args: DemoArgs) -> CliResult {
    if !(args.time_scale > 0.0 && args.time_scale.is_finite()) {
        return Err(CliError::invalid("--time-scale must be a positive number"));
    }
    let dir = demo_dir(args.dir.as_deref())?;
    let tokens: Vec<String> = (0..TOKENS).map(|_| fake_token()).collect();
    let mut config = SimConfig {
        timing: Timing {
            boot: Delay::Uniform(Duration::from_millis(500), Duration::from_millis(1500)),
            predict: Delay::Uniform(Duration::from_secs(2), Duration::from_secs(6)),
            time_scale: args.time_scale,
        },
        image_scale: 0.25,
        ..SimConfig::default()
    };
    for (i, t) in tokens.iter().enumerate() {
        config = config.account(AccountConfig::new(t, format!("demo-user-{}", i + 1)));
    }
    let sim = Sim::start(config)
        .await
        .map_err(|e| CliError::other(format!("cannot start the simulator on loopback: {e}")))?;
    println_out(&format!(
        "replicate-sim on {} with {TOKENS} demo tokens; data in {}",
        sim.base_url(),
        dir.display()
    ))?;
    let ctx = Context {
        data_dir: dir.clone(),
        api_base: sim.base_url(),
        // The demo's queue is its own folder's, never a team's database.
        database_url: None,
    };
    let result = drive(&ctx, &tokens, args.count).await;
    sim.shutdown().await;
    let exit = result?;
    println_out(&format!(
        "images are in {}; look around with `genq --data-dir {} ls` (the demo tokens are gone)",
        dir.join(genqueue_core::paths::OUTPUTS_DIR).display(),
        dir.display()
    ))?;
    Ok(exit)
}

/// Adds the tokens, queues `count` generations, waits for them.
async fn drive(ctx: &Context, tokens: &[String], count: u32) -> CliResult {
    let queue = ctx.open_with(Arc::new(MemorySecretStore::new()))?;
    forget_old_tokens(&queue).await?;
    for (i, t) in tokens.iter().enumerate() {
        let (token, account) = queue.add_token(&format!("demo-{}", i + 1), t).await?;
        println_out(&format!(
            "added token \"{}\" (…{}) for account {}",
            token.label, token.fingerprint, account.username
        ))?;
    }
    let model: ModelRef = "black-forest-labs/flux-schnell"
        .parse()
        .expect("a valid model reference");
    let prompts: Vec<String> = (0..count as usize)
        .map(|i| PROMPTS[i % PROMPTS.len()].to_owned())
        .collect();
    let request = SubmitRequest {
        model,
        prompts: Prompts::Lines(prompts),
        input: SubmitInput::Text(vec![("output_format".into(), "png".into())]),
        count: 1,
        priority: 0,
        deadlines: Default::default(),
    };
    let rows = submit::submit(&queue, &request, None).await?;
    println_out(&format!(
        "queued {} generations on black-forest-labs/flux-schnell",
        rows.len()
    ))?;
    let ids: Vec<_> = rows.iter().map(|g| g.id).collect();
    wait::wait_for(&queue, &ids, false).await
}

/// Removes tokens left by an earlier demo in the same folder: their secrets
/// lived in that run's memory only.
async fn forget_old_tokens(queue: &Queue) -> CliResult<()> {
    for t in queue.tokens()? {
        queue.remove_token(t.id).await?;
    }
    Ok(())
}

/// The demo's folder: `--dir` if it is new, empty or an earlier demo's (and
/// not the app's data folder), else a new temporary folder that is kept.
fn demo_dir(given: Option<&Path>) -> CliResult<PathBuf> {
    let dir = match given {
        Some(d) => {
            let app = default_data_dir();
            if same_place(d, &app) {
                return Err(CliError::invalid(format!(
                    "{} is Genqueue's data folder; give the demo a folder of its own",
                    d.display()
                )));
            }
            let is_empty = std::fs::read_dir(d)
                .map(|mut r| r.next().is_none())
                .unwrap_or(true);
            if !is_empty && !d.join(MARKER).exists() {
                return Err(CliError::invalid(format!(
                    "{} is not empty and not a demo folder; give a new or empty folder",
                    d.display()
                )));
            }
            std::fs::create_dir_all(d)
                .map_err(|e| CliError::other(format!("cannot create {}: {e}", d.display())))?;
            d.to_owned()
        }
        None => tempfile::Builder::new()
            .prefix("genq-demo-")
            .tempdir()
            .map_err(|e| CliError::other(format!("cannot create a temporary folder: {e}")))?
            .keep(),
    };
    std::fs::write(
        dir.join(MARKER),
        "made by `genq demo`: a simulated queue, safe to delete\n",
    )
    .map_err(|e| CliError::other(format!("cannot write in {}: {e}", dir.display())))?;
    Ok(dir)
}

/// Whether two paths name the same folder (compared canonically when both exist).
fn same_place(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A fake, token-shaped secret the simulator will accept.
fn fake_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..37)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("r8_{tail}")
}
