//! Server-sent events, read incrementally: the parser behind
//! [`ReplicateClient::open_stream`](super::ReplicateClient::open_stream).
//!
//! The rules are the WHATWG HTML "event stream interpretation" (§9.2.6):
//! lines end with CRLF, LF or CR; a line starting with `:` is a comment; a
//! field's value loses one leading space; `data` lines join with `\n`; a
//! blank line dispatches the event (none when it carried no data); `id`
//! persists across events until changed (an `id` holding NUL is ignored); an
//! event cut off by the end of the stream is not dispatched. Bytes may
//! arrive split anywhere, including inside a UTF-8 character or between the
//! CR and LF of one line ending.
//!
//! Replicate's official clients disagree on the details: replicate-python
//! `stream.py` drops events without an `id` and trims one space;
//! replicate-go `internal/sse` keeps the trailing newline of `data` and does
//! not know CR endings; replicate-javascript uses a spec parser
//! (`eventsource-parser`). This one follows the spec, so it reads what any of
//! them reads.

use std::time::Duration;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, `"message"` when none was given. Replicate sends
    /// `output`, `logs`, `error` and `done`.
    pub event: String,
    /// The `data` lines joined with `\n` (no trailing newline).
    pub data: String,
    /// The last event id at dispatch (the spec's "last event ID buffer"):
    /// what to send back as `Last-Event-ID` to resume after this event.
    /// `None` while the stream has given no id.
    pub id: Option<String>,
}

/// Why a stream could not be read further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// One line or one event grew past the cap (bytes).
    #[error("a server-sent event grew past {0} bytes")]
    TooLarge(usize),
}

/// An incremental parser: feed it the body's chunks as they come.
#[derive(Debug)]
pub struct SseParser {
    /// The current line's bytes, without its ending.
    line: Vec<u8>,
    /// The last byte seen was a CR: a LF right after it ends nothing.
    after_cr: bool,
    /// No byte read yet (a UTF-8 BOM is skipped there).
    at_start: bool,
    event: String,
    data: String,
    /// Any `data` field seen in this event (an empty one counts).
    has_data: bool,
    last_id: Option<String>,
    retry: Option<Duration>,
    cap: usize,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAP)
    }
}

impl SseParser {
    /// Default cap on one line or one event's data: an `output` event of a
    /// file stream may carry a whole image as a `data:` URI.
    pub const DEFAULT_CAP: usize = 64 * 1024 * 1024;

    /// A parser refusing lines or events over `cap` bytes.
    pub fn new(cap: usize) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
            retry: None,
            cap,
        }
    }

    /// A parser that resumes after `last_event_id` (sent as `Last-Event-ID`):
    /// events without an `id` of their own carry it.
    pub fn resuming(last_event_id: Option<String>) -> Self {
        SseParser {
            last_id: last_event_id,
            ..Self::default()
        }
    }

    /// The last event id seen (or resumed from).
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The reconnection time the server asked for with `retry`, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Reads one chunk; returns the events it completed, in order.
    pub fn push(&mut self, mut chunk: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut out = Vec::new();
        if self.at_start && !chunk.is_empty() {
            // A BOM may itself arrive split; only a whole one at the very
            // start is dropped (a partial one is kept as line bytes).
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let n = self.line.len();
            let seen = [&self.line[..], chunk].concat();
            if seen.len() < BOM.len() && BOM.starts_with(&seen) {
                self.line.extend_from_slice(chunk);
                return Ok(out);
            }
            self.at_start = false;
            if seen.starts_with(BOM) {
                chunk = &chunk[BOM.len() - n..];
                self.line.clear();
            }
        }
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, &mut out)?;
                }
                _ => {
                    self.after_cr = false;
                    if self.line.len() >= self.cap {
                        return Err(SseError::TooLarge(self.cap));
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(out)
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(()); // a comment (Replicate opens with `: hi`)
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.data.len() + value.len() + 1 > self.cap {
                    return Err(SseError::TooLarge(self.cap));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok().map(Duration::from_millis);
            }
            _ => {} // unknown fields are ignored
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return; // no data: nothing is dispatched (the id still counts)
        }
        out.push(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    fn all(bytes: &[u8]) -> Vec<SseEvent> {
        SseParser::default().push(bytes).unwrap()
    }

    /// A Replicate file stream as replicate-sim sends it: a comment, logs
    /// with a two-line event, two outputs, `done`.
    const STREAM: &str = ": hi\n\n\
        event: logs\nid: 1700000000:0\ndata: Using seed: 7\ndata: Prediction started\n\n\
        event: logs\nid: 1700000000:1\ndata:  50%|█████     | 2/4 [00:01<00:01,  2.00it/s]\n\n\
        event: output\nid: 1700000000:2\ndata: https://replicate.delivery/x/out-0.webp\n\n\
        event: output\nid: 1700000000:3\ndata: data:image/png;base64,iVBORw0KGgo=\n\n\
        event: done\nid: 1700000000:4\ndata: {}\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            ev(
                "logs",
                "Using seed: 7\nPrediction started",
                Some("1700000000:0"),
            ),
            ev(
                "logs",
                " 50%|█████     | 2/4 [00:01<00:01,  2.00it/s]",
                Some("1700000000:1"),
            ),
            ev(
                "output",
                "https://replicate.delivery/x/out-0.webp",
                Some("1700000000:2"),
            ),
            ev(
                "output",
                "data:image/png;base64,iVBORw0KGgo=",
                Some("1700000000:3"),
            ),
            ev("done", "{}", Some("1700000000:4")),
        ]
    }

    #[test]
    fn reads_a_replicate_file_stream() {
        assert_eq!(all(STREAM.as_bytes()), expected());
    }

    #[test]
    fn data_split_at_every_byte_offset_gives_the_same_events() {
        for text in [STREAM.to_owned(), STREAM.replace('\n', "\r\n")] {
            let bytes = text.as_bytes();
            for cut in 0..=bytes.len() {
                let mut p = SseParser::default();
                let mut got = p.push(&bytes[..cut]).unwrap();
                got.extend(p.push(&bytes[cut..]).unwrap());
                assert_eq!(got, expected(), "split at byte {cut}");
            }
            for cut in 0..bytes.len() {
                for cut2 in (cut..bytes.len()).step_by(7) {
                    let mut p = SseParser::default();
                    let mut got = p.push(&bytes[..cut]).unwrap();
                    got.extend(p.push(&bytes[cut..cut2]).unwrap());
                    got.extend(p.push(&bytes[cut2..]).unwrap());
                    assert_eq!(got, expected(), "split at bytes {cut} and {cut2}");
                }
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_events() {
        let mut p = SseParser::default();
        let mut got = Vec::new();
        for b in STREAM.as_bytes() {
            got.extend(p.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got, expected());
    }

    #[test]
    fn crlf_cr_and_lf_line_endings_are_all_line_endings() {
        let want = vec![ev("logs", "a\nb", None), ev("done", "{}", None)];
        assert_eq!(
            all(b"event: logs\r\ndata: a\r\ndata: b\r\n\r\nevent: done\r\ndata: {}\r\n\r\n"),
            want
        );
        assert_eq!(
            all(b"event: logs\rdata: a\rdata: b\r\revent: done\rdata: {}\r\r"),
            want
        );
        assert_eq!(
            all(b"event: logs\ndata: a\r\ndata: b\r\revent: done\ndata: {}\n\r\n"),
            want
        );
    }

    #[test]
    fn a_crlf_split_between_chunks_is_one_line_ending() {
        let mut p = SseParser::default();
        let mut got = p.push(b"data: a\r").unwrap();
        got.extend(p.push(b"\ndata: b\r").unwrap());
        got.extend(p.push(b"\n\r").unwrap());
        got.extend(p.push(b"\n").unwrap());
        assert_eq!(got, vec![ev("message", "a\nb", None)]);
    }

    #[test]
    fn multi_line_data_joins_with_newlines_and_keeps_empty_lines() {
        assert_eq!(
            all(b"data: one\ndata:\ndata:  three\n\n"),
            vec![ev("message", "one\n\n three", None)]
        );
        // An empty `data` alone is an event with empty data.
        assert_eq!(all(b"data\n\n"), vec![ev("message", "", None)]);
    }

    #[test]
    fn one_leading_space_is_removed_and_no_more() {
        assert_eq!(
            all(b"event:logs\ndata:x\n\nevent:  logs\ndata:   y\n\n"),
            vec![ev("logs", "x", None), ev(" logs", "  y", None)]
        );
    }

    #[test]
    fn comments_and_unknown_fields_are_ignored() {
        assert_eq!(
            all(b": hi\n:\n: keep-alive\nfoo: bar\nevent: logs\n: in between\ndata: x\n\n"),
            vec![ev("logs", "x", None)]
        );
        // A comment-only block dispatches nothing.
        assert_eq!(all(b": hi\n\n: hi again\n\n"), vec![]);
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_but_its_id_counts() {
        let mut p = SseParser::default();
        assert_eq!(p.push(b"event: logs\nid: 7\n\n").unwrap(), vec![]);
        assert_eq!(p.last_event_id(), Some("7"));
        // The type is reset; the id carries over to the next event.
        assert_eq!(
            p.push(b"data: x\n\n").unwrap(),
            vec![ev("message", "x", Some("7"))]
        );
    }

    #[test]
    fn the_id_persists_and_an_id_with_nul_is_ignored() {
        let mut p = SseParser::default();
        let got = p
            .push(b"id: a\ndata: 1\n\ndata: 2\n\nid: b\0c\ndata: 3\n\nid\ndata: 4\n\n")
            .unwrap();
        assert_eq!(
            got,
            vec![
                ev("message", "1", Some("a")),
                ev("message", "2", Some("a")),
                ev("message", "3", Some("a")),
                // `id` with no value resets it to empty (the spec's rule).
                ev("message", "4", Some("")),
            ]
        );
    }

    #[test]
    fn resuming_carries_the_last_event_id_until_the_server_sends_one() {
        let mut p = SseParser::resuming(Some("1700000000:3".into()));
        assert_eq!(p.last_event_id(), Some("1700000000:3"));
        let got = p.push(b": hi\n\nevent: done\ndata: {}\n\n").unwrap();
        assert_eq!(got, vec![ev("done", "{}", Some("1700000000:3"))]);
    }

    #[test]
    fn an_event_cut_off_by_the_end_of_the_stream_is_not_dispatched() {
        // No blank line after the last event: nothing more comes out, and
        // the complete events before it are kept.
        let mut p = SseParser::default();
        let got = p
            .push(b"event: logs\ndata: a\n\nevent: done\ndata: {}\n")
            .unwrap();
        assert_eq!(got, vec![ev("logs", "a", None)]);
        // Nor a last line without any line ending.
        let mut p = SseParser::default();
        assert_eq!(p.push(b"event: done\ndata: {}").unwrap(), vec![]);
    }

    #[test]
    fn retry_takes_digits_only() {
        let mut p = SseParser::default();
        p.push(b"retry: 1500\n\n").unwrap();
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
        p.push(b"retry: 2s\n\nretry:\n\n").unwrap();
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn a_utf8_character_split_between_chunks_survives() {
        let text = "data: █▌ é\n\n".as_bytes();
        for cut in 0..text.len() {
            let mut p = SseParser::default();
            let mut got = p.push(&text[..cut]).unwrap();
            got.extend(p.push(&text[cut..]).unwrap());
            assert_eq!(got, vec![ev("message", "█▌ é", None)], "split at {cut}");
        }
    }

    #[test]
    fn a_leading_bom_is_skipped_even_when_split() {
        let text = b"\xEF\xBB\xBFdata: x\n\n";
        for cut in 0..text.len() {
            let mut p = SseParser::default();
            let mut got = p.push(&text[..cut]).unwrap();
            got.extend(p.push(&text[cut..]).unwrap());
            assert_eq!(got, vec![ev("message", "x", None)], "split at {cut}");
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(
            all(b"data: a\xFFb\n\n"),
            vec![ev("message", "a\u{FFFD}b", None)]
        );
    }

    #[test]
    fn lines_and_events_over_the_cap_fail() {
        let mut p = SseParser::new(16);
        assert_eq!(
            p.push(&[b'x'; 17]).unwrap_err(),
            SseError::TooLarge(16),
            "one long line"
        );
        let mut p = SseParser::new(16);
        assert!(p.push(b"data: 012345678\ndata: 012345678\n").is_err());
    }
}
