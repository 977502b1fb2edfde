//! The command line (clap): global options, commands, flags, and the help
//! texts that document exit codes and `--json` shapes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use genqueue_core::GenerationStatus;
use genqueue_core::model::GenerationId;
use genqueue_core::paths::DATA_DIR_ENV;
use genqueue_core::replicate::ReplicateClient;
use genqueue_core::store::DATABASE_URL_ENV;
use genqueue_core::submit::{MAX_BATCH, MAX_COUNT};

use crate::exit::EXIT_CODES_HELP;

/// Environment variable for Replicate's API base URL (`--api-base`).
pub const API_BASE_ENV: &str = "REPLICATE_API_BASE";

const ABOUT: &str = "Genqueue's queue of Replicate image generations, from the command line.\n\n\
Same engine and same data folder as the desktop app: `genq submit` while the app \
(or `genq run`) is open only queues, and that engine picks the work up within a second.";

const AFTER_HELP: &str = "\
JSON (--json) is stable for scripts; shapes are the core's serde types:
  Generation   {id, model_name, model:{owner,name,version}, status, prompt,
                settings, input, output_urls, output_files, created_at,
                started_at, completed_at, viewed, viewed_at, prediction_id,
                token_id, replicate_status, error, error_kind, progress,
                priority, attempts, next_attempt_at, wait_reason,
                create_sent_at, batch_id, retried_from, updated_at}
  Summary      (`ls --json`) {id, model_name, status, created_at, output_urls,
                output_files, prompt_excerpt, started_at, completed_at,
                viewed, progress, replicate_status, error, error_kind,
                wait_reason, next_attempt_at, priority, batch_id, retried_from}
  Token        {id, label, fingerprint, active, disabled_reason, disabled_at,
                last_used_at, request_count, error_count, rate_limited_count,
                cooldown_until, max_concurrency, in_flight, created_at}
               (`tokens list --json` adds on_this_machine: whether this
                machine's keyring holds its secret)
  ModelCard    (`models --json`) {model, description, run_count,
                cover_image_url, is_official, latest_version, example_prompt,
                example_output, tags}
Statuses: pending, processing, completed, failed, cancelled. Times are RFC 3339
UTC. output_files are relative to the data folder: `outputs/<id>/<n>.<ext>`
(`<n>-<key>.<ext>` for a file under an object key of the output), then
`text.txt` or `output.json` when the output holds text; extensions come from
the bytes (png, jpg, webp, mp4, webm, wav, mp3, txt, json, …).

Logs: RUST_LOG (e.g. RUST_LOG=genqueue_core=debug) to stderr, tokens masked.
";

/// `genq`: the command line.
#[derive(Parser, Debug)]
#[command(
    name = "genq",
    version,
    about = ABOUT,
    after_help = format!("{AFTER_HELP}\n{EXIT_CODES_HELP}"),
)]
pub struct Cli {
    /// The data folder (store, outputs); default: the desktop app's.
    #[arg(long, global = true, env = DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Replicate's API base URL (a simulator's for tests and demos).
    #[arg(
        long,
        global = true,
        env = API_BASE_ENV,
        value_name = "URL",
        default_value = ReplicateClient::DEFAULT_BASE_URL
    )]
    pub api_base: String,

    /// A team's queue in PostgreSQL (`postgres://user:password@host:port/db`)
    /// instead of the data folder's SQLite file; outputs and logs stay in the
    /// data folder. The password is never shown.
    #[arg(
        long,
        global = true,
        env = DATABASE_URL_ENV,
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<DatabaseUrl>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// A PostgreSQL address as given, password included: `Debug` shows it
/// without the password (`postgres://user@host:port/db`).
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&genqueue_core::store::pg::redacted_url(&self.0))
    }
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage the pool of Replicate API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Queue generations (checked against the model's schema first).
    Submit(SubmitArgs),
    /// List generations, newest first.
    Ls(LsArgs),
    /// Show one generation in full.
    Show {
        /// The generation's id (a UUID, as `genq ls` prints it).
        id: GenerationId,
        /// Print the Generation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Live view of the queue: a progress bar per active generation and the ⟳ line.
    Watch {
        /// Print one snapshot and exit (no live redraw).
        #[arg(long)]
        once: bool,
    },
    /// Cancel a pending or processing generation, or a batch's.
    #[command(arg_required_else_help = true)]
    Cancel {
        /// The generation's id.
        #[arg(conflicts_with = "batch", required_unless_present = "batch")]
        id: Option<GenerationId>,
        /// Every pending or processing generation of this batch (yours only
        /// on a team's database, unless --everyone).
        #[arg(long, value_name = "BATCH_ID")]
        batch: Option<genqueue_core::model::BatchId>,
        /// With --batch on a team's database: other members' too.
        #[arg(long, requires = "batch")]
        everyone: bool,
    },
    /// Queue again a failed or cancelled generation (same model and input).
    Retry {
        /// The generation's id.
        id: GenerationId,
        /// Print the new Generation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a generation that is not running, and its files.
    Rm {
        /// The generation's id.
        id: GenerationId,
    },
    /// Stop dispatching new generations (running ones go on).
    Pause,
    /// Dispatch again after `genq pause`.
    Resume,
    /// Mark a generation (or all) viewed: it leaves the ⟳ count.
    #[command(arg_required_else_help = true)]
    MarkViewed {
        /// The generation's id.
        #[arg(conflicts_with = "all", required_unless_present = "all")]
        id: Option<GenerationId>,
        /// Every generation (yours only on a team's database, unless --everyone).
        #[arg(long)]
        all: bool,
        /// With --all on a team's database: other members' too.
        #[arg(long, requires = "all")]
        everyone: bool,
    },
    /// Delete every finished generation already viewed, with its files
    /// (the window's "Clear finished"; yours only on a team's database).
    ClearFinished {
        /// On a team's database: other members' too.
        #[arg(long)]
        everyone: bool,
    },
    /// Run the engine in the foreground until the queue is empty (Ctrl-C stops cleanly).
    Run(RunArgs),
    /// Run a few generations against a built-in Replicate simulator (no account needed).
    Demo(DemoArgs),
    /// Find models on Replicate: search, collections.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// What the queue cost (per day, month, model, token) and the budgets.
    Spend(SpendArgs),
    /// Move this data folder's queue and history (with the saved files) into
    /// a team's PostgreSQL database; run it again to finish a stopped move.
    Migrate {
        /// The team database: postgres://user:password@host:port/dbname.
        #[arg(long, value_name = "URL")]
        to: DatabaseUrl,
    },
}

/// `genq models …`
#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// Search Replicate's public models (`GET /v1/search`), best first:
    /// `owner/name  N runs` and the description.
    Search {
        /// The words to look for (in names, descriptions and tags).
        #[arg(required = true)]
        words: Vec<String>,
        /// Most results (1–50, default 20).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u8).range(1..=50))]
        limit: Option<u8>,
        /// Print {query, models: [ModelCard], collections: [{slug, name, description}]}.
        #[arg(long)]
        json: bool,
    },
    /// List Replicate's collections of models (slug and description).
    Collections {
        /// Print an array of {slug, name, description}.
        #[arg(long)]
        json: bool,
    },
    /// The models of one collection.
    Collection {
        /// Its slug, e.g. text-to-video.
        slug: String,
        /// Print {slug, name, description, models: [ModelCard]}.
        #[arg(long)]
        json: bool,
    },
}

/// `genq spend …`
#[derive(Args, Debug)]
#[command(after_help = "\
Costs are estimates from a price table shipped with the app (replicate.com/pricing,
dated) plus your own lines (--prices FILE: one a line, e.g.
\"acme/model 0.02 per image\" or \"acme/model on gpu-l40s\"), and the
finished predictions' metrics (predict_time, image_count). Money is USD.
--json prints a SpendReport: amounts in integer micro-dollars, null = unknown.")]
pub struct SpendArgs {
    /// First day (YYYY-MM-DD); default: the start of this month.
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, inclusive (YYYY-MM-DD); default: the end of this month.
    #[arg(long)]
    pub to: Option<String>,
    /// Count days in this time zone (an IANA name such as Europe/Berlin,
    /// daylight saving time included), or `local` for this computer's.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Set the pool's daily limit in dollars (`5`, `0.50`), or `none`.
    #[arg(long)]
    pub daily_limit: Option<String>,
    /// Set the pool's monthly limit in dollars, or `none`.
    #[arg(long)]
    pub monthly_limit: Option<String>,
    /// Replace your price lines with this file's (a bad line is refused with its number).
    #[arg(long)]
    pub prices: Option<std::path::PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `genq tokens …`
#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Add a token: read from stdin (or a hidden prompt), checked with Replicate,
    /// stored in the OS keyring. Never pass it as an argument.
    Add {
        /// A name to tell tokens apart (default: the account's username).
        #[arg(long)]
        label: Option<String>,
        /// Generations this token may run at once (1–16).
        #[arg(long, value_name = "N")]
        concurrency: Option<u32>,
        /// Print {"token": Token, "account": {kind, username, name, github_url}}.
        #[arg(long)]
        json: bool,
    },
    /// List the tokens and their figures (never the secret).
    List {
        /// Print an array of Token.
        #[arg(long)]
        json: bool,
    },
    /// Check a token again with Replicate; a good answer enables it.
    Check {
        /// Token id, label or fingerprint (last 4 characters).
        token: String,
    },
    /// Put a disabled token back into the pool.
    Enable {
        /// Token id, label or fingerprint.
        token: String,
    },
    /// Take a token out of the pool (running generations finish on it).
    Disable {
        /// Token id, label or fingerprint.
        token: String,
        /// Why (shown in `tokens list`).
        #[arg(long, default_value = "disabled with genq")]
        reason: String,
    },
    /// Remove a token: its secret from the keyring, then its row (on a team
    /// database: for every member).
    Rm {
        /// Token id, label or fingerprint.
        token: String,
    },
    /// On a team database: delete a token's secret from this machine's
    /// keyring only; it stays in the team's pool for the members who hold it.
    Forget {
        /// Token id, label or fingerprint.
        token: String,
    },
}

/// `genq submit …`
#[derive(Args, Debug)]
#[command(after_help = "\
--json prints an array of Generation (after the wait, with --wait).
With --wait, the engine runs in this process unless the desktop app or
`genq run` already drives the data folder; then genq follows the store.")]
pub struct SubmitArgs {
    /// The model: owner/name or owner/name:version.
    #[arg(long, short)]
    pub model: String,
    /// The prompt.
    #[arg(
        long,
        short,
        conflicts_with = "prompts_file",
        required_unless_present = "prompts_file"
    )]
    pub prompt: Option<String>,
    /// A file with one prompt a line (blank lines skipped); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub prompts_file: Option<PathBuf>,
    /// A model input, typed from the schema: `num_outputs=2`, `go_fast=false`. Repeatable.
    /// A file input takes `@path` (a local file, kept with the generation and
    /// uploaded with the token that runs it), an `https://` URL or a `data:`
    /// URI; a list of files is comma-separated: `image_input=@a.png,@b.png`.
    #[arg(long = "input", short, value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    /// Generations of each prompt (the limits are the core's).
    #[arg(
        long,
        short = 'n',
        default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_COUNT)),
        help = format!("Generations of each prompt, 1 to {MAX_COUNT} (at most {MAX_BATCH} in all)")
    )]
    pub count: u32,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i64,
    /// Cancel a prediction still starting (no GPU free) after this long,
    /// not billed: `90s`, `15m`, `1h`; 1 min to 24 h. Default: the setting
    /// (15 min unless changed).
    #[arg(long, value_name = "DURATION", value_parser = start_deadline)]
    pub start_deadline: Option<u32>,
    /// Replicate's `Cancel-After`: the prediction ends after this long from
    /// its creation, queueing and boot included (`aborted` before it started,
    /// not billed; `canceled` while it runs). 5 s to 24 h. Default: none.
    #[arg(long, value_name = "DURATION", value_parser = run_deadline)]
    pub run_deadline: Option<u32>,
    /// Wait until they end and print where the files are.
    #[arg(long, short)]
    pub wait: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `genq ls …`
#[derive(Args, Debug)]
#[command(after_help = "--json prints an array of Summary (see `genq --help`).")]
pub struct LsArgs {
    /// Only this status (repeatable): pending, processing, completed, failed, cancelled.
    #[arg(long, short)]
    pub status: Vec<GenerationStatus>,
    /// How many (at most 1000).
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    /// Only generations not viewed yet.
    #[arg(long)]
    pub unviewed: bool,
    /// Only generations this member created (a team's member name).
    #[arg(long, value_name = "MEMBER")]
    pub by: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `genq run …`
#[derive(Args, Debug)]
#[command(after_help = "\
--json prints one event per line as it happens: {\"type\": T, \"data\": …} with T
one of generation_changed (a Summary), generation_ended (a Summary, once
when a generation ends: its status is the outcome), generation_removed ({id}),
counters_changed, token_changed (a Token), token_removed ({id}),
queue_changed ({paused}), spend_changed.")]
pub struct RunArgs {
    /// Keep running when the queue is empty (until Ctrl-C).
    #[arg(long, short)]
    pub follow: bool,
    /// Print events as JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Hidden (tests, slow links): a create request's whole time limit in
    /// seconds, `Prefer: wait` included (default: the wait + 15 s = 75 s).
    #[arg(long, hide = true, env = "GENQUEUE_CREATE_TIME_LIMIT", value_name = "SECONDS", value_parser = seconds)]
    pub create_time_limit: Option<std::time::Duration>,
    /// Hidden (tests): the engine's `create_landing_margin` in seconds
    /// (default 30): how long past its time limit a create's outcome stays
    /// unknown.
    #[arg(long, hide = true, env = "GENQUEUE_CREATE_LANDING_MARGIN", value_name = "SECONDS", value_parser = seconds)]
    pub create_landing_margin: Option<std::time::Duration>,
    /// Hidden (tests): the engine's lease on what it drives, in seconds
    /// (default 30): on a team's database, how long a killed engine's work
    /// waits before another engine takes it over.
    #[arg(long, hide = true, env = "GENQUEUE_LEASE", value_name = "SECONDS", value_parser = seconds)]
    pub lease: Option<std::time::Duration>,
}

/// A number of seconds (`1.5`), at most a day.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("not a number of seconds: {text:?}"))
}

/// `genq demo …`
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many generations to run.
    #[arg(long, short = 'n', default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub count: u32,
    /// Where to keep the demo's store and images (default: a new temporary folder,
    /// kept afterwards). Never the app's own data folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Simulated time scale: 1 = real-looking speed, 0.1 = ten times faster.
    #[arg(long, default_value_t = 0.5)]
    pub time_scale: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn prompt_and_prompts_file_are_exclusive() {
        let r = Cli::try_parse_from([
            "genq",
            "submit",
            "-m",
            "a/b",
            "-p",
            "x",
            "--prompts-file",
            "f",
        ]);
        assert!(r.is_err());
        let r = Cli::try_parse_from(["genq", "submit", "-m", "a/b"]);
        assert!(r.is_err());
    }

    #[test]
    fn deadlines_read_like_cancel_after_and_keep_replicates_minimum() {
        let submit = |extra: &[&str]| {
            let mut argv = vec!["genq", "submit", "-m", "a/b", "-p", "x"];
            argv.extend_from_slice(extra);
            Cli::try_parse_from(argv).map(|cli| match cli.command {
                Command::Submit(a) => (a.start_deadline, a.run_deadline),
                _ => unreachable!(),
            })
        };
        assert_eq!(submit(&[]).unwrap(), (None, None));
        assert_eq!(
            submit(&["--start-deadline", "5m", "--run-deadline", "90s"]).unwrap(),
            (Some(300), Some(90))
        );
        let e = submit(&["--run-deadline", "4s"]).unwrap_err().to_string();
        assert!(
            e.contains("a run deadline must be 5 s to 24 h, not 4 s"),
            "{e}"
        );
        let e = submit(&["--start-deadline", "soon"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("write it like 90s, 15m or 1h30m"), "{e}");
    }
}

/// `--start-deadline`: the core's grammar and range, in whole seconds.
fn start_deadline(text: &str) -> Result<u32, String> {
    deadline(genqueue_core::deadlines::DeadlineKind::Start, text)
}

/// `--run-deadline`: the core's grammar and range, in whole seconds.
fn run_deadline(text: &str) -> Result<u32, String> {
    deadline(genqueue_core::deadlines::DeadlineKind::Run, text)
}

fn deadline(kind: genqueue_core::deadlines::DeadlineKind, text: &str) -> Result<u32, String> {
    genqueue_core::deadlines::parse(kind, text)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .map_err(|e| e.to_string())
}
