//! Errors as they cross to the UI: `{code, message}`.
//!
//! `message` is for people; `code` is for the UI to branch on. Built from the
//! core's typed errors, never from a secret.

use genqueue_core::queue::{ErrorPayload, QueueError};
use serde::Serialize;

/// The error every command returns. Serializes as `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        CommandError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<QueueError> for CommandError {
    fn from(e: QueueError) -> Self {
        let p = ErrorPayload::from(&e);
        CommandError {
            code: p.code,
            message: p.message,
        }
    }
}

impl From<genqueue_core::store::StoreError> for CommandError {
    fn from(e: genqueue_core::store::StoreError) -> Self {
        QueueError::from(e).into()
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        CommandError::new("app", e.to_string())
    }
}

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;
