//! "Test connection": connect to a team database, log in, read its schema
//! version, and say in one of a few kinds what is wrong. Nothing is written
//! (Join migrates). The answer never holds the password: it names the
//! database as `postgres://user@host:port/dbname`, and the reasons are the
//! driver's and the server's texts, which do not repeat it.
//!
//! The kinds come from tokio-postgres's errors: a server error's SQLSTATE
//! (`28P01` invalid_password, `28000` invalid_authorization_specification —
//! no `pg_hba.conf` line or no such role, `3D000` invalid_catalog_name —
//! PostgreSQL docs, Appendix A), the driver's "password missing" when the
//! server asks for a password and none was given, its TLS handshake errors
//! (a certificate the system's roots do not trust, or `sslmode=require`
//! against a server without TLS), and connect/time-out errors.

use std::time::Duration;

use serde::Serialize;
use tokio_postgres::error::SqlState;

use crate::secrets::Secret;
use crate::store::pg::PG_SCHEMA_VERSION;

/// How long a test waits for the server (connect and log in).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionCheck {
    /// The database as it may be shown: `postgres://user@host:port/dbname`.
    pub database: String,
    pub outcome: CheckOutcome,
    /// The finding in one English sentence (`genq`, logs); the window words
    /// it in its own language from `outcome`.
    pub message: String,
}

/// The finding's kind. `reason` fields hold the driver's or server's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// Reached and logged in. `schema` is the database's version (0: no
    /// Genqueue tables yet, Join creates them; below `supported`: Join
    /// updates them), `supported` is this Genqueue's.
    Ready { schema: u32, supported: u32 },
    /// The address does not parse.
    BadAddress { reason: String },
    /// No answer: a wrong host or port, a firewall, the server down, a time-out.
    Unreachable { reason: String },
    /// The server refused the password (SQLSTATE 28P01).
    BadPassword,
    /// The server asks for a password and none was given.
    PasswordNeeded,
    /// The server refused this user from this machine (SQLSTATE 28000:
    /// no matching `pg_hba.conf` line, or no such role).
    Refused { reason: String },
    /// No database of that name on the server (SQLSTATE 3D000).
    NoDatabase,
    /// TLS failed: the server's certificate is not trusted by the system's
    /// roots, or TLS was required and the server offers none.
    Tls { reason: String },
    /// A newer Genqueue has migrated the database past this one's schema.
    TooNew { found: u32, supported: u32 },
    /// Any other failure.
    Other { reason: String },
}

impl ConnectionCheck {
    /// True when Join can go ahead.
    pub fn ready(&self) -> bool {
        matches!(self.outcome, CheckOutcome::Ready { .. })
    }
}

/// Tests the database at `url` with `password` (replacing one in the URL).
/// Never fails: every problem is a [`CheckOutcome`].
pub async fn check_connection(url: &str, password: Option<&Secret>) -> ConnectionCheck {
    let database = crate::store::pg::redacted_url(url);
    let outcome = match crate::store::pg::parse_url(url) {
        Err(reason) => CheckOutcome::BadAddress { reason },
        Ok(mut config) => {
            if let Some(p) = password {
                config.password(p.expose());
            }
            config.connect_timeout(CHECK_TIMEOUT);
            match tokio::time::timeout(CHECK_TIMEOUT + Duration::from_secs(2), probe(config)).await
            {
                Ok(o) => o,
                Err(_) => CheckOutcome::Unreachable {
                    reason: format!("no answer in {} s", CHECK_TIMEOUT.as_secs()),
                },
            }
        }
    };
    let message = sentence(&database, &outcome);
    ConnectionCheck {
        database,
        outcome,
        message,
    }
}

async fn probe(config: tokio_postgres::Config) -> CheckOutcome {
    let tls = match crate::store::pg::tls() {
        Ok(t) => t,
        Err(e) => {
            return CheckOutcome::Tls {
                reason: format!("cannot set up TLS: {e}"),
            };
        }
    };
    let (client, connection) = match config.connect(tls).await {
        Ok(c) => c,
        Err(e) => return classify(&e),
    };
    let task = tokio::spawn(connection);
    let supported = PG_SCHEMA_VERSION as u32;
    let outcome = async {
        let exists: bool = client
            .query_one("SELECT to_regclass('genqueue_schema') IS NOT NULL", &[])
            .await?
            .get(0);
        if !exists {
            return Ok(CheckOutcome::Ready {
                schema: 0,
                supported,
            });
        }
        let found: i32 = client
            .query_one("SELECT version FROM genqueue_schema WHERE id = 1", &[])
            .await?
            .get(0);
        let found = found.max(0) as u32;
        Ok::<_, tokio_postgres::Error>(if found > supported {
            CheckOutcome::TooNew { found, supported }
        } else {
            CheckOutcome::Ready {
                schema: found,
                supported,
            }
        })
    }
    .await
    .unwrap_or_else(|e| classify(&e));
    drop(client);
    let _ = task.await;
    outcome
}

/// The driver's error with its causes, as one text.
fn chain(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn classify(e: &tokio_postgres::Error) -> CheckOutcome {
    if let Some(db) = e.as_db_error() {
        let reason = db.message().to_owned();
        return match db.code() {
            c if *c == SqlState::INVALID_PASSWORD => CheckOutcome::BadPassword,
            c if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                CheckOutcome::Refused { reason }
            }
            c if *c == SqlState::INVALID_CATALOG_NAME => CheckOutcome::NoDatabase,
            c => CheckOutcome::Other {
                reason: format!("{reason} ({})", c.code()),
            },
        };
    }
    let text = chain(e);
    // The driver's Display texts (tokio-postgres src/error/mod.rs, `Kind`).
    if text.starts_with("error performing TLS handshake") {
        CheckOutcome::Tls { reason: text }
    } else if text.starts_with("invalid configuration: password missing") {
        CheckOutcome::PasswordNeeded
    } else if text.starts_with("error connecting to server")
        || text.starts_with("timeout waiting for server")
        || text.starts_with("error communicating with the server")
        || text.starts_with("connection closed")
    {
        CheckOutcome::Unreachable { reason: text }
    } else {
        CheckOutcome::Other { reason: text }
    }
}

/// The finding in one English sentence.
fn sentence(db: &str, o: &CheckOutcome) -> String {
    match o {
        CheckOutcome::Ready {
            schema: 0,
            supported,
        } => format!(
            "{db} answers; it has no Genqueue tables yet: joining creates them (schema version {supported})"
        ),
        CheckOutcome::Ready { schema, supported } if schema < supported => format!(
            "{db} answers; joining updates its tables from schema version {schema} to {supported} \
             (members on an older Genqueue then need to update)"
        ),
        CheckOutcome::Ready { schema, .. } => {
            format!("{db} answers; its tables are ready (schema version {schema})")
        }
        CheckOutcome::BadAddress { reason } => format!("not a PostgreSQL address: {reason}"),
        CheckOutcome::Unreachable { reason } => format!(
            "{db} cannot be reached ({reason}); check the host and port, that the server runs \
             and listens on the network, and any firewall between"
        ),
        CheckOutcome::BadPassword => {
            format!("{db} refused the password; check it with whoever runs the database")
        }
        CheckOutcome::PasswordNeeded => {
            format!("{db} asks for a password; type it in the password field")
        }
        CheckOutcome::Refused { reason } => format!(
            "{db} refused this user from this machine ({reason}); the server's pg_hba.conf \
             needs a line for it, or the user does not exist"
        ),
        CheckOutcome::NoDatabase => {
            format!("{db}: the server has no database of that name; create it, or fix the name")
        }
        CheckOutcome::Tls { reason } => format!(
            "{db}: TLS failed ({reason}); the server's certificate must be trusted by this \
             system, or, on a network you trust, add ?sslmode=disable to the address"
        ),
        CheckOutcome::TooNew { found, supported } => format!(
            "{db} was updated by a newer Genqueue (schema version {found}, this one knows up to \
             {supported}); update Genqueue on this machine"
        ),
        CheckOutcome::Other { reason } => format!("{db}: {reason}"),
    }
}
