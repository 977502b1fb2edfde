//! The app's managed state: the queue it shows and the engine it runs.
//!
//! Normally the queue is the user's data folder with Replicate's API. The
//! offline demo swaps in another folder and a replicate-sim on loopback; the
//! event bridge follows the swap through a `watch` channel.

use std::path::PathBuf;

use genqueue_core::engine::{Engine, EngineConfig, EngineError};
use genqueue_core::queue::Queue;
use tokio::sync::{RwLock, watch};

use crate::error::CommandResult;

/// Where the app's queue comes from.
pub struct Backend {
    pub queue: Queue,
    /// `None` when another process (`genq run`) already drives this folder:
    /// the app then only queues and shows.
    pub engine: Option<Engine>,
    /// The in-app simulator while the offline demo runs.
    pub demo: Option<replicate_sim::SimHandle>,
    pub data_dir: PathBuf,
    pub api_base: String,
    /// The team (PostgreSQL) database the queue is on; `None`: the data
    /// folder's own SQLite file (`crate::team`).
    pub team: Option<genqueue_core::team::TeamDatabase>,
    /// Why the chosen team database could not be opened at start (the app
    /// then opened the folder's own queue), for Settings → Team queue.
    pub team_error: Option<String>,
}

impl Backend {
    /// Opens the queue on `data_dir` (or on `team`'s database, outputs still
    /// in `data_dir`) and starts its engine unless another process holds the
    /// folder's engine lock.
    pub fn start(
        data_dir: PathBuf,
        api_base: String,
        secrets: std::sync::Arc<dyn genqueue_core::secrets::SecretStore>,
        demo: Option<replicate_sim::SimHandle>,
        team: Option<genqueue_core::team::TeamDatabase>,
    ) -> CommandResult<Backend> {
        let queue = match &team {
            None => Queue::open(&data_dir, &api_base, secrets)?,
            Some(t) => crate::team::open_queue(&data_dir, t, &api_base, secrets)?,
        };
        // The engine spawns on Tauri's tokio runtime, also when called from `setup`.
        let tokio_handle = tauri::async_runtime::handle();
        let _entered = tokio_handle.inner().enter();
        let engine = match Engine::start(queue.clone(), EngineConfig::default()) {
            Ok(e) => Some(e),
            Err(EngineError::AlreadyRunning(dir)) => {
                tracing::info!(%dir, "another engine drives this folder; the app only queues");
                None
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Backend {
            queue,
            engine,
            demo,
            data_dir,
            api_base,
            team,
            team_error: None,
        })
    }
}

/// Tauri-managed state.
pub struct AppState {
    backend: RwLock<Backend>,
    queue_tx: watch::Sender<Queue>,
}

impl AppState {
    pub fn new(backend: Backend) -> AppState {
        let (queue_tx, _) = watch::channel(backend.queue.clone());
        AppState {
            backend: RwLock::new(backend),
            queue_tx,
        }
    }

    /// The queue the window shows now.
    pub async fn queue(&self) -> Queue {
        self.backend.read().await.queue.clone()
    }

    /// Read access to the whole backend.
    pub async fn backend(&self) -> tokio::sync::RwLockReadGuard<'_, Backend> {
        self.backend.read().await
    }

    /// Follows queue swaps (the demo): the current queue, then each new one.
    pub fn watch_queue(&self) -> watch::Receiver<Queue> {
        self.queue_tx.subscribe()
    }

    /// Stops the engine (at quit), so that its clean shutdown is recorded.
    pub async fn shutdown(&self) {
        let mut b = self.backend.write().await;
        if let Some(e) = b.engine.take() {
            e.shutdown().await;
        }
    }

    /// Replaces the backend (stopping the old engine first) and tells the bridge.
    pub async fn swap(&self, make: impl FnOnce() -> CommandResult<Backend>) -> CommandResult<()> {
        let mut b = self.backend.write().await;
        if let Some(e) = b.engine.take() {
            e.shutdown().await;
        }
        match make() {
            Ok(new) => {
                let old = std::mem::replace(&mut *b, new);
                if let Some(sim) = old.demo {
                    sim.shutdown().await;
                }
                let _ = self.queue_tx.send(b.queue.clone());
                Ok(())
            }
            Err(e) => {
                // Keep the old queue running.
                b.engine = Engine::start(b.queue.clone(), EngineConfig::default()).ok();
                Err(e)
            }
        }
    }
}
