//! The store's `LISTEN` connection: one per [`PgStore`](super::PgStore),
//! outside the pool, kept open for the store's life. It turns the
//! notifications that PG migration 0008's trigger sends at each commit on
//! generations or tokens into [`StoreNews`], skipping this store's own
//! writes (their `application_name` is this store's, see [`origin`]).
//!
//! When the connection drops (the server stopped, the network went) it
//! tells [`StoreNews::Unreachable`] once, tries again after 100 ms, doubling
//! up to 5 s, and tells [`StoreNews::Back`] once listening again: the
//! listener then reads what changed meanwhile, so nothing is missed.
//!
//! It also learns when a newer Genqueue migrates the database past the
//! schema this build knows (the migrating transaction notifies
//! [`SCHEMA_CHANNEL`], and each connection reads the version once): the
//! store then refuses every call with [`StoreError::TooNew`] and tells
//! [`StoreNews::TooNew`] once, so that this engine stops claiming.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_postgres::AsyncMessage;

use super::{PG_SCHEMA_VERSION, pg_err, reason_of};
use crate::model::{GenerationId, TokenId};
use crate::store::{StoreError, StoreNews};

/// The channel PG migration 0008's trigger notifies on.
const CHANNEL: &str = "genqueue_changes";
/// The channel a migrating Genqueue notifies on, its payload the new schema
/// version (`migrate` in mod.rs).
pub(super) const SCHEMA_CHANNEL: &str = "genqueue_schema";
/// First wait before connecting again; doubles up to [`LAST_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const LAST_BACKOFF: Duration = Duration::from_secs(5);
/// News kept for a listener that is behind (it then gets `Lagged` and
/// reads what changed recently).
pub(super) const NEWS_CAPACITY: usize = 1024;

/// A new store's `application_name`: "genqueue " and 16 random hex digits
/// (PostgreSQL keeps 63 bytes of it).
pub(super) fn origin() -> String {
    format!(
        "genqueue {}",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// The trigger's payload (see migrations/postgres/0008_notify.sql).
#[derive(Deserialize)]
struct Payload {
    o: String,
    k: String,
    ids: Option<Vec<uuid::Uuid>>,
}

/// The news in one notification's payload; `None` for this store's own
/// writes (`origin`) or a payload it cannot read (logged).
fn news_of(payload: &str, origin: &str) -> Option<StoreNews> {
    let p: Payload = match serde_json::from_str(payload) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable change notification");
            return None;
        }
    };
    if p.o == origin {
        return None;
    }
    let many = p.ids.is_none();
    let ids = p.ids.unwrap_or_default();
    let (generations, tokens) = if p.k == "t" {
        (Vec::new(), ids.into_iter().map(TokenId).collect())
    } else {
        (ids.into_iter().map(GenerationId).collect(), Vec::new())
    };
    Some(StoreNews::Changed {
        generations,
        tokens,
        many,
    })
}

/// Where the listener tells what it learns.
pub(super) struct Outputs {
    /// News for the engine.
    pub news: broadcast::Sender<StoreNews>,
    /// The store's flag of a schema too new (see `Inner::too_new`).
    pub too_new: Arc<AtomicI64>,
}

impl Outputs {
    /// Notes a schema version read or told: past [`PG_SCHEMA_VERSION`], the
    /// store refuses every call from now on and the engine is told once.
    fn schema_is(&self, found: i64, shown: &str) {
        if found <= PG_SCHEMA_VERSION as i64 || self.too_new.swap(found, Ordering::Relaxed) > 0 {
            return;
        }
        let reason = StoreError::TooNew {
            path: shown.into(),
            found,
            supported: PG_SCHEMA_VERSION,
        }
        .to_string();
        tracing::warn!(reason = %reason, "a newer Genqueue migrated the team database");
        let _ = self.news.send(StoreNews::TooNew { reason });
    }
}

/// Listens until the store's runtime stops. `shown`: the database as it
/// may be shown (no password), for [`StoreNews::Unreachable`]'s message. `first` is answered when the
/// first `LISTEN` is in place (or failed: `Err(reason)`).
pub(super) async fn listen_loop(
    mut config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    origin: String,
    shown: String,
    out: Outputs,
    first: std::sync::mpsc::SyncSender<Result<(), String>>,
) {
    let news = &out.news;
    // A peer that vanished without closing (a network gone) is found within
    // about 25 s instead of TCP's two hours.
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(5))
        .keepalives_retries(3);
    let mut first = Some(first);
    let mut backoff = FIRST_BACKOFF;
    // As opened, the store has just reached the database.
    let mut up = true;
    loop {
        let reason = match config.connect(tls.clone()).await {
            Ok((client, mut conn)) => {
                let sql = format!("LISTEN {CHANNEL}; LISTEN {SCHEMA_CHANNEL}");
                // Listening first, then the version: a migration committed
                // in between is told by its notification.
                let mut listen = Box::pin(async {
                    client.batch_execute(&sql).await?;
                    let row = client
                        .query_one("SELECT version FROM genqueue_schema WHERE id = 1", &[])
                        .await?;
                    Ok::<i64, tokio_postgres::Error>(row.get::<_, i32>(0).into())
                });
                let mut listening = false;
                loop {
                    tokio::select! {
                        r = &mut listen, if !listening => match r {
                            Ok(version) => {
                                listening = true;
                                out.schema_is(version, &shown);
                                backoff = FIRST_BACKOFF;
                                if let Some(f) = first.take() {
                                    let _ = f.send(Ok(()));
                                }
                                if !up {
                                    up = true;
                                    tracing::info!("the team database answers again");
                                    let _ = news.send(StoreNews::Back);
                                }
                            }
                            Err(e) => break reason_of(pg_err(e)),
                        },
                        m = std::future::poll_fn(|cx| conn.poll_message(cx)) => match m {
                            Some(Ok(AsyncMessage::Notification(n))) if n.channel() == SCHEMA_CHANNEL => {
                                match n.payload().parse::<i64>() {
                                    Ok(v) => out.schema_is(v, &shown),
                                    Err(_) => tracing::warn!("unreadable schema notification"),
                                }
                            }
                            Some(Ok(AsyncMessage::Notification(n))) => {
                                if let Some(item) = news_of(n.payload(), &origin) {
                                    let _ = news.send(item);
                                }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(e)) => break reason_of(pg_err(e)),
                            None => break "the connection closed".to_owned(),
                        },
                    }
                }
            }
            Err(e) => reason_of(pg_err(e)),
        };
        if let Some(f) = first.take() {
            let _ = f.send(Err(reason.clone()));
        }
        if up {
            up = false;
            tracing::warn!(reason = %reason, "lost the team database; connecting again");
            let reason = StoreError::Unreachable {
                target: shown.clone(),
                reason,
            }
            .to_string();
            let _ = news.send(StoreNews::Unreachable { reason });
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(LAST_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_names_ids_or_many_and_skips_its_own_origin() {
        let g = uuid::Uuid::now_v7();
        let p = format!(r#"{{"o":"genqueue a","k":"g","ids":["{g}"],"s":7}}"#);
        assert_eq!(news_of(&p, "genqueue a"), None);
        assert_eq!(
            news_of(&p, "genqueue b"),
            Some(StoreNews::Changed {
                generations: vec![GenerationId(g)],
                tokens: vec![],
                many: false
            })
        );
        let bulk = r#"{"o":"genqueue a","k":"t","ids":null,"s":7}"#;
        assert_eq!(
            news_of(bulk, "genqueue b"),
            Some(StoreNews::Changed {
                generations: vec![],
                tokens: vec![],
                many: true
            })
        );
        assert_eq!(news_of("not json", "genqueue b"), None);
    }
}
