//! Why a generation failed: a code ([`ErrorKind`], stored in `error_kind`)
//! and the cause's own words (stored in `error`: the model's error,
//! Replicate's `detail`, the transport error), never a sentence of ours.
//!
//! Each shell renders the code in the user's language: the window from its
//! catalogues (`errorKind.*` in `ui/src/i18n/`); `genq`, notifications
//! (`src-tauri/src/texts.rs`) and Telegram with [`ErrorKind::english`] and
//! [`ErrorKind::russian`] here.
//! Rows written before the codes (a whole English sentence in `error`) were
//! turned into `other` with that sentence by `migrations/0005_failure_codes.sql`.

use serde::{Deserialize, Serialize};

/// Why a generation failed, for every shell to say in its language; the
/// cause's own words are in [`Generation::error`](crate::Generation::error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorKind {
    /// 400/422 from Replicate: the input broke the model's schema (detail: Replicate's `detail`).
    InputRejected,
    /// The prediction ended `failed` (detail: the model's own error, if it gave one).
    ModelFailed,
    /// The prediction ended `aborted` (a `Cancel-After` deadline passed before it started).
    Aborted,
    /// Still `starting` at its time-to-start deadline: cancelled by the engine, not billed
    /// (detail: the deadline, e.g. `15 min`; [`crate::deadlines`]).
    StartTimeout,
    /// As [`ErrorKind::StartTimeout`], but the cancel's answer says it had just started
    /// (billed for those seconds).
    StartTimeoutBilled,
    /// Replicate cancelled it at its run deadline (`Cancel-After`) while it ran (detail: the deadline).
    RunDeadline,
    /// Replicate aborted it: its run deadline passed before it started (detail: the deadline).
    RunDeadlineBeforeStart,
    /// Every allowed create attempt ended in a transient error (detail: the last one).
    RetriesExhausted,
    /// Reading a running prediction failed too many times in a row (detail: the last error).
    LostContact,
    /// The prediction succeeded but its outputs were deleted on Replicate before we saved them,
    /// or its owner can no longer find it.
    OutputsExpired,
    /// The prediction succeeded without any output.
    NoOutput,
    /// An output could not be downloaded or written (detail: disk full, size cap, truncated body).
    DownloadFailed,
    /// The create answered 404: no such model or version (detail: Replicate's answer).
    ModelNotFound,
    /// The create answered an error that is neither the input's nor the token's (detail: it).
    CreateFailed,
    /// The token that owns the prediction was refused while following it (detail: the answer).
    TokenRefused,
    /// The token that owns the prediction was removed from Genqueue.
    TokenRemoved,
    /// The secret of the token that owns the prediction is missing from the keyring.
    TokenSecretMissing,
    /// A create's answer was lost and its token was refused before the list could tell
    /// whether a prediction was made (detail: the refusal).
    CreateUnverifiable,
    /// An input file kept in the data folder cannot be read (detail: its path and the error).
    InputFileUnreadable,
    /// The Files API refused an input file as too large, 413 (detail: file, size, answer).
    InputFileTooLarge,
    /// The Files API refused an input file (detail: file and Replicate's words).
    InputFileRejected,
    /// Uploading an input file failed every try (detail: file, tries, the last cause).
    UploadFailed,
    /// No usable token: every token is disabled or removed.
    NoToken,
    /// Anything else, and failures recorded before codes existed: the detail says what.
    Other,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 24] = [
        Self::InputRejected,
        Self::ModelFailed,
        Self::Aborted,
        Self::StartTimeout,
        Self::StartTimeoutBilled,
        Self::RunDeadline,
        Self::RunDeadlineBeforeStart,
        Self::RetriesExhausted,
        Self::LostContact,
        Self::OutputsExpired,
        Self::NoOutput,
        Self::DownloadFailed,
        Self::ModelNotFound,
        Self::CreateFailed,
        Self::TokenRefused,
        Self::TokenRemoved,
        Self::TokenSecretMissing,
        Self::CreateUnverifiable,
        Self::InputFileUnreadable,
        Self::InputFileTooLarge,
        Self::InputFileRejected,
        Self::UploadFailed,
        Self::NoToken,
        Self::Other,
    ];

    /// The snake_case name stored in the store and sent over IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InputRejected => "input_rejected",
            Self::ModelFailed => "model_failed",
            Self::Aborted => "aborted",
            Self::StartTimeout => "start_timeout",
            Self::StartTimeoutBilled => "start_timeout_billed",
            Self::RunDeadline => "run_deadline",
            Self::RunDeadlineBeforeStart => "run_deadline_before_start",
            Self::RetriesExhausted => "retries_exhausted",
            Self::LostContact => "lost_contact",
            Self::OutputsExpired => "outputs_expired",
            Self::NoOutput => "no_output",
            Self::DownloadFailed => "download_failed",
            Self::ModelNotFound => "model_not_found",
            Self::CreateFailed => "create_failed",
            Self::TokenRefused => "token_refused",
            Self::TokenRemoved => "token_removed",
            Self::TokenSecretMissing => "token_secret_missing",
            Self::CreateUnverifiable => "create_unverifiable",
            Self::InputFileUnreadable => "input_file_unreadable",
            Self::InputFileTooLarge => "input_file_too_large",
            Self::InputFileRejected => "input_file_rejected",
            Self::UploadFailed => "upload_failed",
            Self::NoToken => "no_token",
            Self::Other => "other",
        }
    }

    /// Parses a stored name; unknown names (a newer version's) become [`ErrorKind::Other`].
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(Self::Other)
    }

    /// The sentence that names the failure, in English (for `genq`, logs and
    /// tests); `{detail}` marks where the detail goes, else it follows a colon.
    fn english_heading(self) -> &'static str {
        match self {
            Self::InputRejected => "Replicate rejected the input",
            Self::ModelFailed => "The model failed",
            Self::Aborted => {
                "Replicate aborted the prediction before it started (its deadline passed); not billed"
            }
            Self::StartTimeout => "No GPU became free in {detail}; cancelled, not billed",
            Self::StartTimeoutBilled => {
                "No GPU became free in {detail}; cancelled just as it started (billed for those seconds)"
            }
            Self::RunDeadline => {
                "Its run deadline of {detail} passed while it ran; Replicate cancelled it (billed for the time it ran)"
            }
            Self::RunDeadlineBeforeStart => {
                "Its run deadline of {detail} passed before it started; Replicate aborted it, not billed"
            }
            Self::RetriesExhausted => "Gave up after repeated attempts",
            Self::LostContact => "Lost contact with Replicate while following the prediction",
            Self::OutputsExpired => {
                "The prediction succeeded, but its outputs expired on Replicate before they could be saved"
            }
            Self::NoOutput => "The prediction succeeded but returned no output",
            Self::DownloadFailed => "The prediction succeeded, but saving its outputs failed",
            Self::ModelNotFound => "Replicate has no such model or version",
            Self::CreateFailed => "Replicate answered the create with an error",
            Self::TokenRefused => {
                "The token that owns this prediction was refused by Replicate, so its result cannot be read"
            }
            Self::TokenRemoved => {
                "The token that owned this prediction was removed, so its result cannot be read; retry it to run it again"
            }
            Self::TokenSecretMissing => {
                "The token that owns this prediction is missing from the system keyring"
            }
            Self::CreateUnverifiable => {
                "The create's answer was lost and its token was then refused, so whether a prediction was made cannot be checked"
            }
            Self::InputFileUnreadable => {
                "An input file kept in the data folder when it was queued cannot be read"
            }
            Self::InputFileTooLarge => "Replicate refused an input file as too large",
            Self::InputFileRejected => "Replicate refused an input file",
            Self::UploadFailed => "Could not upload an input file to Replicate",
            Self::NoToken => "No usable token",
            Self::Other => "Failed",
        }
    }

    /// The sentence that names the failure, in Russian (notifications, Telegram).
    fn russian_heading(self) -> &'static str {
        match self {
            Self::InputRejected => "Replicate отклонил входные данные",
            Self::ModelFailed => "Модель завершилась с ошибкой",
            Self::Aborted => "Replicate прервал предсказание до начала (истёк срок); без оплаты",
            Self::StartTimeout => "Свободный GPU не нашёлся за {detail}; отменено, без оплаты",
            Self::StartTimeoutBilled => {
                "Свободный GPU не нашёлся за {detail}; отменено в момент запуска (оплачены эти секунды)"
            }
            Self::RunDeadline => {
                "Срок выполнения {detail} истёк во время работы; Replicate отменил предсказание (оплачено время работы)"
            }
            Self::RunDeadlineBeforeStart => {
                "Срок выполнения {detail} истёк до запуска; Replicate прервал предсказание, без оплаты"
            }
            Self::RetriesExhausted => "Не удалось после нескольких попыток",
            Self::LostContact => "Связь с Replicate потеряна во время выполнения",
            Self::OutputsExpired => {
                "Предсказание выполнено, но его результаты удалены на Replicate до сохранения"
            }
            Self::NoOutput => "Предсказание выполнено, но ничего не вернуло",
            Self::DownloadFailed => "Предсказание выполнено, но сохранить результаты не удалось",
            Self::ModelNotFound => "На Replicate нет такой модели или версии",
            Self::CreateFailed => "Replicate ответил на создание ошибкой",
            Self::TokenRefused => {
                "Replicate отклонил токен, которому принадлежит предсказание; результат не прочитать"
            }
            Self::TokenRemoved => {
                "Токен, которому принадлежало предсказание, удалён; повторите генерацию"
            }
            Self::TokenSecretMissing => {
                "Секрета токена, которому принадлежит предсказание, нет в системном хранилище ключей"
            }
            Self::CreateUnverifiable => {
                "Ответ на создание потерян, а токен затем отклонён: не проверить, создано ли предсказание"
            }
            Self::InputFileUnreadable => {
                "Не прочитать входной файл, сохранённый в папке данных при постановке в очередь"
            }
            Self::InputFileTooLarge => "Replicate отклонил входной файл: слишком большой",
            Self::InputFileRejected => "Replicate отклонил входной файл",
            Self::UploadFailed => "Не удалось загрузить входной файл на Replicate",
            Self::NoToken => "Нет доступного токена",
            Self::Other => "Ошибка",
        }
    }

    /// The failure in Russian, as [`ErrorKind::english`].
    pub fn russian(self, detail: Option<&str>) -> String {
        self.say(self.russian_heading(), detail)
    }

    /// The failure in English: the heading, then the cause's own words
    /// (`Other` is the cause's words alone: older rows hold a whole sentence).
    pub fn english(self, detail: Option<&str>) -> String {
        self.say(self.english_heading(), detail)
    }

    /// The failure in any language: `heading` (what failed, in that
    /// language), with the cause's own words in place of `{detail}` or after
    /// a colon; `Other` with a detail is the detail alone.
    pub fn say(self, heading: &str, detail: Option<&str>) -> String {
        let detail = detail.map(str::trim).filter(|d| !d.is_empty());
        match (self, detail) {
            (_, d) if heading.contains("{detail}") => heading.replace("{detail}", d.unwrap_or("?")),
            (Self::Other, Some(d)) => d.to_owned(),
            (_, Some(d)) => format!("{heading}: {d}"),
            (_, None) => heading.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_name() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(k.as_str()), k);
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(ErrorKind::parse("from_a_newer_version"), ErrorKind::Other);
    }

    #[test]
    fn english_names_the_failure_then_gives_the_cause_verbatim() {
        assert_eq!(
            ErrorKind::ModelFailed.english(Some("CUDA out of memory")),
            "The model failed: CUDA out of memory"
        );
        assert_eq!(ErrorKind::ModelFailed.english(None), "The model failed");
        assert_eq!(
            ErrorKind::ModelFailed.english(Some("  ")),
            "The model failed"
        );
        // A deadline's length goes inside the sentence.
        assert_eq!(
            ErrorKind::StartTimeout.english(Some("15 min")),
            "No GPU became free in 15 min; cancelled, not billed"
        );
        // A row from before the codes keeps its sentence as it was.
        assert_eq!(
            ErrorKind::Other.english(Some("Replicate has no model a/b (404)")),
            "Replicate has no model a/b (404)"
        );
    }
}
