//! Logs: `RUST_LOG` filters (default: errors only), written to stderr
//! through the core's [`RedactingWriter`], so nothing token-shaped reaches
//! the terminal or a log file.

use genqueue_core::redact::RedactingWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Quiet by default so that a failed command
/// prints only its one error line.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingWriter(std::io::stderr()))
        .with_target(true)
        .try_init();
}
