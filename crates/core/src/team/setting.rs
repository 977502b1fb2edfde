//! Which team database this data folder's queue lives in: the file
//! [`TEAM_FILE`](crate::paths::TEAM_FILE) in the data folder, JSON
//! `{"database_url": "postgres://user@host:port/db", "member": "alice"}`.
//! Read before any store is opened (the settings proper live in the store
//! itself, so they cannot say where the store is). No password: that is in
//! the keyring ([`super::password`]). No file = this machine's own queue.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::TEAM_FILE;

/// Longest member name, in characters.
pub const MEMBER_MAX_CHARS: usize = 64;

/// The data folder's choice of a team database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamSetting {
    /// `postgres://user@host:port/dbname[?sslmode=…]`, without a password.
    pub database_url: String,
    /// The name this person's generations are recorded under (1–64 characters).
    pub member: String,
}

/// A setting that cannot be kept or read. Messages never hold a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TeamSettingError {
    /// The address or the member name is refused; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// The file cannot be read, written or removed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl TeamSetting {
    /// Checks and tidies a setting typed in Settings: the address must be a
    /// PostgreSQL address (URL or libpq `key=value`) naming a user and no
    /// password; the member name is trimmed, 1–64 characters, no control
    /// characters.
    ///
    /// Errors: [`TeamSettingError::Invalid`] saying what to change.
    pub fn new(database_url: &str, member: &str) -> Result<TeamSetting, TeamSettingError> {
        let invalid = |s: &str| Err(TeamSettingError::Invalid(s.to_owned()));
        let url = database_url.trim();
        if url.is_empty() {
            return invalid(
                "the database address is empty; it looks like postgres://user@host:5432/dbname",
            );
        }
        let config = match crate::store::pg::parse_url(url) {
            Ok(c) => c,
            Err(e) => {
                return Err(TeamSettingError::Invalid(format!(
                    "not a PostgreSQL address ({e}); it looks like postgres://user@host:5432/dbname"
                )));
            }
        };
        if config.get_password().is_some() {
            return invalid(
                "the address holds a password: remove it from the address and type it in the \
                 password field (it is kept in the system keyring)",
            );
        }
        if config.get_user().is_none_or(str::is_empty) {
            return invalid(
                "the address names no user; put one before the host: postgres://user@host/dbname",
            );
        }
        let member = member.trim();
        if member.is_empty() {
            return invalid("the member name is empty");
        }
        if member.chars().count() > MEMBER_MAX_CHARS {
            return Err(TeamSettingError::Invalid(format!(
                "the member name is longer than {MEMBER_MAX_CHARS} characters"
            )));
        }
        if member.chars().any(char::is_control) {
            return invalid("the member name has a control character");
        }
        Ok(TeamSetting {
            database_url: url.to_owned(),
            member: member.to_owned(),
        })
    }

    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(TEAM_FILE)
    }

    /// The folder's setting; `None` when there is no file.
    ///
    /// Errors: an unreadable file, or one that does not hold a valid setting
    /// (named, with what to do).
    pub fn load(data_dir: &Path) -> Result<Option<TeamSetting>, TeamSettingError> {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(TeamSettingError::Io {
                    context: format!("cannot read {}", path.display()),
                    source,
                });
            }
        };
        let bad = |why: String| {
            TeamSettingError::Invalid(format!(
                "{} is not a valid team setting ({why}); leave the team in Settings or delete the file",
                path.display()
            ))
        };
        let raw: TeamSetting = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        TeamSetting::new(&raw.database_url, &raw.member)
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    }

    /// Writes the setting (atomically: a temporary file renamed over it).
    pub fn save(&self, data_dir: &Path) -> Result<(), TeamSettingError> {
        let path = Self::path(data_dir);
        let io = |source| TeamSettingError::Io {
            context: format!("cannot write {}", path.display()),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("a setting serializes");
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Removes the folder's setting (the queue is the folder's own again);
    /// removing a missing one is not an error.
    pub fn remove(data_dir: &Path) -> Result<(), TeamSettingError> {
        let path = Self::path(data_dir);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(TeamSettingError::Io {
                context: format!("cannot remove {}", path.display()),
                source,
            }),
        }
    }
}

/// The member name offered when joining: the OS user name, else "me".
pub fn default_member() -> String {
    whoami::username()
        .ok()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "me".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_is_kept_in_the_data_folder_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(TeamSetting::load(dir.path()).unwrap(), None);
        let s = TeamSetting::new(" postgres://alice@db.example:5432/team ", " Alice ").unwrap();
        assert_eq!(s.database_url, "postgres://alice@db.example:5432/team");
        assert_eq!(s.member, "Alice");
        s.save(dir.path()).unwrap();
        assert_eq!(TeamSetting::load(dir.path()).unwrap(), Some(s));
        TeamSetting::remove(dir.path()).unwrap();
        TeamSetting::remove(dir.path()).unwrap();
        assert_eq!(TeamSetting::load(dir.path()).unwrap(), None);
    }

    #[test]
    fn an_address_with_a_password_is_refused_without_echoing_it() {
        let pw = format!("pw{}", uuid::Uuid::new_v4().simple());
        let err = TeamSetting::new(&format!("postgres://alice:{pw}@db/team"), "alice")
            .unwrap_err()
            .to_string();
        assert!(err.contains("password field"), "{err}");
        assert!(!err.contains(&pw), "{err}");
        let err = TeamSetting::new(&format!("host=db user=alice password={pw}"), "a")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("password field") && !err.contains(&pw),
            "{err}"
        );
    }

    #[test]
    fn bad_addresses_and_member_names_say_what_to_change() {
        let cases = [
            ("", "alice", "address is empty"),
            ("http://db/team", "alice", "not a PostgreSQL address"),
            (
                "mysql://alice@db/team",
                "alice",
                "starts with mysql://, not postgres://",
            ),
            ("postgres://db/team", "alice", "names no user"),
            ("postgres://alice@db/team", "  ", "member name is empty"),
            (
                "postgres://alice@db/team",
                &"x".repeat(65),
                "longer than 64",
            ),
            (
                "postgres://alice@db/team",
                "al\u{7}ice",
                "control character",
            ),
        ];
        for (url, member, want) in cases {
            let err = TeamSetting::new(url, member).unwrap_err().to_string();
            assert!(err.contains(want), "{url:?} {member:?}: {err}");
        }
    }

    #[test]
    fn libpq_verify_modes_are_read_as_require_which_verifies_with_rustls() {
        for mode in ["verify-full", "verify-ca"] {
            let url = format!("postgres://alice@db.example:5432/team?sslmode={mode}");
            let c = crate::store::pg::parse_url(&url).unwrap();
            assert_eq!(c.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
            assert!(TeamSetting::new(&url, "alice").is_ok());
        }
    }

    #[test]
    fn a_damaged_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TEAM_FILE), "{\"database_url\": 3}").unwrap();
        let err = TeamSetting::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(TEAM_FILE) && err.contains("leave the team"),
            "{err}"
        );
    }

    #[test]
    fn the_default_member_is_never_empty() {
        assert!(!default_member().is_empty());
    }
}
