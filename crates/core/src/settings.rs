//! The user's settings: one JSON object in the store's `settings` table
//! (key [`SETTINGS_KEY`]), read with defaults for every missing field, so
//! older and newer builds read each other's settings.
//!
//! Effects live with their owners: the engine reads `output_folder`,
//! `retention_days`, `start_paused_after_crash` and `start_deadline_minutes`; the desktop shell reads
//! `notifications`, `notify_queue_finished` and `api_base` (and applies
//! `api_base` by reopening the queue); the UI reads `theme` and `language`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::deadlines::{DEFAULT_START_DEADLINE, DeadlineKind, check};
use crate::paths::OUTPUTS_DIR;
use crate::store::{Store, StoreError};

/// Key of the settings object in the `settings` table.
pub const SETTINGS_KEY: &str = "app_settings";
/// Longest retention accepted, in days (100 years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// When a finished generation shows a native notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum NotifyMode {
    Always,
    /// Only while the window is not focused (the default).
    #[default]
    Unfocused,
    Never,
}

/// The UI's colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ThemeChoice {
    /// Follow the OS.
    #[default]
    System,
    Light,
    Dark,
}

/// The UI's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LanguageChoice {
    /// Follow the OS locale.
    #[default]
    System,
    En,
    Ru,
}

/// Settings → Telegram (the bot token itself is in the keyring:
/// `crate::telegram::token`). Read by the relay at each message, so a change
/// applies at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TelegramSettings {
    /// Where messages go: a chat id (`123456789`, `-100…` for groups) or a
    /// public channel's `@name`; `null` = Telegram is off.
    pub chat_id: Option<String>,
    /// Each completed generation: its image(s) with the prompt. Default true.
    pub send_completed: bool,
    /// Each failed generation, with the reason. Default true.
    pub send_failed: bool,
    /// The "queue finished" summary. Default true.
    pub send_queue_finished: bool,
    /// The Bot API's base URL (a proxy, a local Bot API server, a test
    /// server); `null` = `https://api.telegram.org`.
    pub api_base: Option<String>,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        TelegramSettings {
            chat_id: None,
            send_completed: true,
            send_failed: true,
            send_queue_finished: true,
            api_base: None,
        }
    }
}

/// Everything the settings page edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    /// Notifications for finished generations. Default `unfocused`.
    pub notifications: NotifyMode,
    /// One notification when the whole queue has finished (nothing pending or
    /// processing any more). Default true.
    pub notify_queue_finished: bool,
    /// Absolute folder where new outputs are saved (`<folder>/<generation id>/`);
    /// `null` = `<data dir>/outputs`. Outputs already saved stay where they are.
    pub output_folder: Option<String>,
    /// Replicate's base URL (a proxy); `null` = `https://api.replicate.com/v1`.
    /// The `REPLICATE_API_BASE` environment variable, when set, wins.
    pub api_base: Option<String>,
    /// Finished generations older than this many days are deleted with their
    /// files (at start, then daily); `null` = keep forever. 1 to 36500.
    pub retention_days: Option<u32>,
    pub theme: ThemeChoice,
    pub language: LanguageChoice,
    /// Start with the queue paused when the last run did not shut down cleanly
    /// (a crash or a kill), so nothing is sent before the user looks. Default false.
    pub start_paused_after_crash: bool,
    /// How long a prediction may stay `starting` (no GPU free yet) before
    /// the engine cancels it, for generations created without their own
    /// ([`crate::deadlines`]). Minutes, 1 to 1440. Default 15.
    pub start_deadline_minutes: u32,
    /// Sending finished generations to a Telegram chat.
    pub telegram: TelegramSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notifications: NotifyMode::default(),
            notify_queue_finished: true,
            output_folder: None,
            api_base: None,
            retention_days: None,
            theme: ThemeChoice::default(),
            language: LanguageChoice::default(),
            start_paused_after_crash: false,
            start_deadline_minutes: (DEFAULT_START_DEADLINE.as_secs() / 60) as u32,
            telegram: TelegramSettings::default(),
        }
    }
}

/// Why settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("the output folder must be an absolute path, not {0:?}")]
    RelativeOutputFolder(String),
    #[error("the output folder {path} cannot be created: {reason}")]
    OutputFolder { path: String, reason: String },
    #[error("the API base URL {0:?} is not an http(s) URL")]
    BadApiBase(String),
    #[error("history retention must be 1 to {MAX_RETENTION_DAYS} days, not {0}")]
    BadRetention(u32),
    #[error(transparent)]
    BadStartDeadline(#[from] crate::deadlines::DeadlineError),
    #[error("the Telegram chat id {0:?} is not a number or a channel's @name")]
    BadTelegramChat(String),
    #[error("the Telegram Bot API base URL {0:?} is not an http(s) URL")]
    BadTelegramApiBase(String),
}

impl Settings {
    /// Checks and normalises: blank strings become `null`, the URL loses a
    /// trailing `/`, the output folder is created if missing.
    ///
    /// Errors: a relative or uncreatable output folder, a URL that is not
    /// http(s), a retention of 0 or above [`MAX_RETENTION_DAYS`].
    pub fn validated(mut self) -> Result<Settings, SettingsError> {
        let blank_to_none =
            |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        self.output_folder = blank_to_none(self.output_folder);
        self.api_base = blank_to_none(self.api_base).map(|s| s.trim_end_matches('/').to_owned());
        if let Some(dir) = &self.output_folder {
            let p = Path::new(dir);
            if !p.is_absolute() {
                return Err(SettingsError::RelativeOutputFolder(dir.clone()));
            }
            std::fs::create_dir_all(p).map_err(|e| SettingsError::OutputFolder {
                path: dir.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(base) = &self.api_base {
            if !http_url(base) {
                return Err(SettingsError::BadApiBase(base.clone()));
            }
        }
        check(
            DeadlineKind::Start,
            Duration::from_secs(u64::from(self.start_deadline_minutes) * 60),
        )?;
        self.telegram.chat_id = blank_to_none(self.telegram.chat_id);
        self.telegram.api_base =
            blank_to_none(self.telegram.api_base).map(|s| s.trim_end_matches('/').to_owned());
        if let Some(chat) = &self.telegram.chat_id {
            if !telegram_chat_ok(chat) {
                return Err(SettingsError::BadTelegramChat(chat.clone()));
            }
        }
        if let Some(base) = &self.telegram.api_base {
            if !http_url(base) {
                return Err(SettingsError::BadTelegramApiBase(base.clone()));
            }
        }
        if let Some(d) = self.retention_days {
            if !(1..=MAX_RETENTION_DAYS).contains(&d) {
                return Err(SettingsError::BadRetention(d));
            }
        }
        Ok(self)
    }

    /// The time-to-start deadline of generations created without their own.
    pub fn start_deadline(&self) -> Duration {
        Duration::from_secs(u64::from(self.start_deadline_minutes) * 60)
    }

    /// Where new outputs of this data folder go: the output folder, or
    /// `<data_dir>/outputs`.
    pub fn outputs_root(&self, data_dir: &Path) -> PathBuf {
        match &self.output_folder {
            Some(dir) => PathBuf::from(dir),
            None => data_dir.join(OUTPUTS_DIR),
        }
    }
}

/// An http(s) URL with a host.
fn http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .unwrap_or(false)
}

/// A Bot API `chat_id` (core.telegram.org/bots/api#sendmessage: "Unique
/// identifier for the target chat or username of the target channel (in
/// the format @channelusername)"): an integer, or `@` and a username
/// (letters, digits, `_`).
fn telegram_chat_ok(chat: &str) -> bool {
    match chat.strip_prefix('@') {
        Some(name) => {
            (4..=64).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        None => chat.parse::<i64>().is_ok(),
    }
}

/// The settings from their stored value (`None`: none stored), with
/// defaults for anything missing; a value that is not a JSON object of the
/// right shape reads as the defaults (logged). Both stores read them so.
pub(crate) fn read_stored(raw: Option<String>) -> Settings {
    match raw {
        None => Settings::default(),
        Some(raw) => serde_json::from_str(&raw).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "stored settings are unreadable; using the defaults");
            Settings::default()
        }),
    }
}

/// The settings as stored (see [`read_stored`]).
pub(crate) fn stored(s: &Settings) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "{}".into())
}

impl Store {
    /// The settings, with defaults for anything missing (see [`read_stored`]).
    pub fn settings(&self) -> Result<Settings, StoreError> {
        Ok(read_stored(self.setting(SETTINGS_KEY)?))
    }

    /// Stores the settings as given (validate them first with [`Settings::validated`]).
    pub fn set_settings(&self, s: &Settings) -> Result<(), StoreError> {
        self.set_setting(SETTINGS_KEY, &stored(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_telegram(t: TelegramSettings) -> Result<Settings, SettingsError> {
        Settings {
            telegram: t,
            ..Settings::default()
        }
        .validated()
    }

    #[test]
    fn telegram_settings_are_normalised_and_checked() {
        let s = with_telegram(TelegramSettings {
            chat_id: Some("  -1001234567890 ".into()),
            api_base: Some("http://127.0.0.1:8081/".into()),
            ..TelegramSettings::default()
        })
        .unwrap();
        assert_eq!(s.telegram.chat_id.as_deref(), Some("-1001234567890"));
        assert_eq!(
            s.telegram.api_base.as_deref(),
            Some("http://127.0.0.1:8081")
        );
        let blank = with_telegram(TelegramSettings {
            chat_id: Some(" ".into()),
            ..TelegramSettings::default()
        })
        .unwrap();
        assert_eq!(blank.telegram.chat_id, None);
        assert!(
            with_telegram(TelegramSettings {
                chat_id: Some("@my_channel".into()),
                ..TelegramSettings::default()
            })
            .is_ok()
        );
        for bad in ["12ab", "@a b", "me"] {
            let e = with_telegram(TelegramSettings {
                chat_id: Some(bad.into()),
                ..TelegramSettings::default()
            })
            .unwrap_err();
            assert_eq!(e, SettingsError::BadTelegramChat(bad.into()));
        }
        assert!(matches!(
            with_telegram(TelegramSettings {
                api_base: Some("api.telegram.org".into()),
                ..TelegramSettings::default()
            }),
            Err(SettingsError::BadTelegramApiBase(_))
        ));
    }

    #[test]
    fn settings_stored_before_telegram_read_with_its_defaults() {
        let old = r#"{"notifications":"always","theme":"dark"}"#;
        let s: Settings = serde_json::from_str(old).unwrap();
        assert_eq!(s.notifications, NotifyMode::Always);
        assert_eq!(s.telegram, TelegramSettings::default());
        assert!(s.telegram.send_completed && s.telegram.send_failed);
    }
}
