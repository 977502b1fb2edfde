//! replicate-sim: a Replicate-compatible HTTP server for tests, benchmarks
//! and the offline demo.
//!
//! It serves the parts of Replicate's HTTP API that Genqueue uses —
//! predictions (create by model or by version, get, cancel, list), the
//! account, models and versions, search and collections, the Files API
//! (`/v1/files`) — plus output files (pictures, video, audio) outside `/v1` (like
//! replicate.delivery) and `/_sim/...` controls. Wire details follow
//! Replicate's OpenAPI document and docs; each module says where a fact
//! comes from. It depends on no crate of Genqueue's: it is an independent
//! reading of the API, so that a misreading shows up as a test failure.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use replicate_sim::{AccountConfig, Sim, SimConfig};
//! let token = format!("r8_{}", "x".repeat(8)); // build fake tokens at run time
//! let sim = Sim::start(SimConfig::fast().account(AccountConfig::new(&token, "alice"))).await?;
//! println!("{}", sim.base_url()); // http://127.0.0.1:PORT/v1
//! let stats = sim.stats();
//! assert_eq!(stats.creates_total, 0);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod browse;
pub mod catalogue;
pub mod catalogue_media;
pub mod config;
mod control;
mod create;
mod edit;
pub mod faults;
mod files;
mod gate;
pub mod images;
pub mod limits;
pub mod media;
mod outputs;
mod prediction;
mod problem;
mod routes;
pub mod schema;
mod server;
mod state;
pub mod stats;
mod stream;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{AccountConfig, Behaviour, Delay, RateLimits, SimConfig, Timing};
pub use faults::{Endpoint, FaultKind, FaultRule, Trigger};
pub use stats::{InputStats, Stats, canonical_json, fingerprint};

use state::Shared;

/// The simulator (entry point).
pub struct Sim;

impl Sim {
    /// Binds `config.host:config.port` (port 0 = any free port) and serves in
    /// the background on the current tokio runtime.
    pub async fn start(config: SimConfig) -> io::Result<SimHandle> {
        let listener = TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, format!("http://{addr}")));
        let app = routes::router(shared.clone());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, app, stopped));
        Ok(SimHandle {
            shared,
            addr,
            stop,
            task: Some(task),
        })
    }
}

/// A running simulator. Dropping it stops accepting connections.
pub struct SimHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// The API base URL, e.g. `http://127.0.0.1:41234/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.shared.base)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters (same data as `GET /_sim/stats`).
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Revokes a token: every later request with it answers 401.
    /// Returns false for an unknown token.
    pub fn revoke(&self, token: &str) -> bool {
        control::revoke_token(&self.shared, token)
    }

    /// Changes how a token's account answers. False for an unknown token.
    pub fn set_behaviour(&self, token: &str, behaviour: Behaviour) -> bool {
        control::set_token_behaviour(&self.shared, token, behaviour)
    }

    /// Adds a token (and its account, if new).
    pub fn add_account(&self, account: AccountConfig) {
        let config = self.shared.config.clone();
        self.shared.lock().add_account(account, &config);
    }

    /// Adds fault rules to those in force.
    pub fn add_faults(&self, rules: impl IntoIterator<Item = FaultRule>) {
        let mut inner = self.shared.lock();
        rules.into_iter().for_each(|r| inner.faults.add(r));
    }

    /// Replaces every fault rule (an empty list clears them).
    pub fn set_faults(&self, rules: impl IntoIterator<Item = FaultRule>) {
        let mut inner = self.shared.lock();
        inner.faults.clear();
        rules.into_iter().for_each(|r| inner.faults.add(r));
    }

    /// Expires the data of every prediction that has ended: their files
    /// answer 404 and they show `output: null`, `data_removed: true`.
    pub fn expire_outputs_now(&self) {
        control::expire_now(&self.shared);
    }

    /// Moves the sim clock forward (predictions progress, outputs expire).
    pub fn advance(&self, by: Duration) {
        control::advance_clock(&self.shared, by);
    }

    /// Stops serving and waits for the accept loop to end; open connections
    /// are closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
