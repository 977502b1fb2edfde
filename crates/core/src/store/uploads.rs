//! Input files uploaded to Replicate, per token and content (see
//! `engine/inputs.rs`): what the engine reuses instead of uploading again.

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
    /// The upload of `sha256` with `token_id`, if one was recorded (expired
    /// or not: the caller decides).
    pub fn input_upload(
        &self,
        token_id: TokenId,
        sha256: &str,
    ) -> Result<Option<InputUpload>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT token_id, sha256, file_id, url, size, uploaded_at, expires_at \
                     FROM input_uploads WHERE token_id = ?1 AND sha256 = ?2",
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
}
