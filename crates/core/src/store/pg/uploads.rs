//! Input files uploaded to Replicate, per token and content, reused across
//! the tokens of one Replicate account, on PostgreSQL
//! (`migrations/postgres/0003_inputs.sql`, `0005_token_accounts.sql`); as
//! SQLite's `store/uploads.rs`.

use std::collections::HashSet;

use super::rows::{Param, get, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::TokenId;
use crate::store::codec::to_ms;
use crate::store::{InputUpload, StoreError};
use crate::submit::files::kept_names_in;

impl PgStore {
    pub(super) fn input_upload_pg(
        &self,
        token_id: TokenId,
        sha256: &str,
    ) -> Result<Option<InputUpload>, StoreError> {
        let (tid, sha) = (uuid::Uuid::from(token_id), sha256.to_owned());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let Some(r) = c
                .query_opt(
                    "SELECT u.token_id, u.sha256, u.file_id, u.url, u.size, u.uploaded_at, \
                     u.expires_at FROM input_uploads u JOIN tokens t ON t.id = u.token_id \
                     WHERE u.sha256 = $2 AND (u.token_id = $1 OR t.account = \
                     (SELECT account FROM tokens WHERE id = $1)) \
                     ORDER BY u.expires_at DESC LIMIT 1",
                    &[&tid, &sha],
                )
                .await
                .map_err(pg_err)?
            else {
                return Ok(None);
            };
            let size: i64 = get(&r, "size")?;
            Ok(Some(InputUpload {
                token_id: get::<uuid::Uuid>(&r, "token_id")?.into(),
                sha256: get(&r, "sha256")?,
                file_id: get(&r, "file_id")?,
                url: get(&r, "url")?,
                size: u64::try_from(size).unwrap_or(0),
                uploaded_at: get(&r, "uploaded_at")?,
                expires_at: get(&r, "expires_at")?,
            }))
        })
    }

    pub(super) fn record_input_upload_pg(&self, u: &InputUpload) -> Result<(), StoreError> {
        let params: Vec<Param> = vec![
            Box::new(uuid::Uuid::from(u.token_id)),
            Box::new(u.sha256.clone()),
            Box::new(u.file_id.clone()),
            Box::new(u.url.clone()),
            Box::new(i64::try_from(u.size).unwrap_or(i64::MAX)),
            Box::new(to_ms(u.uploaded_at)),
            Box::new(to_ms(u.expires_at)),
        ];
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO input_uploads (token_id, sha256, file_id, url, size, uploaded_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (token_id, sha256) DO UPDATE SET file_id = excluded.file_id, \
                 url = excluded.url, size = excluded.size, uploaded_at = excluded.uploaded_at, \
                 expires_at = excluded.expires_at",
                &refs(&params),
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    /// See [`crate::store::QueueStore::kept_input_names`].
    pub(super) fn kept_input_names_pg(&self) -> Result<HashSet<String>, StoreError> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query(
                    "SELECT input FROM generations WHERE strpos(input, 'genqueue-input:') > 0",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let mut names = HashSet::new();
            for r in &found {
                let input: String = get(r, "input")?;
                names.extend(kept_names_in(&input).into_iter().map(str::to_owned));
            }
            Ok(names)
        })
    }

    /// See [`crate::store::QueueStore::set_token_account`].
    pub(super) fn set_token_account_pg(
        &self,
        id: TokenId,
        account: &str,
    ) -> Result<(), StoreError> {
        let (id, account) = (uuid::Uuid::from(id), account.to_owned());
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "UPDATE tokens SET account = $2 WHERE id = $1",
                &[&id, &account],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }

    /// See [`crate::store::QueueStore::token_account`].
    pub(super) fn token_account_pg(&self, id: TokenId) -> Result<Option<String>, StoreError> {
        let id = uuid::Uuid::from(id);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            Ok(
                c.query_opt("SELECT account FROM tokens WHERE id = $1", &[&id])
                    .await
                    .map_err(pg_err)?
                    .and_then(|r| r.get::<_, Option<String>>(0)),
            )
        })
    }
}
