//! What is sent to the chat, in the language of the settings: a completion
//! (its image(s) with the prompt; a video or another file as a file), a
//! failure with its reason, the "queue finished" summary, the test message.
//!
//! Limits (core.telegram.org/bots/api): a caption is at most 1024
//! characters and a text 4096 (Telegram counts UTF-16 code units, so the
//! cut does too); an album holds 2–10 photos; a photo is at most 10 MB (a
//! larger one goes as a file), any file at most 50 MB (a larger one is
//! named in a text instead). Plain text, no `parse_mode`.

use std::path::{Path, PathBuf};

use crate::endings::RunTally;
use crate::model::Generation;
use crate::settings::LanguageChoice;

use super::{CAPTION_MAX, MEDIA_GROUP, PHOTO_MAX_BYTES, TEXT_MAX, UPLOAD_MAX_BYTES};

/// One Bot API call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// `sendMessage`.
    Text(String),
    /// `sendPhoto`.
    Photo { file: PathBuf, caption: String },
    /// `sendMediaGroup` of 2–10 photos, the caption on the first.
    Album {
        files: Vec<PathBuf>,
        caption: String,
    },
    /// `sendDocument`.
    Document { file: PathBuf, caption: String },
}

/// Whether the chat is written to in Russian: the language setting, or
/// for "system" the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), as the
/// shell's texts decide.
pub fn russian(choice: LanguageChoice) -> bool {
    match choice {
        LanguageChoice::Ru => true,
        LanguageChoice::En => false,
        LanguageChoice::System => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("ru")),
    }
}

/// `text` cut to at most `max` UTF-16 code units (an ellipsis marks a cut).
pub fn fit(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn is_photo(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "webp")
}

/// The caption of a completed generation: the model, then the prompt.
pub fn completion_caption(g: &Generation) -> String {
    fit(&format!("✅ {}\n{}", g.model_name, g.prompt), CAPTION_MAX)
}

/// What a completed generation sends: its photos (one, or albums of up to
/// ten), its other files as files, the caption on the first; a file over
/// 50 MB is named instead; no file at all sends the caption as a text.
/// `data_dir` resolves the stored output paths.
pub fn for_completion(g: &Generation, data_dir: &Path, ru: bool) -> Vec<Outgoing> {
    let caption = completion_caption(g);
    let mut photos = Vec::new();
    let mut out = Vec::new();
    let mut too_large = Vec::new();
    for stored in &g.output_files {
        let file = crate::paths::resolve_output_path(data_dir, stored);
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if size > UPLOAD_MAX_BYTES {
            too_large.push(file);
        } else if is_photo(&file) && size <= PHOTO_MAX_BYTES {
            photos.push(file);
        } else {
            out.push(Outgoing::Document {
                file,
                caption: String::new(),
            });
        }
    }
    let mut items: Vec<Outgoing> = photos
        .chunks(*MEDIA_GROUP.end())
        .map(|chunk| match chunk {
            [one] => Outgoing::Photo {
                file: one.clone(),
                caption: String::new(),
            },
            many => Outgoing::Album {
                files: many.to_vec(),
                caption: String::new(),
            },
        })
        .collect();
    items.append(&mut out);
    for f in too_large {
        let text = if ru {
            format!("Файл больше 50 МБ, боту его не отправить: {}", f.display())
        } else {
            format!("A file over 50 MB cannot be sent by a bot: {}", f.display())
        };
        items.push(Outgoing::Text(fit(&text, TEXT_MAX)));
    }
    match items.first_mut() {
        Some(Outgoing::Photo { caption: c, .. })
        | Some(Outgoing::Album { caption: c, .. })
        | Some(Outgoing::Document { caption: c, .. }) => *c = caption,
        Some(Outgoing::Text(t)) => *t = fit(&format!("{caption}\n\n{t}"), TEXT_MAX),
        None => items.push(Outgoing::Text(caption)),
    }
    items
}

/// What a failed generation sends: the reason, the model and the prompt.
pub fn for_failure(g: &Generation, ru: bool) -> Outgoing {
    let kind = g.error_kind.unwrap_or(crate::model::ErrorKind::Other);
    let reason = if ru {
        kind.russian(g.error.as_deref())
    } else {
        kind.english(g.error.as_deref())
    };
    let text = if ru {
        format!(
            "❌ Генерация не удалась: {reason}\n{}\n{}",
            g.model_name, g.prompt
        )
    } else {
        format!(
            "❌ Generation failed: {reason}\n{}\n{}",
            g.model_name, g.prompt
        )
    };
    Outgoing::Text(fit(&text, TEXT_MAX))
}

/// The "queue finished" summary: what completed, failed and was cancelled
/// since the queue was last idle.
pub fn for_queue_finished(run: &RunTally, ru: bool) -> Outgoing {
    let mut parts = Vec::new();
    if ru {
        parts.push(format!("готово изображений: {}", run.completed));
        if run.failed > 0 {
            parts.push(format!("с ошибкой: {}", run.failed));
        }
        if run.cancelled > 0 {
            parts.push(format!("отменено: {}", run.cancelled));
        }
        Outgoing::Text(format!("🏁 Очередь завершена: {}", parts.join(", ")))
    } else {
        parts.push(format!(
            "{} {}",
            run.completed,
            if run.completed == 1 {
                "image ready"
            } else {
                "images ready"
            }
        ));
        if run.failed > 0 {
            parts.push(format!("{} failed", run.failed));
        }
        if run.cancelled > 0 {
            parts.push(format!("{} cancelled", run.cancelled));
        }
        Outgoing::Text(format!("🏁 Queue finished: {}", parts.join(", ")))
    }
}

/// The text of "Send a test message".
pub fn test_message(ru: bool) -> String {
    if ru {
        "Genqueue на связи: сюда будут приходить готовые генерации.".into()
    } else {
        "Genqueue is connected: finished generations will arrive in this chat.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_are_cut_to_telegram_limits_in_utf16_units() {
        let long = "😀".repeat(600); // 1200 UTF-16 units
        let cut = fit(&long, CAPTION_MAX);
        assert!(cut.encode_utf16().count() <= CAPTION_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(fit("short", CAPTION_MAX), "short");
    }

    #[test]
    fn the_summary_counts_the_run_in_both_languages() {
        let run = RunTally {
            completed: 3,
            failed: 1,
            cancelled: 0,
            ..Default::default()
        };
        assert_eq!(
            for_queue_finished(&run, false),
            Outgoing::Text("🏁 Queue finished: 3 images ready, 1 failed".into())
        );
        assert_eq!(
            for_queue_finished(&run, true),
            Outgoing::Text("🏁 Очередь завершена: готово изображений: 3, с ошибкой: 1".into())
        );
    }
}
