//! Errors as they cross to the UI: `{code, message}` ([`ErrorPayload`]).
//!
//! [`CommandError`] keeps the typed error a command failed with; only its
//! serialisation turns it into the payload, with the code the error itself
//! answers (`genqueue_core::error_code`: a wrapping error delegates to the
//! one it wraps). `message` is for people, `code` is for the UI to branch on
//! (`ErrorCode` in `ui/src/bindings.ts`). Never built from a secret.

use genqueue_core::engine::EngineError;
use genqueue_core::error_code::{ErrorCode, ErrorPayload};
use genqueue_core::model::InvalidModelRef;
use genqueue_core::queue::QueueError;
use genqueue_core::replicate::SchemaError;
use genqueue_core::store::StoreError;
use serde::{Serialize, Serializer};

/// The error every command returns. Serialises as `{"code": "...", "message": "..."}`.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Model(#[from] InvalidModelRef),
    #[error("this model's input schema cannot be read: {0}")]
    Schema(#[from] SchemaError),
    /// The window system or a background task failed.
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    /// A refusal or failure of the shell itself (a file it cannot write…),
    /// with the code it answers.
    #[error("{message}")]
    Shell { code: ErrorCode, message: String },
}

impl CommandError {
    /// A refusal of the shell itself, e.g. `(ErrorCode::Io, "Cannot save to …")`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError::Shell {
            code,
            message: message.into(),
        }
    }

    /// The code the UI sees: the wrapped error's own.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Queue(e) => e.code(),
            Self::Engine(e) => e.code(),
            Self::Model(e) => e.code(),
            Self::Schema(e) => e.code(),
            Self::Tauri(_) => ErrorCode::Internal,
            Self::Shell { code, .. } => *code,
        }
    }

    /// What crosses IPC.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload::new(self.code(), self.to_string())
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        QueueError::from(e).into()
    }
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.payload().serialize(serializer)
    }
}

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use genqueue_core::model::GenerationStatus;
    use genqueue_core::replicate::{ApiError, ApiErrorKind};
    use serde_json::json;

    fn wire(e: impl Into<CommandError>) -> serde_json::Value {
        // What Tauri sends to the window: the serialised error, nothing else.
        serde_json::from_str(&serde_json::to_string(&e.into()).unwrap()).unwrap()
    }

    #[test]
    fn a_store_error_crosses_with_its_own_code_not_store() {
        let v = wire(StoreError::Locked {
            path: "/data/genqueue.db".into(),
        });
        assert_eq!(v["code"], json!("store_locked"));
        let msg = v["message"].as_str().unwrap();
        assert!(
            msg.contains("/data/genqueue.db") && msg.contains("locked"),
            "{msg}"
        );
        assert_eq!(
            v.as_object().unwrap().len(),
            2,
            "only code and message: {v}"
        );
    }

    #[test]
    fn a_wrapped_error_answers_with_the_innermost_code() {
        let api = ApiError::new(ApiErrorKind::Unauthorized, "Invalid token.");
        assert_eq!(wire(QueueError::from(api))["code"], json!("unauthorized"));
        let v = wire(QueueError::NoToken);
        assert_eq!(v["code"], json!("no_token"));
        assert!(
            v["message"].as_str().unwrap().contains("Tokens page"),
            "{v}"
        );
    }

    #[test]
    fn a_refused_state_is_typed_and_says_which_state() {
        let v = wire(QueueError::CannotCancel {
            status: GenerationStatus::Completed,
        });
        assert_eq!(
            v,
            json!({
                "code": "invalid_state",
                "message": "this generation is already completed; only pending or processing ones can be cancelled"
            })
        );
    }

    #[test]
    fn shell_errors_carry_codes_of_the_same_enum() {
        let v = wire(
            "not a model"
                .parse::<genqueue_core::model::ModelRef>()
                .unwrap_err(),
        );
        assert_eq!(v["code"], json!("invalid_model"));
        let v = wire(SchemaError::NoVersion);
        assert_eq!(v["code"], json!("invalid_model"));
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .starts_with("this model's input schema")
        );
        let v = wire(CommandError::new(
            ErrorCode::Io,
            "Cannot save to /x: denied",
        ));
        assert_eq!(
            v,
            json!({"code": "io", "message": "Cannot save to /x: denied"})
        );
        let v = wire(EngineError::AlreadyRunning("/data".into()));
        assert_eq!(v["code"], json!("engine_running"));
    }

    #[test]
    fn the_payload_reads_back_as_the_bindings_type() {
        let e = CommandError::from(QueueError::EmptyPrompt);
        let back: ErrorPayload = serde_json::from_value(wire(e)).unwrap();
        assert_eq!(back.code, ErrorCode::EmptyPrompt);
    }
}
