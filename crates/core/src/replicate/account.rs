//! The account behind a token (`GET /account`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::prediction::{UnexpectedBody, str_field};

/// The account a token belongs to (`GET /account`; a cheap token check that
/// says nothing of credit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    /// `user` or `organization` (the wire's `type`).
    #[serde(alias = "type")]
    pub kind: String,
    /// The account's handle (`acme`): the `owner` of its models.
    pub username: String,
    /// The display name, if set.
    pub name: Option<String>,
    /// The linked GitHub profile, if any.
    pub github_url: Option<String>,
}

impl Account {
    /// Reads `{type, username, name, github_url}` (example in Replicate's
    /// docs for `account.get`); only `username` is required.
    pub fn from_json(raw: &Value) -> Result<Account, UnexpectedBody> {
        let map = raw
            .as_object()
            .ok_or_else(|| UnexpectedBody("expected an account object".into()))?;
        Ok(Account {
            kind: str_field(map, "type").unwrap_or_default(),
            username: str_field(map, "username")
                .ok_or_else(|| UnexpectedBody("the account has no username".into()))?,
            name: str_field(map, "name"),
            github_url: str_field(map, "github_url"),
        })
    }
}
