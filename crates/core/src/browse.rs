//! The model browser's reads: search Replicate's public models, list its
//! collections, open one. Every shell (the window, `genq models`) calls
//! these; the wire shapes are in [`crate::replicate::browse`].

use crate::model::TokenId;
use crate::queue::{Queue, QueueError};
use crate::replicate::browse::{Collection, CollectionSummary, ModelSearch};
use std::sync::Arc;

use crate::secrets::Secret;

/// Results a search asks for unless told otherwise.
pub const SEARCH_LIMIT: u8 = 20;

impl Queue {
    /// The token for a read that is not a prediction (a model, a search):
    /// the least recently used active token that is not cooling down, and
    /// on a team's database one whose secret this machine holds (a member
    /// who forgot or never added the team's token cannot read with it).
    ///
    /// Errors: `no_token` when there is none; the keyring's error.
    pub(crate) async fn read_token(&self) -> Result<(TokenId, Arc<Secret>), QueueError> {
        let now = self.now();
        let held = self.claim_filter().await?;
        let token = self
            .tokens()?
            .into_iter()
            .filter(|t| t.active && t.cooldown_until.is_none_or(|c| c <= now))
            .filter(|t| held.as_ref().is_none_or(|h| h.contains(&t.id)))
            .min_by_key(|t| t.last_used_at)
            .ok_or(QueueError::NoToken)?;
        let secret = self.secret(token.id).await?;
        Ok((token.id, secret))
    }

    /// Public models matching `query` (`GET /search`), best first, at most
    /// `limit` (1–50). A blank query finds nothing without asking.
    ///
    /// Errors: `no_token`; Replicate's answer (a token refused with
    /// 401/403 is disabled on the way, as for every read).
    pub async fn search_models(&self, query: &str, limit: u8) -> Result<ModelSearch, QueueError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(ModelSearch {
                query: String::new(),
                models: Vec::new(),
                collections: Vec::new(),
            });
        }
        let (id, secret) = self.read_token().await?;
        let res = self.client().search_models(&secret, query, limit).await;
        self.checked(id, res)
    }

    /// Replicate's collections (`GET /collections`, first page).
    pub async fn list_collections(&self) -> Result<Vec<CollectionSummary>, QueueError> {
        let (id, secret) = self.read_token().await?;
        let res = self.client().list_collections(&secret).await;
        self.checked(id, res)
    }

    /// One collection with its models (`GET /collections/{slug}`).
    ///
    /// Errors: `not_found` for an unknown slug; as [`Queue::search_models`].
    pub async fn collection(&self, slug: &str) -> Result<Collection, QueueError> {
        let (id, secret) = self.read_token().await?;
        let res = self.client().get_collection(&secret, slug.trim()).await;
        self.checked(id, res)
    }
}
