//! The offline demo: replicate-sim inside the app on loopback, three demo
//! tokens, and a data folder of its own (`<data dir>/demo`, emptied at each
//! start), so a person without a Replicate account sees the queue work and
//! nothing of the demo mixes with their real history. The header says "Demo"
//! while it runs. Demo tokens are fake and live in memory only.

use std::sync::Arc;
use std::time::Duration;

use genqueue_core::error_code::ErrorCode;
use genqueue_core::paths::default_data_dir;
use genqueue_core::secrets::MemorySecretStore;
use replicate_sim::{AccountConfig, Delay, Sim, SimConfig, Timing};
use tauri::AppHandle;

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Backend};

/// Demo tokens in the pool.
const DEMO_TOKENS: usize = 3;

/// A demo token: `r8_demo` and random letters, made at run time.
fn demo_token() -> String {
    let s = uuid::Uuid::new_v4().simple().to_string();
    format!("r8_demo{}", &s[..30])
}

/// The simulator as the demo runs it: quick boots, a few seconds a
/// prediction with a visible progress, half-size images.
fn demo_config(tokens: &[String]) -> SimConfig {
    let mut cfg = SimConfig {
        timing: Timing {
            boot: Delay::Uniform(Duration::from_millis(300), Duration::from_millis(1500)),
            predict: Delay::Uniform(Duration::from_secs(3), Duration::from_secs(8)),
            time_scale: 1.0,
        },
        image_scale: 0.5,
        ..SimConfig::default()
    };
    for (i, t) in tokens.iter().enumerate() {
        cfg = cfg.account(AccountConfig::new(t, format!("demo-{}", i + 1)));
    }
    cfg
}

/// Starts the demo (idempotent while it runs).
pub async fn start(app: &AppHandle, state: &AppState) -> CommandResult<()> {
    if state.backend().await.demo.is_some() {
        return Ok(());
    }
    let tokens: Vec<String> = (0..DEMO_TOKENS).map(|_| demo_token()).collect();
    let sim = Sim::start(demo_config(&tokens)).await.map_err(|e| {
        CommandError::new(
            ErrorCode::Io,
            format!("The offline demo cannot start its server: {e}"),
        )
    })?;
    let base = sim.base_url();
    let data_dir = default_data_dir().join("demo");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir).map_err(|e| {
            CommandError::new(
                ErrorCode::Io,
                format!("Cannot reset the demo folder {}: {e}", data_dir.display()),
            )
        })?;
    }
    let dir = data_dir.clone();
    state
        .swap(move || {
            Backend::start(
                dir,
                base,
                Arc::new(MemorySecretStore::new()),
                Some(sim),
                None,
            )
        })
        .await?;
    crate::allow_outputs(app, &data_dir);
    let queue = state.queue().await;
    for (i, t) in tokens.iter().enumerate() {
        queue.add_token(&format!("Demo token {}", i + 1), t).await?;
    }
    tracing::info!(data_dir = %data_dir.display(), "offline demo started");
    Ok(())
}
