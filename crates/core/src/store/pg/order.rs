//! The dispatch order on PostgreSQL: the rows the shared algorithm
//! ([`crate::store::priority`]) reads and writes, inside one transaction.
//!
//! Moves from several engines at once: the transaction first takes an
//! advisory lock ([`ORDER_LOCK`]), so one move reads and rewrites the
//! priorities at a time (SQLite's `BEGIN IMMEDIATE` does the same there).
//! Claims and inserts do not take it: a claim only takes a generation out of
//! the dispatchable set and an insert adds one at priority 0, neither of
//! which makes a move's priorities wrong.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::{PgStore, pg_err, pool_err};
use crate::model::{GenerationId, GenerationStatus};
use crate::store::StoreError;
use crate::store::codec::to_ms;
use crate::store::priority::{Key, MoveTo, OrderRows, move_pending, reorder};

type Res<T> = Result<T, StoreError>;
type PKey = Key<DateTime<Utc>>;

/// The advisory lock that serialises moves ("genqueue" + 2).
const ORDER_LOCK: i64 = 7452728853394163047;

const DISPATCHABLE: &str = "status = 'pending' AND token_id IS NULL";

/// PostgreSQL's rows, on a connection inside a transaction.
struct PgOrder<'c, C>(&'c C);

fn key(r: &tokio_postgres::Row) -> PKey {
    Key {
        id: r.get::<_, uuid::Uuid>("id").into(),
        priority: r.get("priority"),
        created_at: r.get("created_at"),
    }
}

impl<C: GenericClient + Sync> OrderRows for PgOrder<'_, C> {
    type At = DateTime<Utc>;

    async fn pending_key(&self, id: GenerationId) -> Res<Option<PKey>> {
        let uid = uuid::Uuid::from(id);
        let Some(r) = self
            .0
            .query_opt(
                "SELECT id, priority, created_at, status, token_id FROM generations WHERE id = $1",
                &[&uid],
            )
            .await
            .map_err(pg_err)?
        else {
            return Err(StoreError::not_found("generation", id));
        };
        let status: String = r.get("status");
        if status != GenerationStatus::Pending.as_str() {
            return Err(StoreError::NotPending {
                id: id.into(),
                status: status.parse().unwrap_or(GenerationStatus::Processing),
            });
        }
        let token: Option<uuid::Uuid> = r.get("token_id");
        Ok(token.is_none().then(|| key(&r)))
    }

    async fn keys_after(&self, k: Option<&PKey>, n: usize) -> Res<Vec<PKey>> {
        let n = n as i64;
        let Some(k) = k else {
            let found = self
                .0
                .query(
                    &format!(
                        "SELECT id, priority, created_at FROM generations WHERE {DISPATCHABLE} \
                         ORDER BY priority DESC, created_at ASC, id ASC LIMIT $1"
                    ),
                    &[&n],
                )
                .await
                .map_err(pg_err)?;
            return Ok(found.iter().map(key).collect());
        };
        let uid = uuid::Uuid::from(k.id);
        let found = self
            .0
            .query(
                &format!(
                    "(SELECT id, priority, created_at FROM generations WHERE {DISPATCHABLE} \
                      AND priority = $1 AND (created_at, id) > ($2, $3) \
                      ORDER BY created_at ASC, id ASC LIMIT $4) \
                     UNION ALL \
                     (SELECT id, priority, created_at FROM generations WHERE {DISPATCHABLE} \
                      AND priority < $1 ORDER BY priority DESC, created_at ASC, id ASC LIMIT $4) \
                     ORDER BY priority DESC, created_at ASC, id ASC LIMIT $4"
                ),
                &[&k.priority, &k.created_at, &uid, &n],
            )
            .await
            .map_err(pg_err)?;
        Ok(found.iter().map(key).collect())
    }

    async fn key_before(&self, k: &PKey) -> Res<Option<PKey>> {
        let uid = uuid::Uuid::from(k.id);
        let found = self
            .0
            .query_opt(
                &format!(
                    "SELECT id, priority, created_at FROM generations WHERE {DISPATCHABLE} \
                     AND (priority > $1 OR (priority = $1 AND (created_at, id) < ($2, $3))) \
                     ORDER BY priority ASC, created_at DESC, id DESC LIMIT 1"
                ),
                &[&k.priority, &k.created_at, &uid],
            )
            .await
            .map_err(pg_err)?;
        Ok(found.as_ref().map(key))
    }

    async fn raise_ahead(&self, k: &PKey, by: i64, now: DateTime<Utc>) -> Res<Vec<GenerationId>> {
        let uid = uuid::Uuid::from(k.id);
        let raised = self
            .0
            .query(
                &format!(
                    "UPDATE generations SET priority = priority + $1, updated_at = $2 \
                     WHERE {DISPATCHABLE} AND (priority > $3 \
                     OR (priority = $3 AND (created_at, id) < ($4, $5))) RETURNING id"
                ),
                &[&by, &to_ms(now), &k.priority, &k.created_at, &uid],
            )
            .await
            .map_err(pg_err)?;
        Ok(raised
            .iter()
            .map(|r| r.get::<_, uuid::Uuid>(0).into())
            .collect())
    }

    async fn set_priority(&self, id: GenerationId, p: i64, now: DateTime<Utc>) -> Res<bool> {
        let uid = uuid::Uuid::from(id);
        let n = self
            .0
            .execute(
                "UPDATE generations SET priority = $2, updated_at = $3 \
                 WHERE id = $1 AND priority <> $2",
                &[&uid, &p, &to_ms(now)],
            )
            .await
            .map_err(pg_err)?;
        Ok(n > 0)
    }

    async fn drop_retry_delay(&self, id: GenerationId, now: DateTime<Utc>) -> Res<bool> {
        let uid = uuid::Uuid::from(id);
        let n = self
            .0
            .execute(
                "UPDATE generations SET next_attempt_at = NULL, wait_reason = NULL, \
                 updated_at = $2 WHERE id = $1 AND next_attempt_at IS NOT NULL",
                &[&uid, &to_ms(now)],
            )
            .await
            .map_err(pg_err)?;
        Ok(n > 0)
    }
}

/// What a move does: a reorder of a list, or one generation moved.
enum Move {
    Reorder(Vec<GenerationId>),
    One(GenerationId, MoveTo),
}

impl PgStore {
    fn order_write(&self, what: Move, now: DateTime<Utc>) -> Res<Vec<GenerationId>> {
        self.run(move |pool| async move {
            let mut c = pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(pg_err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ORDER_LOCK])
                .await
                .map_err(pg_err)?;
            let rows = PgOrder(&tx);
            let changed = match what {
                Move::Reorder(ids) => reorder(&rows, &ids, now).await?,
                Move::One(id, to) => move_pending(&rows, id, to, now).await?,
            };
            tx.commit().await.map_err(pg_err)?;
            Ok(changed)
        })
    }

    pub(super) fn reorder_pg(
        &self,
        ids: &[GenerationId],
        now: DateTime<Utc>,
    ) -> Res<Vec<GenerationId>> {
        self.order_write(Move::Reorder(ids.to_vec()), now)
    }

    pub(super) fn move_pg(
        &self,
        id: GenerationId,
        to: MoveTo,
        now: DateTime<Utc>,
    ) -> Res<Vec<GenerationId>> {
        self.order_write(Move::One(id, to), now)
    }
}
