//! Leases on PostgreSQL (`migrations/postgres/0006_leases.sql`; the rules
//! are in `store/lease.rs`): one statement each, so two engines taking the
//! same lease at once cannot both get it (the row's unique key and
//! `ON CONFLICT … WHERE` decide).

use chrono::{DateTime, Utc};

use super::{PgStore, pg_err, pool_err};
use crate::model::GenerationId;
use crate::store::codec::to_ms;
use crate::store::{Lease, StoreError};

type Res<T> = Result<T, StoreError>;

impl PgStore {
    /// See [`crate::store::QueueStore::take_lease`].
    pub(super) fn take_lease_pg(
        &self,
        id: GenerationId,
        engine: uuid::Uuid,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Res<Lease> {
        let (id, until, now) = (uuid::Uuid::from(id), to_ms(until), to_ms(now));
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            // Taken when free, expired or already ours; the fence grows
            // whenever the owner changes.
            let taken = c
                .query_opt(
                    "INSERT INTO leases AS l (generation_id, owner, until, fence) \
                     SELECT $1, $2, $3, 1 WHERE EXISTS (SELECT 1 FROM generations WHERE id = $1) \
                     ON CONFLICT (generation_id) DO UPDATE SET owner = $2, until = $3, \
                       fence = l.fence + CASE WHEN l.owner IS NOT DISTINCT FROM $2 THEN 0 ELSE 1 END \
                     WHERE l.owner IS NULL OR l.owner = $2 OR l.until <= $4 \
                     RETURNING fence",
                    &[&id, &engine, &until, &now],
                )
                .await
                .map_err(pg_err)?;
            if let Some(r) = taken {
                return Ok(Lease::Taken { fence: r.get(0) });
            }
            let held = c
                .query_opt(
                    "SELECT until FROM leases WHERE generation_id = $1 AND owner IS NOT NULL",
                    &[&id],
                )
                .await
                .map_err(pg_err)?;
            Ok(match held.and_then(|r| r.get::<_, Option<DateTime<Utc>>>(0)) {
                Some(until) => Lease::Held { until },
                // No such generation (deleted meanwhile): the engine finds it gone.
                None => Lease::Taken { fence: 0 },
            })
        })
    }

    /// See [`crate::store::QueueStore::renew_leases`].
    pub(super) fn renew_leases_pg(
        &self,
        engine: uuid::Uuid,
        ids: &[GenerationId],
        until: DateTime<Utc>,
    ) -> Res<Vec<GenerationId>> {
        let ids: Vec<uuid::Uuid> = ids.iter().map(|&i| i.into()).collect();
        let until = to_ms(until);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            let kept: std::collections::HashSet<uuid::Uuid> = c
                .query(
                    "UPDATE leases SET until = $3 WHERE generation_id = ANY($2) AND owner = $1 \
                     RETURNING generation_id",
                    &[&engine, &ids, &until],
                )
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            // A generation deleted meanwhile has no lease row: not "lost"
            // to another engine, but nobody drives it any more either.
            Ok(ids
                .into_iter()
                .filter(|i| !kept.contains(i))
                .map(GenerationId::from)
                .collect())
        })
    }

    /// See [`crate::store::QueueStore::release_lease`].
    pub(super) fn release_lease_pg(&self, id: GenerationId, engine: uuid::Uuid) -> Res<()> {
        let id = uuid::Uuid::from(id);
        self.run(move |pool| async move {
            let c = pool.get().await.map_err(pool_err)?;
            c.execute(
                "UPDATE leases SET owner = NULL, until = NULL \
                 WHERE generation_id = $1 AND owner = $2",
                &[&id, &engine],
            )
            .await
            .map_err(pg_err)?;
            Ok(())
        })
    }
}
