//! Which tokens' secrets this machine holds (issue #15, "One token pool").
//!
//! On a team's database the pool's rows are shared but each member keeps the
//! secrets in their own keyring, so an engine may see tokens it cannot use.
//! It claims only with the tokens it holds ([`Queue::claim_filter`], passed
//! to [`QueueStore::claim_token_among`](crate::store::QueueStore::claim_token_among))
//! and takes over only their generations (`engine/lease.rs::may_take_over`):
//! a token it lacks is never sent, failed or disabled by it.
//!
//! Keyring lookups block (D-Bus), so answers are kept: a secret found stays
//! in the queue's secret cache for the life of the process; a secret found
//! missing is looked up again after [`RECHECK_MISSING`] (a `genq tokens add`
//! in another process of this machine is seen by then), at once after this
//! queue adds, joins or removes the token.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Queue, QueueError};
use crate::model::TokenId;
use crate::secrets::{Secret, SecretError};

/// How long a secret found missing from the keyring counts as missing
/// before it is looked up again.
pub const RECHECK_MISSING: Duration = Duration::from_secs(30);

/// Whether this machine's keyring holds a token's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretHere {
    /// Found (or cached).
    Held,
    /// The keyring answered that it has none.
    Missing,
    /// The keyring could not be asked (locked, unreachable): not known.
    Unknown,
}

/// The answers kept between lookups (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct HeldCache {
    /// Tokens whose secret was missing, with when that was found (queue clock).
    missing: Mutex<HashMap<TokenId, DateTime<Utc>>>,
    /// Whether rows without a pool hash were filled in once this process.
    filled: AtomicBool,
}

impl Queue {
    /// Whether this machine's keyring holds token `id`'s secret (see the
    /// module doc for what is kept between calls).
    pub async fn secret_here(&self, id: TokenId) -> SecretHere {
        if self.inner.secret_cache.lock().unwrap().contains_key(&id) {
            return SecretHere::Held;
        }
        let now = self.now();
        let recheck = chrono::Duration::from_std(RECHECK_MISSING).expect("a short duration");
        if let Some(at) = self.inner.held.missing.lock().unwrap().get(&id)
            && now < *at + recheck
        {
            return SecretHere::Missing;
        }
        match self.secret(id).await {
            Ok(_) => {
                self.inner.held.missing.lock().unwrap().remove(&id);
                SecretHere::Held
            }
            Err(QueueError::Secret(SecretError::NotFound(_))) => {
                self.inner.held.missing.lock().unwrap().insert(id, now);
                SecretHere::Missing
            }
            Err(_) => SecretHere::Unknown,
        }
    }

    /// The pool's tokens this machine may use: those whose secret its keyring
    /// holds, and those it cannot tell now (a locked keyring: the engine then
    /// waits on it without disabling anything). The first call of the
    /// process also records the pool hash of held rows made before schema
    /// 12 ([`Queue::fill_pool_hashes`]).
    pub async fn tokens_here(&self) -> Result<HashSet<TokenId>, QueueError> {
        if !self.inner.held.filled.swap(true, Ordering::Relaxed) {
            self.fill_pool_hashes().await;
        }
        let mut here = HashSet::new();
        for t in self.store().list_tokens()? {
            if self.secret_here(t.id).await != SecretHere::Missing {
                here.insert(t.id);
            }
        }
        Ok(here)
    }

    /// What a claim may choose from: on a store shared by engines, the
    /// tokens here ([`Queue::tokens_here`]); on a store of its own (SQLite,
    /// one machine) `None`, every token (a missing secret there is found
    /// and reported by the engine, `drive.rs`).
    pub(crate) async fn claim_filter(&self) -> Result<Option<HashSet<TokenId>>, QueueError> {
        if !self.store().shared_by_engines() {
            return Ok(None);
        }
        Ok(Some(self.tokens_here().await?))
    }

    /// Whether, on a team's database, the pool has an active token this
    /// machine cannot use for lack of its secret (others' engines can).
    pub(crate) fn pool_held_elsewhere(&self) -> Result<bool, QueueError> {
        Ok(self.store().shared_by_engines() && self.tokens()?.iter().any(|t| t.active))
    }

    /// [`Queue::claim_filter`] from what is already known, without asking
    /// the keyring (a finishing task claiming its next generation, sync):
    /// the tokens whose secret this process has read.
    pub(crate) fn claim_filter_known(&self) -> Option<HashSet<TokenId>> {
        if !self.store().shared_by_engines() {
            return None;
        }
        Some(
            self.inner
                .secret_cache
                .lock()
                .unwrap()
                .keys()
                .copied()
                .collect(),
        )
    }

    /// Records the pool hash of every row that has none (made before
    /// schema 12) and whose secret this machine holds. A row whose secret
    /// another row already has (the same token added twice before the hash
    /// existed) keeps none; that is logged, naming both tokens' ids.
    pub(crate) async fn fill_pool_hashes(&self) {
        let ids = match self.store().tokens_without_pool_hash() {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "could not list tokens without a pool hash");
                return;
            }
        };
        for id in ids {
            if let Ok(secret) = self.secret(id).await {
                self.record_pool_hash(id, &secret);
            }
        }
    }

    /// Records `secret`'s hash on token `id`; `false` when another token has it.
    pub(crate) fn record_pool_hash(&self, id: TokenId, secret: &Secret) -> bool {
        let hash = secret.pool_hash();
        match self.store().set_token_pool_hash(id, &hash) {
            Ok(true) => true,
            Ok(false) => {
                let other = self.store().token_by_pool_hash(&hash).ok().flatten();
                tracing::warn!(
                    token = %id,
                    same_as = ?other.map(|t| t.id),
                    "this token's secret is also another token's; remove one of them"
                );
                false
            }
            Err(e) => {
                tracing::warn!(token = %id, error = %e, "could not record a token's pool hash");
                false
            }
        }
    }

    /// Token `id`'s secret has just left this machine's keyring: claims here
    /// skip it at once, not after [`RECHECK_MISSING`].
    pub(super) fn note_missing(&self, id: TokenId) {
        self.inner.secret_cache.lock().unwrap().remove(&id);
        let now = self.now();
        self.inner.held.missing.lock().unwrap().insert(id, now);
    }

    /// This queue has just stored (or deleted) token `id`'s secret: forget
    /// that it was missing.
    pub(super) fn forget_missing(&self, id: TokenId) {
        self.inner.held.missing.lock().unwrap().remove(&id);
    }
}
