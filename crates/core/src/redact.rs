//! Last line of defence for logs: anything shaped like a Replicate token or
//! a Telegram bot token is masked before a log line is written.
//!
//! The code never logs a secret on purpose ([`crate::secrets::Secret`]
//! prints `<redacted>`); this catches what a third-party error message might
//! echo. Replicate tokens look like `r8_` followed by about 37 letters and
//! digits.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;

static TOKEN_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"r8_[A-Za-z0-9]{8,}").expect("valid regex"));

/// A Telegram bot token (`123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11`, core.telegram.org/bots/api
/// #authorizing-your-bot), alone or inside a Bot API URL (`/bot<token>/sendPhoto`).
static BOT_TOKEN_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|[^0-9])[0-9]{3,20}:[A-Za-z0-9_-]{20,}").expect("valid regex"));

/// `text` with every token-like run replaced: Replicate's by
/// `r8_<redacted>`, a Telegram bot token by `<bot token redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let text = TOKEN_LIKE.replace_all(text, "r8_<redacted>");
    if !BOT_TOKEN_LIKE.is_match(&text) {
        return text;
    }
    Cow::Owned(
        BOT_TOKEN_LIKE
            .replace_all(&text, "${1}<bot token redacted>")
            .into_owned(),
    )
}

/// A writer that redacts each buffer before passing it on. Log formatters
/// write one whole line per call, so a token is never split across calls.
pub struct RedactingWriter<W: Write>(pub W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_like_text_is_masked() {
        let fake = format!("r8_{}", "Ab3".repeat(12));
        let line = format!("request failed for {fake} at 12:00");
        assert_eq!(redact(&line), "request failed for r8_<redacted> at 12:00");
        assert_eq!(redact("nothing here"), "nothing here");
    }

    #[test]
    fn telegram_bot_tokens_are_masked_alone_and_in_urls() {
        let fake = format!("{}:{}", 6_000_000_123u64, "AAb9-_x".repeat(5));
        let line =
            format!("sending to https://api.telegram.org/bot{fake}/sendPhoto failed; token {fake}");
        let out = redact(&line);
        assert!(!out.contains(&fake[11..]), "{out}");
        assert_eq!(
            out,
            "sending to https://api.telegram.org/bot<bot token redacted>/sendPhoto failed; token <bot token redacted>"
        );
        // Times and ids with colons are left alone.
        assert_eq!(
            redact("at 12:30:45, generation 42"),
            "at 12:30:45, generation 42"
        );
    }

    #[test]
    fn the_writer_redacts_what_it_passes_on() {
        let mut out = RedactingWriter(Vec::new());
        let fake = format!("r8_{}", "x9".repeat(20));
        write!(out, "token={fake}\n").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "token=r8_<redacted>\n");
    }
}
