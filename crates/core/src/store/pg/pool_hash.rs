//! A token's one-way identifier on PostgreSQL (`tokens.pool_hash`, PG
//! schema 12), as SQLite's `store/pool_hash.rs`: the value is
//! [`crate::secrets::Secret::pool_hash`], never the secret. Two members
//! recording the same hash at once: the unique index lets one win, and the
//! other is told `false` (it then joins the winner's row).

use tokio_postgres::error::SqlState;

use super::rows::{self, TOKEN_SELECT};
use super::{PgStore, pg_err, pool_err};
use crate::model::{Token, TokenId};
use crate::store::StoreError;

type Res<T> = Result<T, StoreError>;

impl PgStore {
    pub(super) fn token_by_pool_hash_pg(&self, hash: &str) -> Res<Option<Token>> {
        let hash = hash.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let sql = format!("{TOKEN_SELECT} WHERE t.pool_hash = $1");
            c.query_opt(&sql, &[&hash])
                .await
                .map_err(pg_err)?
                .map(|r| rows::token(&r))
                .transpose()
        })
    }

    pub(super) fn set_token_pool_hash_pg(&self, id: TokenId, hash: &str) -> Res<bool> {
        let hash = hash.to_owned();
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let uid = uuid::Uuid::from(id);
            let owner: Option<uuid::Uuid> = c
                .query_opt("SELECT id FROM tokens WHERE pool_hash = $1", &[&hash])
                .await
                .map_err(pg_err)?
                .map(|r| r.get(0));
            if let Some(owner) = owner {
                return Ok(owner == uid);
            }
            let set = c
                .execute(
                    "UPDATE tokens SET pool_hash = $2 WHERE id = $1 AND pool_hash IS NULL",
                    &[&uid, &hash],
                )
                .await;
            match set {
                Ok(n) => Ok(n > 0),
                // Another member recorded it meanwhile (the unique index).
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(false),
                Err(e) => Err(pg_err(e)),
            }
        })
    }

    pub(super) fn tokens_without_pool_hash_pg(&self) -> Res<Vec<TokenId>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let found = c
                .query("SELECT id FROM tokens WHERE pool_hash IS NULL", &[])
                .await
                .map_err(pg_err)?;
            Ok(found
                .iter()
                .map(|r| TokenId::from(r.get::<_, uuid::Uuid>(0)))
                .collect())
        })
    }
}
