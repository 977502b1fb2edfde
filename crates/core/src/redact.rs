//! Last line of defence for logs: anything shaped like a Replicate token is
//! masked before a log line is written.
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

/// `text` with every token-like run replaced by `r8_<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    TOKEN_LIKE.replace_all(text, "r8_<redacted>")
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
    fn the_writer_redacts_what_it_passes_on() {
        let mut out = RedactingWriter(Vec::new());
        let fake = format!("r8_{}", "x9".repeat(20));
        write!(out, "token={fake}\n").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "token=r8_<redacted>\n");
    }
}
