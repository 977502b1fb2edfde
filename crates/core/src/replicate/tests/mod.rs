//! Tests of the Replicate client: fixtures copied from Replicate's docs and
//! clients, and HTTP tests against a scripted loopback server.

mod download;
mod fixtures;
mod forms;
mod http;
mod logging;
mod parsing;
mod server;

use crate::secrets::Secret;

/// A token for the tests.
pub fn token(s: &str) -> Secret {
    Secret::parse(s).expect("a well-formed test token")
}
