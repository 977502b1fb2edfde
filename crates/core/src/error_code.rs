//! [`ErrorCode`]: the one list of error codes, and the one table that maps
//! every error of the core to its code.
//!
//! An error crosses to a window or a script as `{code, message}`
//! ([`ErrorPayload`]): `message` is a sentence for people, `code` is what the
//! UI (`ui/src`, through the generated `ErrorCode` union of `bindings.ts`)
//! and the CLI's exit codes (`crates/cli/src/exit.rs`) branch on. A code
//! exists because something branches on it or a person can act on it
//! differently; everything else shares a broad one (`store`, `io`,
//! `internal`). Wrapping errors delegate to the error they wrap.

use serde::{Deserialize, Serialize};

use crate::engine::EngineError;
use crate::model::InvalidModelRef;
use crate::queue::QueueError;
use crate::replicate::{ApiError, ApiErrorKind, SchemaError};
use crate::secrets::SecretError;
use crate::settings::SettingsError;
use crate::store::StoreError;

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// A stable, snake_case name for what went wrong. Serialised as its
        /// name (`"no_token"`); exported to TypeScript as a union of strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it crosses IPC: `"no_token"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    // ---- the input or the state refuses it (genq exit 3) ----
    /// No generation, token or batch with this id (also: a Replicate 404).
    NotFound = "not_found",
    /// The generation's (or token's) state does not allow this action:
    /// cancel a finished one, retry a running one, move one not pending…
    InvalidState = "invalid_state",
    /// A value refused: an input that breaks the model's schema (checked here
    /// or by Replicate, 400/422), a concurrency out of 1..=16, a bad URL.
    InvalidInput = "invalid_input",
    /// Not `owner/name[:version]`, or a model whose input form cannot be read.
    InvalidModel = "invalid_model",
    /// Too few or too many generations asked for at once.
    InvalidCount = "invalid_count",
    /// A prompt that is empty once trimmed.
    EmptyPrompt = "empty_prompt",
    /// Settings refused (relative output folder, non-http URL, retention).
    InvalidSettings = "invalid_settings",
    // ---- tokens and the keyring (genq exit 4) ----
    /// No active token that is not cooling down: the UI offers the Tokens page.
    NoToken = "no_token",
    /// This token is already in the pool.
    DuplicateToken = "duplicate_token",
    /// Replicate refused the token (401).
    Unauthorized = "unauthorized",
    /// Replicate refused the token for this action (403).
    Forbidden = "forbidden",
    /// The token's account has no credit or billing (402).
    PaymentRequired = "payment_required",
    /// The pasted text is not a Replicate token (empty, spaces, too short…).
    SecretMalformed = "secret_malformed",
    /// The keyring holds no secret for this token.
    SecretNotFound = "secret_not_found",
    /// No keyring is reachable (Linux: no Secret Service provider).
    KeyringUnavailable = "keyring_unavailable",
    /// The keyring is locked.
    KeyringLocked = "keyring_locked",
    /// Any other keyring failure.
    KeyringError = "keyring_error",
    /// Telegram refused a message, cannot be reached, or is not set up (no
    /// bot token or chat); the message says which and what to do.
    Telegram = "telegram",
    // ---- Replicate, the store, the machine (genq exit 1) ----
    /// Replicate asks to slow down (429).
    RateLimited = "rate_limited",
    /// Replicate cannot be reached: no connection, a time-out, a broken one.
    Unreachable = "unreachable",
    /// Replicate failed (5xx, an unexpected status, an unreadable answer).
    ReplicateError = "replicate_error",
    /// Another program holds the database.
    StoreLocked = "store_locked",
    /// The database (or its disk) cannot be written.
    StoreReadOnly = "store_read_only",
    /// The database file is damaged or not Genqueue's.
    StoreCorrupt = "store_corrupt",
    /// The disk holding the database is full.
    StoreDiskFull = "store_disk_full",
    /// The database was written by a newer Genqueue.
    StoreTooNew = "store_too_new",
    /// A team's PostgreSQL database cannot be reached (nothing was written).
    StoreUnreachable = "store_unreachable",
    /// Any other database failure.
    Store = "store",
    /// Another engine (the desktop app or `genq run`) drives this data folder (genq exit 5).
    EngineRunning = "engine_running",
    /// A file or folder could not be read, written or opened.
    Io = "io",
    /// A failure inside the app itself (a task that died, the window system).
    Internal = "internal",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the name on the wire (`code == "no_token"`), as tests read.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The `{code, message}` shape in which errors cross to a UI or a script.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorPayload {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorPayload {
            code,
            message: message.into(),
        }
    }
}

impl From<&QueueError> for ErrorPayload {
    fn from(e: &QueueError) -> Self {
        ErrorPayload::new(e.code(), e.to_string())
    }
}

// ---- every error of the core, to its code ----------------------------------

impl QueueError {
    /// The code of this error; a wrapped error answers for itself.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Store(e) => e.code(),
            Self::Secret(e) => e.code(),
            Self::Api(e) => e.code(),
            Self::Settings(e) => e.code(),
            Self::Spend(_) => ErrorCode::InvalidSettings,
            Self::GenerationNotFound(_) | Self::TokenNotFound(_) | Self::BatchNotFound(_) => {
                ErrorCode::NotFound
            }
            Self::EmptyPrompt => ErrorCode::EmptyPrompt,
            Self::InvalidCount { .. } | Self::TooMany { .. } => ErrorCode::InvalidCount,
            Self::InvalidInput(_) | Self::InvalidDeadline(_) => ErrorCode::InvalidInput,
            Self::Schema(_) => ErrorCode::InvalidModel,
            Self::NoToken => ErrorCode::NoToken,
            Self::DuplicateToken(_) => ErrorCode::DuplicateToken,
            Self::CannotCancel { .. }
            | Self::CannotRetry { .. }
            | Self::CannotDelete
            | Self::NotOwn { .. }
            | Self::CannotMove { .. }
            | Self::TokenBusy { .. }
            | Self::NotShared => ErrorCode::InvalidState,
            Self::Io { .. } => ErrorCode::Io,
        }
    }
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Locked { .. } => ErrorCode::StoreLocked,
            Self::ReadOnly { .. } => ErrorCode::StoreReadOnly,
            Self::Corrupt { .. } => ErrorCode::StoreCorrupt,
            Self::DiskFull { .. } => ErrorCode::StoreDiskFull,
            Self::TooNew { .. } => ErrorCode::StoreTooNew,
            Self::Unreachable { .. } => ErrorCode::StoreUnreachable,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::NotPending { .. } | Self::LeaseLost { .. } => ErrorCode::InvalidState,
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::OutputFile { .. } => ErrorCode::Io,
            Self::CannotOpen { .. }
            | Self::Migration { .. }
            | Self::Data { .. }
            | Self::Postgres { .. }
            | Self::Unsupported { .. }
            | Self::Sqlite { .. } => ErrorCode::Store,
        }
    }
}

impl SecretError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unavailable(_) => ErrorCode::KeyringUnavailable,
            Self::Locked(_) => ErrorCode::KeyringLocked,
            Self::NotFound(_) => ErrorCode::SecretNotFound,
            Self::Malformed(_) => ErrorCode::SecretMalformed,
            Self::Other(_) => ErrorCode::KeyringError,
        }
    }
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self.kind {
            ApiErrorKind::Unauthorized => ErrorCode::Unauthorized,
            ApiErrorKind::Forbidden => ErrorCode::Forbidden,
            ApiErrorKind::PaymentRequired => ErrorCode::PaymentRequired,
            ApiErrorKind::NotFound => ErrorCode::NotFound,
            ApiErrorKind::Invalid | ApiErrorKind::BadUrl => ErrorCode::InvalidInput,
            ApiErrorKind::RateLimited => ErrorCode::RateLimited,
            ApiErrorKind::Timeout | ApiErrorKind::Connect | ApiErrorKind::Transport => {
                ErrorCode::Unreachable
            }
            ApiErrorKind::Server
            | ApiErrorKind::OtherStatus
            | ApiErrorKind::Decode
            | ApiErrorKind::TooLarge => ErrorCode::ReplicateError,
        }
    }
}

impl SettingsError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidSettings
    }
}

impl InvalidModelRef {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidModel
    }
}

impl SchemaError {
    /// A model without a version or with an unreadable input schema cannot run.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidModel
    }
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::AlreadyRunning(_) => ErrorCode::EngineRunning,
            Self::Lock { .. } => ErrorCode::Io,
            Self::Store(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_crosses_as_its_snake_case_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            let back: ErrorCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, *code);
        }
        let names: std::collections::HashSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "a name is used twice");
    }

    #[test]
    fn a_store_error_keeps_its_own_code_through_the_queue() {
        let e = QueueError::from(StoreError::DiskFull {
            path: "/data/genqueue.db".into(),
        });
        assert_eq!(e.code(), ErrorCode::StoreDiskFull);
        let p = ErrorPayload::from(&e);
        assert_eq!(
            serde_json::to_value(&p).unwrap()["code"],
            serde_json::json!("store_disk_full")
        );
        assert!(p.message.contains("free some space"), "{}", p.message);
    }

    #[test]
    fn a_pending_only_refusal_is_an_invalid_state() {
        let e = QueueError::from(StoreError::NotPending {
            id: uuid::Uuid::nil(),
            status: crate::model::GenerationStatus::Completed,
        });
        assert_eq!(e.code(), ErrorCode::InvalidState);
    }
}
