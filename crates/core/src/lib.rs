//! genqueue-core: the queue of image generations on Replicate, without a window.
//!
//! - [`store`]: the SQLite store (generations, tokens, counters) and the token pool's claims.
//! - [`replicate`]: our client for Replicate's HTTP API v1.
//! - [`secrets`]: where token secrets live (the OS keyring).
//! - [`queue`]: the operations a shell calls (cancel, retry, tokens…).
//! - [`submit`]: queueing generations: [`submit::SubmitRequest`], its limits and checks,
//!   the model input forms read so far.
//! - [`engine`]: dispatching, following, saving outputs; one per data folder.
//! - [`events`]: what changed, announced after the store holds it.
//! - [`lifecycle`]: a generation's transitions, each written once with its guard.
//! - [`deadlines`]: a generation's time-to-start and run deadlines, and their texts.
//! - [`clock`]: the time the engine and the queue read (tests move it).
//! - [`model`]: the domain types every shell shares.
//! - [`history`], [`batches`], [`priority`]: the history page and bulk actions,
//!   batches, and the order pending generations run in.
//! - [`settings`]: the user's settings (stored as JSON in the store).
//! - [`spend`]: prices, what each generation costs, totals and budgets.
//! - [`paths`]: the data folder, its layout (store file, outputs) and output paths.
//! - [`error_code`]: the codes every error crosses to a UI or a script with.
//! - [`endings`]: the endings of generations and of a run, decided once from the events.
//! - [`team`]: which team (PostgreSQL) database a data folder's queue lives in, its password, "Test connection".
//! - [`telegram`]: the endings sent to a Telegram chat through the user's bot.
//!
//! The shells (`src-tauri`, `crates/cli`) drive it; it knows nothing of them.

pub mod batches;
pub mod browse;
pub mod clock;
pub mod deadlines;
pub mod endings;
pub mod engine;
pub mod error_code;
pub mod events;
pub mod failure;
pub mod history;
pub mod ids;
pub mod inputs_sweep;
pub mod lifecycle;
pub mod model;
pub mod paths;
pub mod presets;
pub mod priority;
pub mod queue;
pub mod redact;
pub mod replicate;
pub mod secrets;
pub mod settings;
pub mod spend;
pub mod store;
pub mod submit;
pub mod team;
pub mod telegram;
pub mod wait;

pub use model::*;
