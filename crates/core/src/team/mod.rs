//! A team's queue on PostgreSQL, as a machine joins it (issue #15, "Switch").
//!
//! - [`setting`]: which database this data folder's queue lives in, kept in
//!   the data folder itself (`team.json`), so it is known before any store
//!   is opened; the address has no password.
//! - [`password`]: the database password, in the OS keyring only.
//! - [`check`]: "Test connection": connects, reads the schema version, and
//!   says what is wrong in one of a few kinds (never echoing the password).
//!
//! [`choose`] is the one place that decides which database a shell opens:
//! `GENQUEUE_DATABASE_URL` when set, else the data folder's setting with the
//! keyring's password, else the folder's SQLite file.

pub mod check;
pub mod password;
pub mod setting;

use std::path::Path;

use crate::secrets::{Secret, SecretError, SecretStore};
use crate::store::DATABASE_URL_ENV;

pub use check::{CheckOutcome, ConnectionCheck, check_connection};
pub use setting::{TeamSetting, TeamSettingError};

/// The team database a shell opens its queue on. `Debug` never shows the
/// password.
#[derive(Clone)]
pub struct TeamDatabase {
    /// The address; from the setting it has no password, from
    /// `GENQUEUE_DATABASE_URL` it may have one.
    pub url: String,
    /// The keyring's password, when the setting names the database.
    pub password: Option<Secret>,
    /// The member name generations are recorded under (the setting's; the
    /// OS user name under `GENQUEUE_DATABASE_URL`).
    pub member: String,
    /// True when `GENQUEUE_DATABASE_URL` chose it (Settings cannot change it).
    pub from_env: bool,
}

impl std::fmt::Debug for TeamDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamDatabase")
            .field("url", &crate::store::pg::redacted_url(&self.url))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("member", &self.member)
            .field("from_env", &self.from_env)
            .finish()
    }
}

impl TeamDatabase {
    /// The address as it may be shown: `postgres://user@host:port/dbname`.
    pub fn shown(&self) -> String {
        crate::store::pg::redacted_url(&self.url)
    }

    /// Who the queue on this database records its submits as created by.
    pub fn creator(&self) -> crate::model::Creator {
        this_creator(Some(&self.member))
    }

    /// Opens (and migrates) the store. Errors as [`crate::store::PgStore::open`].
    pub fn open(&self) -> Result<crate::store::PgStore, crate::store::StoreError> {
        crate::store::PgStore::open_with(&self.url, self.password.as_ref())
    }
}

/// Why [`choose`] could not decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChooseError {
    #[error(transparent)]
    Setting(#[from] TeamSettingError),
    /// The keyring could not be read for the password.
    #[error("cannot read the team database's password: {0}")]
    Secret(#[from] SecretError),
}

/// The database the queue of `data_dir` lives in: `env_url` (the value of
/// `GENQUEUE_DATABASE_URL`, blank = unset) wins; else the folder's
/// [`TeamSetting`] with the password from `secrets` (none stored = none
/// sent); else `None`, the folder's SQLite file. Blocking (file, keyring).
pub fn choose(
    data_dir: &Path,
    env_url: Option<&str>,
    secrets: &dyn SecretStore,
) -> Result<Option<TeamDatabase>, ChooseError> {
    if let Some(url) = env_url.map(str::trim).filter(|u| !u.is_empty()) {
        return Ok(Some(TeamDatabase {
            url: url.to_owned(),
            password: None,
            member: setting::default_member(),
            from_env: true,
        }));
    }
    let Some(s) = TeamSetting::load(data_dir)? else {
        return Ok(None);
    };
    let password = password::load(secrets)?;
    Ok(Some(TeamDatabase {
        url: s.database_url,
        password,
        member: s.member,
        from_env: false,
    }))
}

/// `GENQUEUE_DATABASE_URL` as the process sees it (blank = unset).
pub fn env_url() -> Option<String> {
    std::env::var(DATABASE_URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// Who a queue on this machine records its submits as created by: `member`
/// (the name chosen when joining), else the OS user name; this machine's host
/// name.
pub fn this_creator(member: Option<&str>) -> crate::model::Creator {
    let machine = machine_name();
    crate::model::Creator {
        member: Some(member.map_or_else(setting::default_member, str::to_owned)),
        machine: (!machine.is_empty()).then_some(machine),
    }
}

/// Whether a generation created by `creator` is `me`'s own, for what is
/// personal on a team's database (notifications): someone else's when both
/// name a member and the names differ; a generation from before creators were
/// recorded counts as one's own.
pub fn is_own(creator: &crate::model::Creator, me: &crate::model::Creator) -> bool {
    match (&creator.member, &me.member) {
        (Some(theirs), Some(mine)) => theirs == mine,
        _ => true,
    }
}

/// This machine's name, as generations record it (the OS host name; empty
/// if the OS does not say).
pub fn machine_name() -> String {
    whoami::hostname().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Creator;

    fn by(member: Option<&str>) -> Creator {
        Creator {
            member: member.map(str::to_owned),
            machine: Some("laptop".into()),
        }
    }

    #[test]
    fn only_another_members_generation_is_someone_elses() {
        let me = by(Some("Ada"));
        assert!(is_own(&by(Some("Ada")), &me));
        assert!(!is_own(&by(Some("Bob")), &me));
        assert!(is_own(&by(None), &me), "from before creators were recorded");
        assert!(is_own(&by(Some("Bob")), &by(None)));
    }
}
