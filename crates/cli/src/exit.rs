//! Exit codes and the one error type every command returns.
//!
//! A failed command prints exactly one line on stderr,
//! `genq: error: <sentence>`, and exits with one of the codes below
//! (also listed in `genq --help`). Messages never hold a token: they come
//! from the core's errors, which are secret-free, and are masked once more
//! with [`genqueue_core::redact::redact`] before printing.

use std::fmt;

use genqueue_core::engine::EngineError;
use genqueue_core::error_code::ErrorCode;
use genqueue_core::queue::QueueError;
use genqueue_core::secrets::SecretError;
use genqueue_core::store::StoreError;

/// What the process returns. The numbers are stable: scripts branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: anything else (store, disk, network, Replicate unreachable).
    Error = 1,
    /// 2: the command line itself is wrong (clap's own code).
    Usage = 2,
    /// 3: the input was refused before anything was queued: an empty prompt,
    /// too many generations at once, an unknown model, an input that breaks
    /// the model's schema, an unreadable prompts file, an unknown generation
    /// id, an action the generation's state does not allow.
    InvalidInput = 3,
    /// 4: a token problem: malformed, refused by Replicate (401/403/402),
    /// already in the pool, unknown, none active, or the keyring unusable.
    Token = 4,
    /// 5: another engine (the desktop app or `genq run`) drives this data folder.
    EngineRunning = 5,
    /// 6: with `--wait`, at least one generation ended failed or cancelled.
    GenerationFailed = 6,
    /// 130: interrupted by Ctrl-C while waiting (queued work stays queued).
    Interrupted = 130,
}

/// The text of `--help`'s "Exit codes" section.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    done
  1    error (store, disk, network, Replicate unreachable)
  2    usage: the command line is wrong
  3    invalid input, nothing queued: empty prompt, too many generations at
       once, unknown model, input that breaks the model's schema, unreadable
       prompts file, unknown id, or an action the generation's state does
       not allow
  4    token problem: malformed, refused by Replicate, duplicate, unknown,
       none active, or the keyring unavailable or locked
  5    another engine (the desktop app or `genq run`) runs on this data folder
  6    --wait: a generation ended failed or cancelled
  130  interrupted (Ctrl-C) while waiting; queued work stays queued

Errors are one line on stderr: `genq: error: <what went wrong>`.";

/// A command's failure: the exit code and the sentence for stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// How the process exits.
    pub exit: Exit,
    /// One line, no trailing period needed, never a secret.
    pub message: String,
}

impl CliError {
    /// An error with the given code and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
        }
    }

    /// Exit 3 with `message`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Exit::InvalidInput, message)
    }

    /// Exit 4 with `message`.
    pub fn token(message: impl Into<String>) -> Self {
        Self::new(Exit::Token, message)
    }

    /// Exit 1 with `message`.
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Exit::Error, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a command returns.
pub type CliResult<T = Exit> = Result<T, CliError>;

/// The exit code for an error code: the one table from the core's codes to
/// the process's. Exhaustive, so a new code needs a decision here.
pub fn exit_for(code: ErrorCode) -> Exit {
    use ErrorCode::*;
    match code {
        NotFound | InvalidState | InvalidInput | InvalidModel | InvalidCount | EmptyPrompt => {
            Exit::InvalidInput
        }
        NoToken | DuplicateToken | Unauthorized | Forbidden | PaymentRequired | SecretMalformed
        | SecretNotFound | KeyringUnavailable | KeyringLocked | KeyringError => Exit::Token,
        EngineRunning => Exit::EngineRunning,
        InvalidSettings | RateLimited | Unreachable | ReplicateError | StoreLocked
        | StoreReadOnly | StoreCorrupt | StoreDiskFull | StoreTooNew | StoreUnreachable | Store
        | Io | Internal | Telegram => Exit::Error,
    }
}

impl From<QueueError> for CliError {
    fn from(e: QueueError) -> Self {
        let exit = match &e {
            // An unknown token is a token problem, not an unknown id.
            QueueError::TokenNotFound(_) => Exit::Token,
            _ => exit_for(e.code()),
        };
        CliError::new(exit, e.to_string())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::new(exit_for(e.code()), e.to_string())
    }
}

impl From<SecretError> for CliError {
    fn from(e: SecretError) -> Self {
        CliError::new(exit_for(e.code()), e.to_string())
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        CliError::new(exit_for(e.code()), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genqueue_core::replicate::{ApiError, ApiErrorKind};

    fn api_exit(e: &ApiError) -> Exit {
        exit_for(e.code())
    }

    #[test]
    fn replicate_refusals_are_token_problems_and_404_is_invalid_input() {
        assert_eq!(
            api_exit(&ApiError::new(ApiErrorKind::Unauthorized, "")),
            Exit::Token
        );
        assert_eq!(
            api_exit(&ApiError::new(ApiErrorKind::NotFound, "")),
            Exit::InvalidInput
        );
        assert_eq!(
            api_exit(&ApiError::new(ApiErrorKind::Connect, "")),
            Exit::Error
        );
    }

    #[test]
    fn exits_follow_the_error_code() {
        assert_eq!(exit_for(ErrorCode::InvalidState), Exit::InvalidInput);
        assert_eq!(exit_for(ErrorCode::NoToken), Exit::Token);
        assert_eq!(exit_for(ErrorCode::StoreLocked), Exit::Error);
        let e: CliError = QueueError::NoToken.into();
        assert_eq!(e.exit, Exit::Token);
    }

    #[test]
    fn an_engine_already_running_has_its_own_code() {
        let e: CliError = EngineError::AlreadyRunning("/tmp/x".into()).into();
        assert_eq!(e.exit, Exit::EngineRunning);
        assert_eq!(Exit::EngineRunning as i32, 5);
    }
}
