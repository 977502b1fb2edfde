//! Logs to `genqueue.log` in the OS log folder (`~/.local/share/app.genqueue.desktop/logs`
//! on Linux, as Tauri's `app_log_dir()` says), token-like text redacted.
//! `RUST_LOG` sets the level (default `info`).

use std::path::Path;
use std::sync::Mutex;

use genqueue_core::redact::RedactingWriter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Starts logging into `dir/genqueue.log` (and stderr in debug builds).
/// Failing to open the file is not fatal: logs then go to stderr only.
pub fn init(dir: &Path) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = std::fs::create_dir_all(dir).and_then(|_| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("genqueue.log"))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let _ = match file {
        Ok(f) => {
            let file = Mutex::new(RedactingWriter(f));
            if cfg!(debug_assertions) {
                builder
                    .with_writer(file.and(Mutex::new(RedactingWriter(std::io::stderr()))))
                    .try_init()
            } else {
                builder.with_writer(file).try_init()
            }
        }
        Err(e) => {
            eprintln!(
                "genqueue: cannot open the log file in {}: {e}",
                dir.display()
            );
            builder
                .with_writer(Mutex::new(RedactingWriter(std::io::stderr())))
                .try_init()
        }
    };
}
