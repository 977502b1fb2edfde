//! The history search's index on PostgreSQL: each prompt's FTS5 tokens as a
//! `tsvector` (see [`crate::store::fts_tokens`]), written with the row
//! (`rows::insert_sql`); here, the rows written before that.

use deadpool_postgres::GenericClient;

use super::pg_err;
use crate::store::StoreError;
use crate::store::fts_tokens::pg_tsvector;

/// Rows indexed per round by [`fill_missing`].
const FILL_BATCH: i64 = 500;

/// Indexes the rows written before the search used FTS5's tokens
/// (`prompt_search` NULL after PG migration 0010), a batch at a time; a prompt
/// without words gets an empty vector, so each row is done once.
pub(super) async fn fill_missing(c: &impl GenericClient) -> Result<(), StoreError> {
    loop {
        let rows = c
            .query(
                "SELECT id, prompt FROM generations WHERE prompt_search IS NULL LIMIT $1",
                &[&FILL_BATCH],
            )
            .await
            .map_err(pg_err)?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let (id, prompt): (uuid::Uuid, String) = (r.get(0), r.get(1));
            c.execute(
                "UPDATE generations SET prompt_search = $2::text::tsvector WHERE id = $1",
                &[&id, &pg_tsvector(&prompt)],
            )
            .await
            .map_err(pg_err)?;
        }
    }
}
