//! Printing: JSON for scripts, short aligned lines for people.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use genqueue_core::{Generation, GenerationStatus, GenerationSummary};
use serde::Serialize;

use crate::exit::{CliError, CliResult};

/// Prints `value` as pretty JSON on stdout, followed by a newline.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> CliResult<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::other(format!("cannot write JSON: {e}")))?;
    println_out(&text)
}

/// Prints `value` as one JSON line (for streams of events).
pub fn print_json_line<T: Serialize + ?Sized>(value: &T) -> CliResult<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| CliError::other(format!("cannot write JSON: {e}")))?;
    println_out(&text)
}

/// Writes a line on stdout; a closed pipe (`genq ls | head`) is not an error.
pub fn println_out(line: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::other(format!("cannot write to stdout: {e}"))),
    }
}

/// `2025-08-05 17:12:44` in local time.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `text` cut to `max` characters, with `…` when cut; newlines become spaces.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A text progress bar: `[######              ]  30%`, or `[   ?   ]` when unknown.
pub fn text_bar(progress: Option<u8>, width: usize) -> String {
    match progress {
        Some(p) => {
            let p = p.min(100) as usize;
            let filled = p * width / 100;
            format!(
                "[{}{}] {:>3}%",
                "#".repeat(filled),
                " ".repeat(width - filled),
                p
            )
        }
        None => format!("[{:^width$}]     ", "?"),
    }
}

/// The mark shown before a status.
pub fn status_mark(status: GenerationStatus) -> &'static str {
    match status {
        GenerationStatus::Pending => "·",
        GenerationStatus::Processing => "⟳",
        GenerationStatus::Completed => "✓",
        GenerationStatus::Failed => "✗",
        GenerationStatus::Cancelled => "–",
    }
}

/// One line of `genq ls`: id, status, model, created, prompt excerpt.
pub fn summary_line(g: &GenerationSummary) -> String {
    format!(
        "{}  {} {:<10}  {:<28}  {}  {}",
        g.id,
        status_mark(g.status),
        g.status.as_str(),
        excerpt(&g.model_name, 28),
        local_time(g.created_at),
        excerpt(&g.prompt_excerpt, 60)
    )
}

/// The saved files of a generation, as absolute paths.
pub fn output_paths(data_dir: &Path, files: &[String]) -> Vec<PathBuf> {
    files.iter().map(|f| data_dir.join(f)).collect()
}

/// What `submit --wait` and `run` print when a generation ends:
/// `✓ <id> completed: <file> <file>` or `✗ <id> failed: <error>`.
///
/// `shared`: the queue is a team's database, where another machine's engine
/// may have finished it: its files are then not in this folder yet, and the
/// line says how to bring them instead of naming paths that do not exist.
pub fn ended_line(data_dir: &Path, g: &Generation, shared: bool) -> String {
    let head = format!("{} {} {}", status_mark(g.status), g.id, g.status);
    match g.status {
        GenerationStatus::Completed => {
            let paths = output_paths(data_dir, &g.output_files);
            if shared && !paths.is_empty() && !paths.iter().any(|p| p.exists()) {
                return format!(
                    "{head} by another machine's engine: `genq show {}` brings its files here",
                    g.id
                );
            }
            let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            format!("{head}: {}", files.join(" "))
        }
        _ => match g.failure_english() {
            Some(e) => format!("{head}: {}", excerpt(&e, 200)),
            None => head,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_with_progress_and_show_unknown() {
        assert_eq!(text_bar(Some(50), 10), "[#####     ]  50%");
        assert_eq!(text_bar(Some(100), 4), "[####] 100%");
        assert!(text_bar(None, 5).starts_with("[  ?  ]"));
    }

    #[test]
    fn excerpts_cut_long_text_and_flatten_newlines() {
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdef", 4), "abc…");
    }
}
