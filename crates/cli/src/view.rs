//! The live view shared by `genq watch`, `submit --wait` and `demo`: a
//! header line (the `⟳ N` counter, the queue's state) and one progress bar
//! per active generation, redrawn from snapshots of the store.
//!
//! On a terminal it draws with indicatif; elsewhere (a pipe, a log file)
//! [`snapshot_lines`] gives the same picture as plain lines.

use std::collections::HashMap;
use std::time::Duration;

use genqueue_core::{Counters, GenerationId, GenerationStatus, GenerationSummary};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{excerpt, status_mark, text_bar};

/// The `⟳ N` line: unviewed count, active count by status, paused flag.
pub fn header_line(c: &Counters, paused: bool) -> String {
    let mut line = format!(
        "⟳ {}   active {} ({} pending, {} processing)   completed {}  failed {}  cancelled {}",
        c.unviewed, c.active, c.pending, c.processing, c.completed, c.failed, c.cancelled
    );
    if paused {
        line.push_str("   [paused: `genq resume` to dispatch]");
    }
    line
}

/// What a bar says after the bar itself: status, prompt, why it waits.
fn bar_message(g: &GenerationSummary) -> String {
    let state = match (g.status, g.replicate_status.as_deref()) {
        (GenerationStatus::Processing, Some(r)) => r.to_owned(),
        (s, _) => s.as_str().to_owned(),
    };
    let mut msg = format!("{:<10} {}", state, excerpt(&g.prompt_excerpt, 40));
    if let Some(w) = &g.wait_reason {
        msg.push_str(&format!("  ({})", excerpt(&w.english(&chrono::Local), 60)));
    }
    msg
}

/// The short id shown beside a bar: the UUID's last 8 characters (a v7
/// id's first characters are its timestamp, alike within a batch).
pub fn short_id(id: GenerationId) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_owned()
}

/// The live view as plain lines: the header, then one line per generation.
pub fn snapshot_lines(c: &Counters, paused: bool, active: &[GenerationSummary]) -> Vec<String> {
    let mut lines = vec![header_line(c, paused)];
    for g in active {
        lines.push(format!(
            "{} {} {} {}",
            status_mark(g.status),
            g.id,
            text_bar(g.progress, 20),
            bar_message(g)
        ));
    }
    lines
}

/// The drawn live view (indicatif). Hidden when the target is not a terminal.
pub struct LiveView {
    multi: MultiProgress,
    header: ProgressBar,
    bars: HashMap<GenerationId, ProgressBar>,
    style: ProgressStyle,
}

impl LiveView {
    /// A view drawn on stdout (`genq watch`) or stderr (`submit --wait`, whose
    /// stdout is the result).
    pub fn new(on_stdout: bool) -> LiveView {
        let target = if on_stdout {
            ProgressDrawTarget::stdout_with_hz(8)
        } else {
            ProgressDrawTarget::stderr_with_hz(8)
        };
        let multi = MultiProgress::with_draw_target(target);
        let header = multi.add(ProgressBar::new_spinner());
        header.set_style(
            ProgressStyle::with_template("{spinner} {wide_msg}")
                .expect("valid template")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
        );
        header.enable_steady_tick(Duration::from_millis(120));
        let style = ProgressStyle::with_template("  {prefix} [{bar:30}] {pos:>3}% {wide_msg}")
            .expect("valid template")
            .progress_chars("#> ");
        LiveView {
            multi,
            header,
            bars: HashMap::new(),
            style,
        }
    }

    /// True when nothing is drawn (not a terminal): callers print lines instead.
    pub fn is_hidden(&self) -> bool {
        self.multi.is_hidden()
    }

    /// Redraws from a snapshot: `header` on top, a bar per generation in
    /// `active`; bars of generations no longer listed are removed.
    pub fn update(&mut self, header: String, active: &[GenerationSummary]) {
        self.header.set_message(header);
        let listed: std::collections::HashSet<GenerationId> = active.iter().map(|g| g.id).collect();
        self.bars.retain(|id, bar| {
            let keep = listed.contains(id);
            if !keep {
                bar.finish_and_clear();
            }
            keep
        });
        // Oldest at the top: the list comes newest first.
        for g in active.iter().rev() {
            let bar = self.bars.entry(g.id).or_insert_with(|| {
                let b = self.multi.add(ProgressBar::new(100));
                b.set_style(self.style.clone());
                b.set_prefix(short_id(g.id));
                b
            });
            bar.set_position(g.progress.unwrap_or(0) as u64);
            bar.set_message(bar_message(g));
        }
    }

    /// Prints a line above the bars (or plainly on stdout when hidden).
    pub fn println(&self, line: &str) {
        if self.is_hidden() {
            let _ = crate::output::println_out(line);
        } else {
            let _ = self.multi.println(line);
        }
    }

    /// Removes the view from the terminal.
    pub fn clear(self) {
        for bar in self.bars.values() {
            bar.finish_and_clear();
        }
        self.header.finish_and_clear();
        let _ = self.multi.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_shows_unviewed_and_paused() {
        let c = Counters {
            unviewed: 3,
            active: 2,
            pending: 1,
            processing: 1,
            ..Counters::default()
        };
        let line = header_line(&c, true);
        assert!(line.starts_with("⟳ 3"), "{line}");
        assert!(line.contains("paused"));
        assert!(!header_line(&c, false).contains("paused"));
    }
}
