//! What a Bot API call can fail with, and what to do about it.
//!
//! Telegram answers errors as `{"ok": false, "error_code": N, "description":
//! "…", "parameters": {"retry_after": S}}` with the HTTP status equal to
//! `error_code` (core.telegram.org/bots/api#making-requests; 429 carries
//! `parameters.retry_after` in seconds, ResponseParameters). A proxy in
//! between may answer HTML: then the status alone decides. Messages never
//! hold the bot token (request URLs are dropped from transport errors).

use std::time::Duration;

/// A failed Bot API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelegramError {
    /// Telegram refused the request for good (400 bad chat id or caption, 401
    /// bad token, 403 the bot was blocked, 404 no such method…): retrying the
    /// same request cannot help.
    #[error("Telegram refused the request ({status}): {description}{hint}", hint = refusal_hint(*status, description))]
    Refused { status: u16, description: String },
    /// Flood control (429): wait `retry_after` seconds, then repeat.
    #[error("Telegram asks to wait {retry_after} s before sending again (429 Too Many Requests)")]
    RateLimited { retry_after: u64 },
    /// Telegram (or a proxy) failed: 5xx or another status; worth retrying.
    #[error("Telegram failed ({status}): {description}")]
    Server { status: u16, description: String },
    /// No answer: no connection, a time-out, a broken connection.
    #[error("Telegram cannot be reached: {0}")]
    Unreachable(String),
    /// An answer that is not the Bot API's JSON.
    #[error("Telegram's answer could not be read: {0}")]
    BadAnswer(String),
    /// A local file to send cannot be read or is too large.
    #[error("{0}")]
    File(String),
    /// The Bot API base URL is not an http(s) URL.
    #[error("the Telegram Bot API base URL {0:?} is not an http(s) URL")]
    BadBaseUrl(String),
    /// No bot token, or no chat id, is set.
    #[error("{0}")]
    NotConfigured(String),
}

fn refusal_hint(status: u16, description: &str) -> &'static str {
    match status {
        401 => "; the bot token is wrong or was revoked: paste it again from @BotFather",
        400 if description.contains("chat not found") => {
            "; check the chat id (use \"Find my chat\" after writing to the bot)"
        }
        403 => "; write /start to the bot (or add it to the group) and try again",
        _ => "",
    }
}

impl TelegramError {
    /// Whether the same request may succeed later (429, 5xx, no answer).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Unreachable(_)
        )
    }

    /// How long Telegram asked to wait (429's `retry_after`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => Some(Duration::from_secs(*retry_after)),
            _ => None,
        }
    }

    /// The error for an answer with `status` and, if it was the Bot API's
    /// JSON, its `description` and `parameters.retry_after`.
    pub(crate) fn from_answer(
        status: u16,
        description: Option<String>,
        retry_after: Option<u64>,
    ) -> TelegramError {
        let description = description.unwrap_or_else(|| {
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no description")
                .to_owned()
        });
        match status {
            // A 429 without retry_after (a proxy's): wait a little.
            429 => TelegramError::RateLimited {
                retry_after: retry_after.unwrap_or(1),
            },
            400..=499 => TelegramError::Refused {
                status,
                description,
            },
            _ => TelegramError::Server {
                status,
                description,
            },
        }
    }

    /// A transport error, without its URL (which holds the token).
    pub(crate) fn transport(e: reqwest::Error) -> TelegramError {
        let timeout = e.is_timeout();
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if timeout {
            text = format!("no answer in time ({text})");
        }
        TelegramError::Unreachable(crate::redact::redact(&text).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_control_waits_what_telegram_says_and_is_retried() {
        let e = TelegramError::from_answer(
            429,
            Some("Too Many Requests: retry after 7".into()),
            Some(7),
        );
        assert_eq!(e, TelegramError::RateLimited { retry_after: 7 });
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert!(e.is_retryable());
    }

    #[test]
    fn refusals_are_final_and_say_what_to_do() {
        let e = TelegramError::from_answer(401, Some("Unauthorized".into()), None);
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("@BotFather"), "{e}");
        let e = TelegramError::from_answer(400, Some("Bad Request: chat not found".into()), None);
        assert!(e.to_string().contains("check the chat id"), "{e}");
    }

    #[test]
    fn a_proxy_failure_without_json_is_retried() {
        let e = TelegramError::from_answer(502, None, None);
        assert!(e.is_retryable());
        assert!(e.to_string().contains("Bad Gateway"), "{e}");
    }
}
