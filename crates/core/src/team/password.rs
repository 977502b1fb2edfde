//! The team database's password: in the OS keyring under the account
//! [`PASSWORD_ACCOUNT`] of the app's keyring service (the seam Replicate and
//! Telegram tokens use, [`crate::secrets::SecretStore`]); never in SQLite,
//! PostgreSQL, logs, events or IPC answers. Held as a [`Secret`] (prints
//! `<redacted>`).

use crate::secrets::{Secret, SecretError, SecretStore};

/// The keyring account of the team database's password.
pub const PASSWORD_ACCOUNT: &str = "team-database-password";

/// Longest password accepted, in bytes (PostgreSQL itself has no limit
/// worth meeting; this bounds what is pasted).
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// Checks a typed password: kept exactly as typed (spaces are legal in a
/// password), at most 1024 bytes, no NUL (PostgreSQL's protocol ends
/// strings with it). An empty one means "none".
///
/// Errors: [`SecretError::Malformed`] saying what is wrong, never the text.
pub fn parse(raw: &str) -> Result<Option<Secret>, SecretError> {
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > PASSWORD_MAX_BYTES {
        return Err(SecretError::Malformed(format!(
            "the password is longer than {PASSWORD_MAX_BYTES} bytes"
        )));
    }
    if raw.contains('\0') {
        return Err(SecretError::Malformed(
            "the password has a NUL character, which PostgreSQL cannot take".into(),
        ));
    }
    Ok(Some(Secret::from_checked(raw.to_owned())))
}

/// The stored password, if any. Blocking (a keyring call).
pub fn load(secrets: &dyn SecretStore) -> Result<Option<Secret>, SecretError> {
    secrets.get_named(PASSWORD_ACCOUNT)
}

/// Stores `password`, or forgets the stored one when it is `None`. Blocking.
pub fn save(secrets: &dyn SecretStore, password: Option<&Secret>) -> Result<(), SecretError> {
    match password {
        Some(p) => secrets.set_named(PASSWORD_ACCOUNT, p),
        None => secrets.delete_named(PASSWORD_ACCOUNT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecretStore;

    #[test]
    fn a_password_is_kept_as_typed_and_forgotten_when_empty() {
        let store = MemorySecretStore::new();
        let p = parse(" with spaces ").unwrap().unwrap();
        assert_eq!(p.expose(), " with spaces ");
        save(&store, Some(&p)).unwrap();
        assert_eq!(load(&store).unwrap(), Some(p));
        assert_eq!(parse("").unwrap(), None);
        save(&store, None).unwrap();
        assert_eq!(load(&store).unwrap(), None);
    }

    #[test]
    fn a_bad_password_is_refused_without_echoing_it() {
        let long = "s3cr".repeat(300);
        let e = parse(&long).unwrap_err().to_string();
        assert!(e.contains("1024") && !e.contains("s3cr"), "{e}");
        let e = parse("ab\0cd-s3cr").unwrap_err().to_string();
        assert!(e.contains("NUL") && !e.contains("s3cr"), "{e}");
    }
}
