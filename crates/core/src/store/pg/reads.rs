//! Reads shared by the PostgreSQL store's methods, on a connection or
//! inside a transaction, and its one-statement token updates.

use deadpool_postgres::GenericClient;

use super::rows::{self, Param, TOKEN_SELECT, refs};
use super::{PgStore, pg_err, pool_err};
use crate::model::{Generation, GenerationId, Token, TokenId};
use crate::store::StoreError;
use crate::store::generation_rows::GENERATION_COLUMNS;

type Res<T> = Result<T, StoreError>;

pub(crate) async fn load(
    c: &impl GenericClient,
    id: GenerationId,
    lock: bool,
) -> Res<Option<Generation>> {
    let sql = format!(
        "SELECT {GENERATION_COLUMNS} FROM generations WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let id = uuid::Uuid::from(id);
    c.query_opt(&sql, &[&id])
        .await
        .map_err(pg_err)?
        .map(|r| rows::generation(&r))
        .transpose()
}

pub(crate) async fn load_many(
    c: &impl GenericClient,
    rest: &str,
    params: Vec<Param>,
) -> Res<Vec<Generation>> {
    let sql = format!("SELECT {GENERATION_COLUMNS} FROM generations {rest}");
    let found = c.query(&sql, &refs(&params)).await.map_err(pg_err)?;
    found.iter().map(rows::generation).collect()
}

pub(crate) async fn load_token(c: &impl GenericClient, id: TokenId) -> Res<Option<Token>> {
    let sql = format!("{TOKEN_SELECT} WHERE t.id = $1");
    let id = uuid::Uuid::from(id);
    c.query_opt(&sql, &[&id])
        .await
        .map_err(pg_err)?
        .map(|r| rows::token(&r))
        .transpose()
}

pub(crate) async fn load_tokens(c: &impl GenericClient) -> Res<Vec<Token>> {
    let sql = format!("{TOKEN_SELECT} ORDER BY t.created_at, t.id");
    let found = c.query(&sql, &[]).await.map_err(pg_err)?;
    found.iter().map(rows::token).collect()
}

impl PgStore {
    /// Runs one statement on `id`'s token row and returns the token;
    /// [`StoreError::NotFound`] if there is no such token.
    pub(super) fn update_token(
        &self,
        id: TokenId,
        sql: &'static str,
        mut params: Vec<Param>,
    ) -> Res<Token> {
        params.insert(0, Box::new(uuid::Uuid::from(id)));
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            if tx.execute(sql, &refs(&params)).await.map_err(pg_err)? == 0 {
                return Err(StoreError::not_found("token", id));
            }
            let t = load_token(&tx, id).await?;
            tx.commit().await.map_err(pg_err)?;
            t.ok_or_else(|| StoreError::not_found("token", id))
        })
    }

    /// Runs a query returning generation rows, outside any transaction.
    pub(super) fn generations(
        &self,
        rest: &'static str,
        params: Vec<Param>,
    ) -> Res<Vec<Generation>> {
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            load_many(&c, rest, params).await
        })
    }
}

impl PgStore {
    /// Test set-up only: applies `f` to a row and writes it whole, as SQLite's
    /// `Store::update_generation_at` (`id` and `created_at` kept; `updated_at`
    /// moves to `now` unless `f` set it). The engine writes through transitions.
    #[cfg(test)]
    pub(crate) fn update_generation_at(
        &self,
        id: GenerationId,
        now: chrono::DateTime<chrono::Utc>,
        f: impl FnOnce(&mut Generation),
    ) -> Res<Generation> {
        let before = self
            .run(move |pool| async move {
                let c = pool.get().await.map_err(pool_err)?;
                load(&c, id, false).await
            })?
            .ok_or_else(|| StoreError::not_found("generation", id))?;
        let mut g = before.clone();
        f(&mut g);
        g.id = before.id;
        g.created_at = before.created_at;
        if g == before {
            return Ok(before);
        }
        if g.updated_at == before.updated_at {
            g.updated_at = now;
        }
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(&rows::update_sql(), &refs(&rows::update_values(&g)))
                .await
                .map_err(pg_err)?;
            load(&c, id, false)
                .await?
                .ok_or_else(|| StoreError::not_found("generation", id))
        })
    }

    /// Test only: the counters recomputed with `count(*)` (what the trigger must match).
    #[cfg(test)]
    pub(crate) fn counted(&self) -> Res<crate::model::Counters> {
        self.run(|pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let r = c
                .query_one(
                    "SELECT count(*) FILTER (WHERE status = 'pending'), \
                       count(*) FILTER (WHERE status = 'processing'), \
                       count(*) FILTER (WHERE status = 'completed'), \
                       count(*) FILTER (WHERE status = 'failed'), \
                       count(*) FILTER (WHERE status = 'cancelled'), \
                       count(*) FILTER (WHERE NOT viewed) FROM generations",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let n = |i: usize| r.get::<_, i64>(i) as u64;
            Ok(crate::model::Counters {
                active: n(0) + n(1),
                unviewed: n(5),
                pending: n(0),
                processing: n(1),
                completed: n(2),
                failed: n(3),
                cancelled: n(4),
                seq: 0,
            })
        })
    }
}
