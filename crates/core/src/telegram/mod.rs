//! Telegram: the queue's endings sent to a chat through a Telegram bot.
//!
//! - [`client`]: [`BotApi`], the few Bot API methods Genqueue calls
//!   (`getMe`, `sendMessage`, `sendPhoto`, `sendMediaGroup`, `sendDocument`,
//!   `getUpdates`);
//! - [`error`]: [`TelegramError`], what a call can fail with, and which
//!   failures are worth retrying (429 with `retry_after`, 5xx, no connection);
//! - [`token`]: the bot token: checked, kept in the OS keyring (never in
//!   the store, logs or events);
//! - [`message`]: what is sent for a completion, a failure, the end of the
//!   queue (captions within Telegram's limits, photos or files), in the
//!   user's language;
//! - [`relay`]: [`Relay`], the subscriber: it follows the queue's events,
//!   keeps what is to be sent in a bounded outbox and sends it from its own
//!   task, retrying with backoff. It never blocks or fails the queue.
//!
//! Bot API facts used here, from <https://core.telegram.org/bots/api>:
//! requests go to `<base>/bot<token>/<METHOD>` (base
//! `https://api.telegram.org`); answers are `{"ok": true, "result": …}` or
//! `{"ok": false, "error_code": N, "description": "…", "parameters":
//! {"retry_after": S}}` ("In case of exceeding flood control, the number of
//! seconds left to wait before the request can be repeated"); files are
//! uploaded as `multipart/form-data`, 10 MB at most for photos and 50 MB for
//! other files; a message text is 1–4096 characters, a caption 0–1024; a
//! media group holds 2–10 items, each `attach://<name>` naming a part of the
//! same request. No `parse_mode` is sent: prompts go out as plain text, so
//! nothing in them needs escaping.

pub mod client;
pub mod error;
pub mod message;
pub mod relay;
pub mod token;

pub use client::{BotApi, ChatSeen, Upload};
pub use error::TelegramError;
pub use relay::{Relay, RelayConfig, TelegramFailure, TelegramStatus};
pub use token::{BOT_TOKEN_ACCOUNT, parse_bot_token};

/// Telegram's own Bot API server.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";
/// Longest message text, in characters (`sendMessage`: 1–4096).
pub const TEXT_MAX: usize = 4096;
/// Longest caption of a photo or a file, in characters (0–1024).
pub const CAPTION_MAX: usize = 1024;
/// Items in one `sendMediaGroup` (2–10).
pub const MEDIA_GROUP: std::ops::RangeInclusive<usize> = 2..=10;
/// Largest photo uploaded with `sendPhoto` (10 MB); larger ones go as files.
pub const PHOTO_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Largest file a bot may upload (50 MB); larger outputs are named, not sent.
pub const UPLOAD_MAX_BYTES: u64 = 50 * 1024 * 1024;
