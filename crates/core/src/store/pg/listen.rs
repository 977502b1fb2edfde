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

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_postgres::AsyncMessage;

use super::{pg_err, reason_of};
use crate::model::{GenerationId, TokenId};
use crate::store::{StoreError, StoreNews};

/// The channel PG migration 0008's trigger notifies on.
const CHANNEL: &str = "genqueue_changes";
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

/// Listens until the store's runtime stops. `shown`: the database as it
/// may be shown (no password), for [`StoreNews::Unreachable`]'s message. `first` is answered when the
/// first `LISTEN` is in place (or failed: `Err(reason)`).
pub(super) async fn listen_loop(
    mut config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    origin: String,
    shown: String,
    news: broadcast::Sender<StoreNews>,
    first: std::sync::mpsc::SyncSender<Result<(), String>>,
) {
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
                let sql = format!("LISTEN {CHANNEL}");
                let mut listen = Box::pin(client.batch_execute(&sql));
                let mut listening = false;
                loop {
                    tokio::select! {
                        r = &mut listen, if !listening => match r {
                            Ok(()) => {
                                listening = true;
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
