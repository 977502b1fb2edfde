//! Input files uploaded to Replicate, per token and content (see
//! `engine/inputs.rs`): what the engine reuses instead of uploading again,
//! with the token that uploaded it or another token of the same account
//! (`tokens.account`, migration 0009).

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::codec::{get_ts, get_u64, get_uuid, ts, uuid_text};
use super::{Store, StoreError};
use crate::model::TokenId;

/// One upload: `sha256` of the bytes uploaded with `token_id`, readable by
/// that token's account at `url` until `expires_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputUpload {
    pub token_id: TokenId,
    /// Lowercase hex.
    pub sha256: String,
    /// Replicate's file id.
    pub file_id: String,
    /// `urls.get`.
    pub url: String,
    /// Bytes.
    pub size: u64,
    pub uploaded_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// The upload of `sha256` readable with `token_id`: made with it, or
    /// with another token of the same Replicate account (when both accounts
    /// are known); the one that lives longest. Expired or not: the caller
    /// decides.
    pub fn input_upload(
        &self,
        token_id: TokenId,
        sha256: &str,
    ) -> Result<Option<InputUpload>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT u.token_id, u.sha256, u.file_id, u.url, u.size, u.uploaded_at, \
                     u.expires_at FROM input_uploads u JOIN tokens t ON t.id = u.token_id \
                     WHERE u.sha256 = ?2 AND (u.token_id = ?1 OR t.account = \
                     (SELECT account FROM tokens WHERE id = ?1)) \
                     ORDER BY u.expires_at DESC LIMIT 1",
                )?
                .query_row(rusqlite::params![uuid_text(token_id), sha256], |row| {
                    Ok(InputUpload {
                        token_id: get_uuid(row, "token_id")?,
                        sha256: row.get("sha256")?,
                        file_id: row.get("file_id")?,
                        url: row.get("url")?,
                        size: get_u64(row, "size")?,
                        uploaded_at: get_ts(row, "uploaded_at")?,
                        expires_at: get_ts(row, "expires_at")?,
                    })
                })
                .optional()?)
        })
    }

    /// Records an upload, replacing an earlier one of the same token and content.
    pub fn record_input_upload(&self, u: &InputUpload) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO input_uploads (token_id, sha256, file_id, url, size, uploaded_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (token_id, sha256) DO UPDATE SET file_id = excluded.file_id, \
                 url = excluded.url, size = excluded.size, uploaded_at = excluded.uploaded_at, \
                 expires_at = excluded.expires_at",
                rusqlite::params![
                    uuid_text(u.token_id),
                    u.sha256,
                    u.file_id,
                    u.url,
                    u.size as i64,
                    ts(u.uploaded_at),
                    ts(u.expires_at)
                ],
            )?;
            Ok(())
        })
    }

    /// The kept input files (`<sha256>.<ext>` in `<data>/inputs/`) that some
    /// generation's input still names (`genqueue-input:<name>`): what the
    /// sweep of unreferenced input files keeps.
    pub fn kept_input_names(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT input FROM generations WHERE instr(input, 'genqueue-input:') > 0",
            )?;
            let mut names = std::collections::HashSet::new();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let input: String = row.get(0)?;
                names.extend(
                    crate::submit::files::kept_names_in(&input)
                        .into_iter()
                        .map(str::to_owned),
                );
            }
            Ok(names)
        })
    }

    /// Records the Replicate account (`username`) `id` belongs to.
    pub fn set_token_account(&self, id: TokenId, account: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tokens SET account = ?2 WHERE id = ?1",
                rusqlite::params![uuid_text(id), account],
            )?;
            Ok(())
        })
    }

    /// The Replicate account `id` belongs to, if recorded.
    pub fn token_account(&self, id: TokenId) -> Result<Option<String>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached("SELECT account FROM tokens WHERE id = ?1")?
                .query_row([uuid_text(id)], |row| row.get::<_, Option<String>>(0))
                .optional()?
                .flatten())
        })
    }
}
