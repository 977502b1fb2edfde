//! The token pool's management on [`Queue`]: list, add (checked against
//! Replicate, secret to the keyring), revalidate, enable/disable, rename,
//! concurrency, remove, and the secret for a request.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Queue, QueueError};
use crate::events::Event;
use crate::model::{Token, TokenId};
use crate::replicate::Account;
use crate::secrets::{Secret, SecretError};

/// What [`Queue::add_or_join_token`] did.
#[derive(Debug, Clone)]
pub struct AddedToken {
    pub token: Token,
    /// The Replicate account `GET /account` named.
    pub account: Account,
    /// The token was already in the pool (a team member added it): no new
    /// row; it is now usable from this machine too.
    pub joined: bool,
}

impl Queue {
    /// The pool's tokens, with their figures. No secret.
    pub fn tokens(&self) -> Result<Vec<Token>, QueueError> {
        Ok(self.store().list_tokens()?)
    }

    /// Adds a token: [`Queue::add_or_join_token`] without saying whether it
    /// joined a row already in the pool.
    pub async fn add_token(&self, label: &str, raw: &str) -> Result<(Token, Account), QueueError> {
        let added = self.add_or_join_token(label, raw).await?;
        Ok((added.token, added.account))
    }

    /// Adds a token: trims and checks the pasted text and validates it with
    /// `GET /account` (the answer's username is returned). The pool knows a
    /// token by its secret's one-way hash ([`Secret::pool_hash`]):
    /// - no row has it: a new row (labelled `label`, else the username),
    ///   the secret stored in this machine's keyring under its id;
    /// - a row has it (a team member added it): no new row; the secret is
    ///   stored in this machine's keyring under that row's id, so its cap,
    ///   cooldown and counters stay shared ([`AddedToken::joined`]);
    /// - this machine's keyring already holds it: `duplicate_token`.
    ///
    /// Errors: `malformed` text, `duplicate_token`, Replicate's refusal
    /// (`unauthorized`…), an unreachable server, a keyring that is missing or locked.
    pub async fn add_or_join_token(
        &self,
        label: &str,
        raw: &str,
    ) -> Result<AddedToken, QueueError> {
        let secret = Secret::parse(raw)?;
        let hash = secret.pool_hash();
        // Rows made before the hash existed: those held here get it first.
        self.fill_pool_hashes().await;
        if let Some(t) = self.store().token_by_pool_hash(&hash)? {
            return self.join_token(t, secret, None).await;
        }
        let account = self.client().account(&secret).await?;
        let label = match label.trim() {
            "" => account.username.clone(),
            l => l.to_owned(),
        };
        let now = self.now();
        let token = self
            .store()
            .insert_token(&label, &secret.fingerprint(), now)?;
        if !self.store().set_token_pool_hash(token.id, &hash)? {
            // Another member added the same token meanwhile: theirs stays.
            self.store().remove_token(token.id)?;
            let t = self
                .store()
                .token_by_pool_hash(&hash)?
                .ok_or(QueueError::TokenNotFound(token.id))?;
            return self.join_token(t, secret, Some(account)).await;
        }
        if let Err(e) = self.keep_secret(token.id, secret).await {
            // No row without its secret.
            self.store().remove_token(token.id)?;
            return Err(e);
        }
        // Tokens of one account share uploaded input files.
        self.store()
            .set_token_account(token.id, &account.username)?;
        Ok(AddedToken {
            token: self.announced(token),
            account,
            joined: false,
        })
    }

    /// Makes pool row `t`, which has `secret`'s hash, usable from this
    /// machine: its secret into this keyring under `t`'s id.
    async fn join_token(
        &self,
        t: Token,
        secret: Secret,
        account: Option<Account>,
    ) -> Result<AddedToken, QueueError> {
        if let Ok(existing) = self.secret(t.id).await
            && existing.expose() == secret.expose()
        {
            return Err(QueueError::DuplicateToken(t.label));
        }
        let account = match account {
            Some(a) => a,
            None => self.client().account(&secret).await?,
        };
        self.keep_secret(t.id, secret).await?;
        self.store().set_token_account(t.id, &account.username)?;
        Ok(AddedToken {
            token: self.announced(t),
            account,
            joined: true,
        })
    }

    /// Stores token `id`'s secret in the keyring (off the async threads)
    /// and in the cache.
    async fn keep_secret(&self, id: TokenId, secret: Secret) -> Result<(), QueueError> {
        let secrets = self.inner.secrets.clone();
        let stored = {
            let secret = secret.clone();
            tokio::task::spawn_blocking(move || secrets.set(id, &secret))
                .await
                .expect("keyring task panicked")
        };
        stored?;
        self.inner
            .secret_cache
            .lock()
            .unwrap()
            .insert(id, Arc::new(secret));
        self.forget_missing(id);
        Ok(())
    }

    /// Checks a token again with `GET /account`; on success it is enabled
    /// (a disabled token returns to the pool this way).
    pub async fn revalidate_token(&self, id: TokenId) -> Result<(Token, Account), QueueError> {
        let secret = self.secret(id).await?;
        let res = self.client().account(&secret).await;
        let account = self.checked(id, res)?;
        self.store().set_token_account(id, &account.username)?;
        let t = self.store().enable_token(id, self.now())?;
        Ok((self.announced(t), account))
    }

    /// Announces token `t` as it is now (`TokenChanged`) and gives it back.
    fn announced(&self, t: Token) -> Token {
        self.events().send(Event::TokenChanged(Box::new(t.clone())));
        t
    }

    pub fn enable_token(&self, id: TokenId) -> Result<Token, QueueError> {
        let t = self.store().enable_token(id, self.now())?;
        Ok(self.announced(t))
    }

    pub fn disable_token(&self, id: TokenId, reason: &str) -> Result<Token, QueueError> {
        let t = self.store().disable_token(id, reason, self.now())?;
        Ok(self.announced(t))
    }

    pub fn rename_token(&self, id: TokenId, label: &str) -> Result<Token, QueueError> {
        let t = self.store().rename_token(id, label.trim())?;
        Ok(self.announced(t))
    }

    pub fn set_token_concurrency(&self, id: TokenId, n: u32) -> Result<Token, QueueError> {
        let t = self.store().set_max_concurrency(id, n)?;
        Ok(self.announced(t))
    }

    /// Removes a token: its secret from the keyring, then its row. Generations
    /// it ran keep their history.
    ///
    /// Refused (`invalid_state`) while the token holds running generations:
    /// their predictions belong to its account and only it can follow them.
    pub async fn remove_token(&self, id: TokenId) -> Result<(), QueueError> {
        let token = self
            .store()
            .get_token(id)?
            .ok_or(QueueError::TokenNotFound(id))?;
        if token.in_flight > 0 {
            return Err(QueueError::TokenBusy {
                label: token.label,
                in_flight: token.in_flight,
            });
        }
        self.delete_secret(id).await?;
        self.inner.secret_cache.lock().unwrap().remove(&id);
        self.forget_missing(id);
        if !self.store().remove_token(id)? {
            return Err(QueueError::TokenNotFound(id));
        }
        self.events().send(Event::TokenRemoved { id });
        Ok(())
    }

    /// On a team's database: deletes token `id`'s secret from this machine's
    /// keyring and keeps the token in the team's pool for the members who
    /// hold it ([`Queue::remove_token`] deletes the row, for everyone). This
    /// machine's engine claims with it no more; a prediction it follows
    /// now is followed to its end with the secret already read, and a
    /// generation it has not sent yet goes back to the queue for an engine
    /// that holds the secret (`engine/drive.rs`). Another process of this
    /// machine that read the secret before (`genq run`) keeps it until it
    /// restarts. Adding the token again brings it back here.
    ///
    /// Errors: [`QueueError::NotShared`] on this machine's own queue;
    /// [`QueueError::TokenNotFound`]; the keyring's.
    pub async fn forget_token_here(&self, id: TokenId) -> Result<Token, QueueError> {
        if !self.store().shared_by_engines() {
            return Err(QueueError::NotShared);
        }
        let token = self
            .store()
            .get_token(id)?
            .ok_or(QueueError::TokenNotFound(id))?;
        self.delete_secret(id).await?;
        self.note_missing(id);
        Ok(self.announced(token))
    }

    /// Deletes token `id`'s secret from this machine's keyring (off the async
    /// threads); one already gone is fine.
    async fn delete_secret(&self, id: TokenId) -> Result<(), QueueError> {
        let secrets = self.inner.secrets.clone();
        let deleted = tokio::task::spawn_blocking(move || secrets.delete(id))
            .await
            .expect("keyring task panicked");
        match deleted {
            Ok(()) | Err(SecretError::NotFound(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The secret of a token, from the cache or the keyring (off the async threads).
    pub async fn secret(&self, id: TokenId) -> Result<Arc<Secret>, QueueError> {
        if let Some(s) = self.inner.secret_cache.lock().unwrap().get(&id) {
            return Ok(s.clone());
        }
        let secrets = self.inner.secrets.clone();
        let s = tokio::task::spawn_blocking(move || secrets.get(id))
            .await
            .expect("keyring task panicked")?;
        let s = Arc::new(s);
        self.inner
            .secret_cache
            .lock()
            .unwrap()
            .insert(id, s.clone());
        Ok(s)
    }

    /// Records one request's outcome on a token and announces the token.
    pub(crate) fn record_request(
        &self,
        id: TokenId,
        outcome: crate::store::RequestOutcome,
        now: DateTime<Utc>,
    ) {
        match self.store().record_request(id, outcome, now) {
            Ok(t) => self.announce_token_counters(t),
            Err(e) => tracing::warn!(token = %id, error = %e, "could not record a request"),
        }
    }
}
