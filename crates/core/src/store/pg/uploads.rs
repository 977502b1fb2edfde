//! Input files uploaded to Replicate, per token and content, on PostgreSQL
//! (`migrations/postgres/0003_inputs.sql`); as SQLite's `store/uploads.rs`.

use super::rows::{Param, get, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::TokenId;
use crate::store::codec::to_ms;
use crate::store::{InputUpload, StoreError};

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
                    "SELECT token_id, sha256, file_id, url, size, uploaded_at, expires_at \
                     FROM input_uploads WHERE token_id = $1 AND sha256 = $2",
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
}
