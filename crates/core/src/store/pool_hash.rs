//! A token's one-way identifier in the store (`tokens.pool_hash`, schema
//! 12; issue #15, "One token pool"): what lets a member adding a token
//! already in a team's pool join its row. The value is
//! [`crate::secrets::Secret::pool_hash`], never the secret; it is read here
//! only to find a row and never leaves the store in a [`Token`].

use rusqlite::OptionalExtension;

use super::codec::{get_uuid, uuid_text};
use super::tokens::{TOKEN_SELECT, token_from_row};
use super::{Store, StoreError};
use crate::model::{Token, TokenId};

impl Store {
    /// The token whose pool hash is `hash`, if any.
    pub fn token_by_pool_hash(&self, hash: &str) -> Result<Option<Token>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(&format!("{TOKEN_SELECT} WHERE t.pool_hash = ?1"))?
                .query_row([hash], token_from_row)
                .optional()?)
        })
    }

    /// Records token `id`'s pool hash. `false`, and nothing written, when
    /// another token already has it (the same secret in a second row) or
    /// there is no such token. A hash already recorded for `id` stays.
    pub fn set_token_pool_hash(&self, id: TokenId, hash: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let taken: Option<String> = tx
                .prepare_cached("SELECT id FROM tokens WHERE pool_hash = ?1")?
                .query_row([hash], |r| r.get(0))
                .optional()?;
            if let Some(owner) = taken {
                return Ok(owner == uuid_text(id));
            }
            Ok(tx
                .prepare_cached(
                    "UPDATE tokens SET pool_hash = ?2 WHERE id = ?1 AND pool_hash IS NULL",
                )?
                .execute([uuid_text(id), hash.to_owned()])?
                > 0)
        })
    }

    /// Tokens whose pool hash is not recorded yet (made before schema 12).
    pub fn tokens_without_pool_hash(&self) -> Result<Vec<TokenId>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id FROM tokens WHERE pool_hash IS NULL")?;
            let rows = stmt.query_map([], |r| get_uuid(r, "id"))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
