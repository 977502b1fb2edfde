//! The database address: reading it (one parser for every address Genqueue
//! is given), showing it without its password, and the TLS it is reached
//! with.

use std::str::FromStr;
use std::sync::Arc;

use tokio_postgres::config::Host;

/// Reads a database address (`postgres://…` or libpq's `key=value` form),
/// the one parser of every address Genqueue is given.
///
/// libpq's `sslmode=verify-ca` and `verify-full` are read as `require`:
/// with rustls and the system's roots (see [`tls`]) `require` already
/// checks the certificate chain and the host name, as `verify-full` does
/// (tokio-postgres itself knows only `disable`, `prefer` and `require`).
///
/// Errors: a sentence saying what is wrong (another database's URL is named
/// by its scheme).
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, String> {
    let url = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    if let Some((scheme, _)) = url.split_once("://")
        && !matches!(scheme, "postgres" | "postgresql")
    {
        return Err(format!("it starts with {scheme}://, not postgres://"));
    }
    tokio_postgres::Config::from_str(&url).map_err(|e| e.to_string())
}

/// `url` as it may be shown: `postgres://user@host:port/dbname`, never the
/// password. A URL that does not parse shows as `postgres://(unreadable address)`.
pub fn redacted_url(url: &str) -> String {
    match parse_url(url) {
        Ok(c) => shown(&c),
        Err(_) => "postgres://(unreadable address)".to_owned(),
    }
}

pub(super) fn shown(c: &tokio_postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// rustls with the system's root certificates (Debian's `ca-certificates`).
pub(crate) fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}
