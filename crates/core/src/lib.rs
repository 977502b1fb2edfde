//! genqueue-core: the queue of image generations on Replicate, without a window.
//!
//! - [`store`]: the SQLite store (generations, tokens, counters) and the token pool's claims.
//! - [`replicate`]: our client for Replicate's HTTP API v1.
//! - [`secrets`]: where token secrets live (the OS keyring).
//! - [`queue`]: the operations a shell calls (submit, cancel, retry, tokens…).
//! - [`engine`]: dispatching, following, saving outputs; one per data folder.
//! - [`events`]: what changed, announced after the store holds it.
//! - [`model`]: the domain types every shell shares.
//! - [`history`], [`batches`], [`priority`]: the history page and bulk actions,
//!   batches, and the order pending generations run in.
//! - [`settings`]: the user's settings (stored as JSON in the store).
//! - [`error_code`]: the codes every error crosses to a UI or a script with.
//!
//! The shells (`src-tauri`, `crates/cli`) drive it; it knows nothing of them.

pub mod batches;
pub mod engine;
pub mod error_code;
pub mod events;
pub mod history;
pub mod model;
pub mod paths;
pub mod presets;
pub mod priority;
pub mod queue;
pub mod redact;
pub mod replicate;
pub mod secrets;
pub mod settings;
pub mod store;

pub use model::*;
