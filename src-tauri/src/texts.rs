//! The words the shell shows outside the window — the tray and the native
//! notifications — in the language the user chose (Settings → Language, or
//! the system's), English and Russian as the window's catalogues. Russian
//! plurals follow CLDR (one, few, many), as i18next does in the window.

use genqueue_core::model::{Counters, ErrorKind};
use genqueue_core::settings::LanguageChoice;
use genqueue_core::wait::{WaitCode, WaitReason};

use genqueue_core::endings::RunTally;

/// A language the shell speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    /// The language for a choice: "system" reads the locale from the
    /// environment (`LC_ALL`, `LC_MESSAGES`, `LANG`), English otherwise.
    pub fn of(choice: LanguageChoice) -> Lang {
        match choice {
            LanguageChoice::En => Lang::En,
            LanguageChoice::Ru => Lang::Ru,
            LanguageChoice::System => {
                let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                    .iter()
                    .filter_map(|k| std::env::var(k).ok())
                    .find(|v| !v.is_empty())
                    .unwrap_or_default();
                if locale.to_ascii_lowercase().starts_with("ru") {
                    Lang::Ru
                } else {
                    Lang::En
                }
            }
        }
    }
}

/// CLDR's Russian plural category of `n`: one (1, 21…), few (2–4, 22–24…), many.
fn ru_plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

/// The texts in one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts(pub Lang);

impl Texts {
    /// The tooltip's first line: `⟳ N` unviewed, how many run or wait, and
    /// whether the queue is paused. (The tray adds a line per running
    /// generation: `tray::tooltip`.)
    pub fn tooltip(self, c: &Counters, paused: bool) -> String {
        match self.0 {
            Lang::En => {
                let mut s = match c.unviewed {
                    0 => "Genqueue — nothing unviewed".to_owned(),
                    n => format!("Genqueue — ⟳ {n} unviewed"),
                };
                if c.active > 0 {
                    s.push_str(&format!(", {} running or queued", c.active));
                }
                if paused {
                    s.push_str(" (paused)");
                }
                s
            }
            Lang::Ru => {
                let mut s = match c.unviewed {
                    0 => "Genqueue — всё просмотрено".to_owned(),
                    n => format!("Genqueue — ⟳ {n} не просмотрено"),
                };
                if c.active > 0 {
                    s.push_str(&format!(", в работе или в очереди: {}", c.active));
                }
                if paused {
                    s.push_str(" (пауза)");
                }
                s
            }
        }
    }

    /// The menu's first line.
    pub fn count_line(self, c: &Counters) -> String {
        match (self.0, c.unviewed) {
            (Lang::En, 0) => "No unviewed generations".into(),
            (Lang::En, n) => format!("⟳ {n} unviewed"),
            (Lang::Ru, 0) => "Нет непросмотренных генераций".into(),
            (Lang::Ru, n) => format!("⟳ {n} не просмотрено"),
        }
    }

    pub fn pause(self) -> &'static str {
        match self.0 {
            Lang::En => "Pause queue",
            Lang::Ru => "Приостановить очередь",
        }
    }
    pub fn resume(self) -> &'static str {
        match self.0 {
            Lang::En => "Resume queue",
            Lang::Ru => "Возобновить очередь",
        }
    }
    pub fn show_window(self) -> &'static str {
        match self.0 {
            Lang::En => "Show window",
            Lang::Ru => "Показать окно",
        }
    }
    pub fn quit(self) -> &'static str {
        match self.0 {
            Lang::En => "Quit Genqueue",
            Lang::Ru => "Выйти из Genqueue",
        }
    }

    /// Title of "a generation is ready" with its `n` files.
    pub fn ready_title(self, n: usize) -> String {
        match self.0 {
            Lang::En => format!(
                "Generation ready: {n} image{}",
                if n == 1 { "" } else { "s" }
            ),
            Lang::Ru => format!(
                "Генерация готова: {n} {}",
                ru_plural(n as u64, "изображение", "изображения", "изображений")
            ),
        }
    }

    /// The title of a "generation ready" notification, by what it made:
    /// pictures are counted; a video, audio or text says so.
    pub fn ready_title_for(self, files: &[String]) -> String {
        use genqueue_core::engine::{OutputKind, output_kind};
        let kinds: Vec<OutputKind> = files.iter().map(|f| output_kind(f)).collect();
        let all = |k: OutputKind| !kinds.is_empty() && kinds.iter().all(|x| *x == k);
        let has = |k: OutputKind| kinds.contains(&k);
        let (en, ru) = if kinds.is_empty() || all(OutputKind::Image) {
            return self.ready_title(files.len());
        } else if has(OutputKind::Video) {
            ("Video ready", "Видео готово")
        } else if has(OutputKind::Audio) {
            ("Audio ready", "Аудио готово")
        } else if all(OutputKind::Text) {
            ("Text ready", "Текст готов")
        } else {
            ("Generation ready", "Генерация готова")
        };
        match self.0 {
            Lang::En => en.to_owned(),
            Lang::Ru => ru.to_owned(),
        }
    }

    /// A notification's button (and its click) that opens what it is about.
    pub fn open(self) -> &'static str {
        match self.0 {
            Lang::En => "Open",
            Lang::Ru => "Открыть",
        }
    }

    /// A failed generation's notification button that queues it again.
    pub fn retry(self) -> &'static str {
        match self.0 {
            Lang::En => "Retry",
            Lang::Ru => "Повторить",
        }
    }

    pub fn failed_title(self) -> &'static str {
        match self.0 {
            Lang::En => "Generation failed",
            Lang::Ru => "Генерация не удалась",
        }
    }

    /// Why a generation failed: what failed, then the cause's own words
    /// (core's catalogue, shared with `genq` and Telegram).
    pub fn failure(self, kind: ErrorKind, detail: Option<&str>) -> String {
        match self.0 {
            Lang::En => kind.english(detail),
            Lang::Ru => kind.russian(detail),
        }
    }

    /// A budget holds the queue: "Queue held: daily budget $5.00 reached" and
    /// "37 generations wait; raise the limit on the Spend page, or they start tomorrow".
    pub fn budget_held(self, w: &WaitReason, waiting: u64) -> (String, String) {
        let limit = w.detail.clone().unwrap_or_default();
        match self.0 {
            Lang::En => {
                let (what, when) = match w.code {
                    WaitCode::MonthlyBudget => ("monthly budget", "next month"),
                    WaitCode::TokenBudgets => ("every token's budget", "when a window ends"),
                    _ => ("daily budget", "tomorrow"),
                };
                (
                    format!("Queue held: {what} {limit} reached"),
                    format!(
                        "{waiting} generation{} waiting; raise the limit on the Spend page, or they start {when}",
                        if waiting == 1 { "" } else { "s" }
                    ),
                )
            }
            Lang::Ru => {
                let (what, when) = match w.code {
                    WaitCode::MonthlyBudget => ("исчерпан месячный бюджет", "в следующем месяце"),
                    WaitCode::TokenBudgets => {
                        ("исчерпаны бюджеты всех токенов", "когда закончится период")
                    }
                    _ => ("исчерпан дневной бюджет", "завтра"),
                };
                (
                    format!("Очередь остановлена: {what} {limit}"),
                    format!(
                        "Ждут генераций: {waiting}; поднимите лимит на странице «Расходы» или они начнутся {when}"
                    ),
                )
            }
        }
    }

    /// "Queue finished" and "12 images ready, 1 failed".
    pub fn queue_finished(self, run: &RunTally) -> (String, String) {
        let (c, f, x) = (
            u64::from(run.completed),
            u64::from(run.failed),
            u64::from(run.cancelled),
        );
        match self.0 {
            Lang::En => {
                let mut parts = vec![format!(
                    "{c} {}",
                    if c == 1 {
                        "image ready"
                    } else {
                        "images ready"
                    }
                )];
                if f > 0 {
                    parts.push(format!("{f} failed"));
                }
                if x > 0 {
                    parts.push(format!("{x} cancelled"));
                }
                ("Queue finished".into(), parts.join(", "))
            }
            Lang::Ru => {
                let mut parts = vec![format!("Готово изображений: {c}")];
                if f > 0 {
                    parts.push(format!("с ошибкой: {f}"));
                }
                if x > 0 {
                    parts.push(format!("отменено: {x}"));
                }
                ("Очередь завершена".into(), parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_hold_reads_in_both_languages() {
        let w = WaitReason::new(WaitCode::DailyBudget).detail("$5.00");
        assert_eq!(
            Texts(Lang::En).budget_held(&w, 37),
            (
                "Queue held: daily budget $5.00 reached".to_owned(),
                "37 generations waiting; raise the limit on the Spend page, or they start tomorrow"
                    .to_owned()
            )
        );
        let (title, _) = Texts(Lang::Ru).budget_held(&w, 1);
        assert_eq!(title, "Очередь остановлена: исчерпан дневной бюджет $5.00");
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let t = Texts(Lang::Ru);
        assert_eq!(t.ready_title(1), "Генерация готова: 1 изображение");
        assert_eq!(t.ready_title(3), "Генерация готова: 3 изображения");
        assert_eq!(t.ready_title(5), "Генерация готова: 5 изображений");
        assert_eq!(t.ready_title(11), "Генерация готова: 11 изображений");
        assert_eq!(t.ready_title(21), "Генерация готова: 21 изображение");
        assert_eq!(t.ready_title(22), "Генерация готова: 22 изображения");
        assert_eq!(Texts(Lang::En).ready_title(1), "Generation ready: 1 image");
        assert_eq!(Texts(Lang::En).ready_title(4), "Generation ready: 4 images");
    }

    #[test]
    fn ready_titles_say_what_was_made() {
        let files = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("outputs/x/{n}"))
                .collect::<Vec<_>>()
        };
        let en = Texts(Lang::En);
        assert_eq!(
            en.ready_title_for(&files(&["0.png", "1.png"])),
            "Generation ready: 2 images"
        );
        assert_eq!(en.ready_title_for(&files(&["0.webm"])), "Video ready");
        assert_eq!(
            en.ready_title_for(&files(&["0-audio.wav", "1-video.webm"])),
            "Video ready"
        );
        assert_eq!(en.ready_title_for(&files(&["0.wav"])), "Audio ready");
        assert_eq!(en.ready_title_for(&files(&["text.txt"])), "Text ready");
        assert_eq!(
            Texts(Lang::Ru).ready_title_for(&files(&["0.mp4"])),
            "Видео готово"
        );
        assert_eq!(
            Texts(Lang::Ru).ready_title_for(&files(&["text.txt"])),
            "Текст готов"
        );
    }

    #[test]
    fn tray_texts_in_both_languages() {
        let c = Counters {
            unviewed: 3,
            active: 1,
            ..Counters::default()
        };
        assert_eq!(
            Texts(Lang::En).tooltip(&c, true),
            "Genqueue — ⟳ 3 unviewed, 1 running or queued (paused)"
        );
        assert_eq!(
            Texts(Lang::Ru).tooltip(&c, false),
            "Genqueue — ⟳ 3 не просмотрено, в работе или в очереди: 1"
        );
        assert_eq!(
            Texts(Lang::En).tooltip(&Counters::default(), false),
            "Genqueue — nothing unviewed"
        );
        assert_eq!(Texts(Lang::Ru).count_line(&c), "⟳ 3 не просмотрено");
        assert_eq!(
            Texts(Lang::En).count_line(&Counters::default()),
            "No unviewed generations"
        );
    }

    #[test]
    fn failures_name_what_failed_then_give_the_cause_verbatim() {
        let oom = Some("CUDA out of memory");
        assert_eq!(
            Texts(Lang::En).failure(ErrorKind::ModelFailed, oom),
            "The model failed: CUDA out of memory"
        );
        assert_eq!(
            Texts(Lang::Ru).failure(ErrorKind::ModelFailed, oom),
            "Модель завершилась с ошибкой: CUDA out of memory"
        );
        assert_eq!(
            Texts(Lang::Ru).failure(ErrorKind::Aborted, None),
            "Replicate прервал предсказание до начала (истёк срок); без оплаты"
        );
        assert_eq!(
            Texts(Lang::Ru).failure(ErrorKind::StartTimeout, Some("15 min")),
            "Свободный GPU не нашёлся за 15 min; отменено, без оплаты"
        );
        // A failure recorded before codes existed: its sentence as it was.
        assert_eq!(
            Texts(Lang::Ru).failure(ErrorKind::Other, Some("Gave up after 3 attempts")),
            "Gave up after 3 attempts"
        );
    }

    #[test]
    fn queue_finished_summarises_the_run() {
        let run = RunTally {
            completed: 3,
            failed: 1,
            cancelled: 0,
            ..RunTally::default()
        };
        assert_eq!(
            Texts(Lang::En).queue_finished(&run),
            ("Queue finished".into(), "3 images ready, 1 failed".into())
        );
        assert_eq!(
            Texts(Lang::Ru).queue_finished(&run).1,
            "Готово изображений: 3, с ошибкой: 1"
        );
    }
}
