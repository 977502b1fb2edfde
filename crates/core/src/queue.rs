//! The queue's operations, usable from any process that opens the data folder.
//!
//! [`Queue`] is what the shells call: submit (in [`crate::submit`]), cancel, retry, delete, mark
//! viewed, pause, and the token pool's management. It writes the store first,
//! then announces the change on its [`EventBus`]. Dispatching is not here:
//! that is the [`crate::engine`], of which one runs per data folder. A
//! `genq submit` while the desktop app runs only queues; the app's engine
//! picks the work up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

mod commit;
mod held;
mod people;
mod shared_outputs;
mod shown_outputs;
mod token_events;
mod token_rules;
mod tokens;

pub use held::{RECHECK_MISSING, SecretHere};
pub use people::Scope;
pub use shown_outputs::SHOWN_FETCHES_AT_ONCE;
pub use token_rules::{Verdict, verdict};
pub use tokens::AddedToken;

use crate::clock::{Clock, SystemClock};
use crate::events::{Event, EventBus};
use crate::model::{Generation, GenerationId, GenerationStatus, NewGeneration, TokenId};
use crate::replicate::{ApiError, ApiErrorKind, InputProblem, ReplicateClient};
use crate::secrets::{Secret, SecretError, SecretStore};
use crate::store::{ListQuery, QueueStore, Store, StoreError};
use crate::submit::forms::FormCache;

/// Most `generation_changed` events one batch sends (its newest rows).
pub const BATCH_EVENTS: usize = 200;
/// Settings key of the paused flag ("1" = paused).
pub const PAUSED_KEY: &str = "paused";

/// Everything that can go wrong in a queue operation. `code()`
/// ([`crate::error_code`]) is stable for the UI and scripts to branch on;
/// `Display` is a sentence for people. Never holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("no generation with id {0}")]
    GenerationNotFound(GenerationId),
    #[error("no token with id {0}")]
    TokenNotFound(TokenId),
    #[error("no batch with id {0}")]
    BatchNotFound(crate::ids::BatchId),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error(transparent)]
    Spend(#[from] crate::spend::SpendError),
    #[error("the prompt is empty")]
    EmptyPrompt,
    #[error("the number of generations of each prompt must be between 1 and {max}, not {count}")]
    InvalidCount { count: u32, max: u32 },
    #[error("that would queue {total} generations at once; the most is {limit}")]
    TooMany { total: usize, limit: usize },
    #[error("the input breaks the model's schema: {}", InputProblem::join(.0))]
    InvalidInput(Vec<InputProblem>),
    #[error(transparent)]
    InvalidDeadline(#[from] crate::deadlines::DeadlineError),
    #[error("this model's input schema cannot be read: {0}")]
    Schema(crate::replicate::SchemaError),
    /// No active token that is not cooling down (reading a model's settings needs one).
    #[error("no usable Replicate token: add one, or enable one on the Tokens page")]
    NoToken,
    #[error("this token is already in the pool as \"{0}\"")]
    DuplicateToken(String),
    #[error(
        "this generation is already {status}; only pending or processing ones can be cancelled"
    )]
    CannotCancel { status: GenerationStatus },
    #[error("this generation is {status}; only failed or cancelled ones can be retried")]
    CannotRetry { status: GenerationStatus },
    #[error("this generation is running; cancel it before deleting it")]
    CannotDelete,
    /// Another member's generation, and "everyone's" was not chosen.
    #[error(
        "this generation is not yours (created by {}); choose \"everyone's\" to act on it",
        if member.is_empty() { "nobody recorded" } else { member.as_str() }
    )]
    NotOwn { member: String },
    #[error("this generation is {status}; only pending generations can be moved")]
    CannotMove { status: GenerationStatus },
    /// A token that still runs generations cannot be removed.
    #[error(
        "\"{label}\" is running {in_flight} generation(s) whose results only it can read; \
         disable it now and remove it once they have finished"
    )]
    TokenBusy { label: String, in_flight: u32 },
    /// Forgetting a token on this machine only makes sense on a team's
    /// database, where the row is the team's ([`Queue::forget_token_here`]).
    #[error("this queue is this machine's own, so its tokens are too: remove the token instead")]
    NotShared,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Handle on one data folder's queue. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    store: Arc<dyn QueueStore>,
    secrets: Arc<dyn SecretStore>,
    client: ReplicateClient,
    events: EventBus,
    clock: Arc<dyn Clock>,
    /// Endings announced lately (see `commit.rs`), so that none is announced twice.
    ended: Mutex<HashMap<GenerationId, DateTime<Utc>>>,
    /// Secrets read from the keyring, kept for the life of the process so the
    /// hot path does not hit D-Bus. Removed with the token.
    secret_cache: Mutex<HashMap<TokenId, Arc<Secret>>>,
    /// Which tokens' secrets this machine holds (`held.rs`).
    held: held::HeldCache,
    /// Model input forms read so far.
    forms: FormCache,
    /// Request-counter events coalesced per token (`token_events.rs`).
    token_events: token_events::TokenEvents,
    /// Who this queue's submits are recorded as created by.
    creator: crate::model::Creator,
}

impl Queue {
    /// Opens (creating if needed) the store at `<data_dir>/genqueue.db`.
    ///
    /// `api_base` is Replicate's base URL (`https://api.replicate.com/v1`) or a
    /// simulator's. Errors: the folder cannot be created, the store cannot be
    /// opened (locked, read-only, corrupt), the URL is malformed.
    pub fn open(
        data_dir: &Path,
        api_base: &str,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<Queue, QueueError> {
        std::fs::create_dir_all(data_dir).map_err(|source| QueueError::Io {
            context: format!("cannot create the data folder {}", data_dir.display()),
            source,
        })?;
        let store = Store::open(&data_dir.join(crate::paths::DB_FILE))?;
        let client = ReplicateClient::new(api_base)?;
        Ok(Self::from_parts(
            data_dir.to_owned(),
            store,
            client,
            secrets,
        ))
    }

    /// Opens the queue on `database`, a team's PostgreSQL database
    /// (`postgres://user:password@host:port/dbname`, see
    /// [`PgStore::open`](crate::store::PgStore::open)), or on the data
    /// folder's SQLite file as [`Queue::open`] when it is `None`. Outputs,
    /// kept inputs and logs stay in `data_dir` either way. Errors as
    /// [`Queue::open`]; the database is named without its password.
    pub fn open_on(
        data_dir: &Path,
        database: Option<&str>,
        api_base: &str,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<Queue, QueueError> {
        let Some(url) = database else {
            return Self::open(data_dir, api_base, secrets);
        };
        std::fs::create_dir_all(data_dir).map_err(|source| QueueError::Io {
            context: format!("cannot create the data folder {}", data_dir.display()),
            source,
        })?;
        let store = crate::store::PgStore::open(url)?;
        let client = ReplicateClient::new(api_base)?;
        Ok(Self::on_store(
            data_dir.to_owned(),
            Arc::new(store),
            client,
            secrets,
        ))
    }

    /// Assembles a queue from parts (tests use a short client timeout).
    pub fn from_parts(
        data_dir: PathBuf,
        store: Store,
        client: ReplicateClient,
        secrets: Arc<dyn SecretStore>,
    ) -> Queue {
        Self::on_store(data_dir, Arc::new(store), client, secrets)
    }

    /// A queue over any implementation of the store's interface.
    pub fn on_store(
        data_dir: PathBuf,
        store: Arc<dyn QueueStore>,
        client: ReplicateClient,
        secrets: Arc<dyn SecretStore>,
    ) -> Queue {
        Queue {
            inner: Arc::new(Inner {
                data_dir,
                store,
                secrets,
                client,
                events: EventBus::new(),
                clock: Arc::new(SystemClock),
                ended: Mutex::new(HashMap::new()),
                secret_cache: Mutex::new(HashMap::new()),
                held: Default::default(),
                forms: FormCache::default(),
                token_events: Default::default(),
                creator: crate::team::this_creator(None),
            }),
        }
    }

    /// The same queue reading time from `clock` (tests move it by hand).
    /// Call it on a queue just made, before cloning it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Queue {
        Arc::get_mut(&mut self.inner)
            .expect("Queue::with_clock on a queue already shared")
            .clock = clock;
        self
    }

    /// The same queue talking to Replicate through `client` (a shorter create
    /// time limit for a test). Call it on a queue just made, before cloning it.
    pub fn with_client(mut self, client: ReplicateClient) -> Queue {
        Arc::get_mut(&mut self.inner)
            .expect("Queue::with_client on a queue already shared")
            .client = client;
        self
    }

    /// The same queue recording its submits as created by `creator` (the
    /// member name chosen when joining a team's database). Call it on a queue
    /// just made, before cloning it.
    pub fn with_creator(mut self, creator: crate::model::Creator) -> Queue {
        Arc::get_mut(&mut self.inner)
            .expect("Queue::with_creator on a queue already shared")
            .creator = creator;
        self
    }

    /// Who this queue's submits are recorded as created by: by default the
    /// OS user name on this machine's host name ([`crate::team::this_creator`]).
    pub fn creator(&self) -> &crate::model::Creator {
        &self.inner.creator
    }

    /// Now, by the queue's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// The store, through its one interface.
    pub fn store(&self) -> &dyn QueueStore {
        self.inner.store.as_ref()
    }
    pub fn client(&self) -> &ReplicateClient {
        &self.inner.client
    }
    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }
    pub(crate) fn forms(&self) -> &FormCache {
        &self.inner.forms
    }
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }
    /// Where the keyring secrets are read (to reopen the queue elsewhere).
    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        self.inner.secrets.clone()
    }
    /// `<outputs root>/<id>`: where a generation's files are saved now. The
    /// root is the `output_folder` setting, else `<data_dir>/outputs`. Files
    /// saved earlier may be elsewhere: their paths are in `output_files`.
    pub fn output_dir(&self, id: GenerationId) -> PathBuf {
        let settings = self.store().settings().unwrap_or_default();
        settings
            .outputs_root(&self.inner.data_dir)
            .join(id.to_string())
    }
    /// The folder holding a generation's saved files: that of its first
    /// output file, else [`Queue::output_dir`].
    pub fn files_dir(&self, g: &Generation) -> PathBuf {
        g.output_files
            .first()
            .and_then(|f| {
                crate::paths::resolve_output_path(&self.inner.data_dir, f)
                    .parent()
                    .map(Path::to_path_buf)
            })
            .unwrap_or_else(|| self.output_dir(g.id))
    }

    // ---- settings ----------------------------------------------------------

    /// The settings, defaults filled in.
    pub fn settings(&self) -> Result<crate::settings::Settings, QueueError> {
        Ok(self.store().settings()?)
    }

    /// Validates, normalises and stores the settings; returns them as stored.
    /// Errors: `invalid_settings` (see [`crate::settings::Settings::validated`]).
    pub fn set_settings(
        &self,
        s: crate::settings::Settings,
    ) -> Result<crate::settings::Settings, QueueError> {
        let s = s.validated()?;
        self.store().set_settings(&s)?;
        Ok(s)
    }

    // ---- generations -------------------------------------------------------

    pub fn get(&self, id: GenerationId) -> Result<Generation, QueueError> {
        self.store()
            .get_generation(id)?
            .ok_or(QueueError::GenerationNotFound(id))
    }

    pub fn list(&self, q: &ListQuery) -> Result<Vec<crate::model::GenerationSummary>, QueueError> {
        Ok(self.store().list_generations(q)?)
    }

    /// Marks one generation viewed (idempotent) and announces it.
    pub fn mark_viewed(&self, id: GenerationId) -> Result<Generation, QueueError> {
        let g = self
            .store()
            .mark_viewed(id, self.now())?
            .ok_or(QueueError::GenerationNotFound(id))?;
        self.announce(&g)?;
        Ok(g)
    }

    /// Marks every generation viewed (only one's own unless `scope` is
    /// everyone's: see [`Scope`]); returns how many changed.
    ///
    /// Announced like a batch: the newest [`BATCH_EVENTS`] rows changed get
    /// a `generation_changed` each (what a window shows), the counters carry
    /// the rest, so thousands of unviewed rows do not flood the channel.
    pub fn mark_all_viewed(&self, scope: Scope) -> Result<usize, QueueError> {
        let mut ids = self
            .store()
            .mark_all_viewed(self.now(), self.member_of(scope))?;
        // Ids are UUID v7: newest first by sorting them.
        ids.sort_unstable_by(|a, b| b.cmp(a));
        for id in ids.iter().take(BATCH_EVENTS) {
            if let Some(g) = self.store().get_generation(*id)? {
                self.events()
                    .send(Event::GenerationChanged(Box::new(g.summary())));
            }
        }
        self.announce_counters()?;
        Ok(ids.len())
    }

    /// Cancels a generation.
    ///
    /// Pending: cancelled at once (a create already in flight is cancelled on
    /// Replicate by the engine when its answer arrives). Processing:
    /// Replicate's cancel with the owning token, then cancelled here. On a
    /// team's database whose token's secret is not on this machine, it is
    /// cancelled here only and the engine that follows the prediction (it
    /// holds the secret) cancels it on Replicate at its next look
    /// (`engine/follow.rs`). Terminal: an `invalid_state` error.
    pub async fn cancel(&self, id: GenerationId) -> Result<Generation, QueueError> {
        let g = self.get(id)?;
        // What Replicate answered the cancel with, recorded with it: an
        // engine following the prediction then knows Replicate was told.
        let mut answered = None;
        match g.status {
            GenerationStatus::Pending => {}
            GenerationStatus::Processing => {
                if let (Some(pid), Some(tid)) = (&g.prediction_id, g.token_id) {
                    let secret = match self.secret(tid).await {
                        Err(QueueError::Secret(crate::secrets::SecretError::NotFound(_)))
                            if self.store().shared_by_engines() =>
                        {
                            None // the following engine cancels it on Replicate
                        }
                        other => Some(other?),
                    };
                    if let Some(secret) = secret {
                        match self.client().cancel_prediction(&secret, pid).await {
                            Ok(p) => answered = Some(p.status.as_str().to_owned()),
                            // Already gone on Replicate: nothing left to stop.
                            Err(e) if e.kind == ApiErrorKind::NotFound => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            }
            s => {
                return Err(QueueError::CannotCancel { status: s });
            }
        }
        Ok(self
            .commit(
                id,
                crate::lifecycle::Transition::Cancel {
                    replicate_status: answered,
                },
            )?
            .row)
    }

    /// Queues a new generation with the same model and input as a failed or
    /// cancelled one, linked to it by `retried_from`.
    pub fn retry(&self, id: GenerationId) -> Result<Generation, QueueError> {
        let g = self.get(id)?;
        if !matches!(
            g.status,
            GenerationStatus::Failed | GenerationStatus::Cancelled
        ) {
            return Err(QueueError::CannotRetry { status: g.status });
        }
        self.submit(NewGeneration {
            creator: Default::default(),
            model: g.model.clone(),
            prompt: g.prompt.clone(),
            input: g.input.clone(),
            priority: g.priority,
            batch_id: g.batch_id,
            retried_from: Some(g.id),
            deadlines: g.deadlines,
        })
    }

    /// Deletes a generation that is not running, and its saved files.
    pub fn delete(&self, id: GenerationId) -> Result<(), QueueError> {
        let g = self.get(id)?;
        if g.status == GenerationStatus::Processing {
            return Err(QueueError::CannotDelete);
        }
        self.store().delete_generation(id)?;
        let removed = self.remove_output_files(id, &g.output_files);
        self.events().send(Event::GenerationRemoved { id });
        self.announce_counters()?;
        removed
    }

    /// Sets a pending generation's priority (higher runs first).
    pub fn set_priority(&self, id: GenerationId, priority: i64) -> Result<Generation, QueueError> {
        Ok(self
            .commit(id, crate::lifecycle::Transition::Prioritize { priority })?
            .row)
    }

    /// Stops dispatching new generations (running ones go on). Survives restart.
    pub fn pause(&self) -> Result<(), QueueError> {
        self.store().set_setting(PAUSED_KEY, "1")?;
        self.events().send(Event::QueueChanged { paused: true });
        Ok(())
    }

    /// Resumes dispatching.
    pub fn resume(&self) -> Result<(), QueueError> {
        self.store().set_setting(PAUSED_KEY, "0")?;
        self.events().send(Event::QueueChanged { paused: false });
        Ok(())
    }

    pub fn is_paused(&self) -> Result<bool, QueueError> {
        Ok(self.store().setting(PAUSED_KEY)?.as_deref() == Some("1"))
    }

    pub fn counters(&self) -> Result<crate::model::Counters, QueueError> {
        Ok(self.store().counters()?)
    }

    /// Announces a generation's current row and the counters.
    pub fn announce(&self, g: &Generation) -> Result<(), QueueError> {
        self.events()
            .send(Event::GenerationChanged(Box::new(g.summary())));
        self.announce_counters()
    }

    /// Announces the user's own counters ([`Queue::own_counters`]).
    pub(crate) fn announce_counters(&self) -> Result<(), QueueError> {
        let c = self.own_counters()?;
        self.events().send(Event::CountersChanged(c));
        Ok(())
    }

    /// Records a request's outcome on its token and applies the token rules
    /// ([`Queue::judge`]); the error itself goes back to the caller.
    pub(crate) fn checked<T>(
        &self,
        token: TokenId,
        res: Result<T, ApiError>,
    ) -> Result<T, QueueError> {
        self.judge(token, &res)?;
        Ok(res?)
    }
}
