//! Notifications through the freedesktop notification server
//! (`org.freedesktop.Notifications` on the session bus) with notify-rust.
//!
//! One sender thread sends the notifications in the order the bridge asks
//! (a generation's end before the queue's end), each after asking the
//! server's capabilities (`GetCapabilities`: `actions`, `body-markup`; a
//! server may be replaced while the app runs). A notification sent with
//! actions gets its own thread, which holds the D-Bus connection it was
//! sent on — servers such as KDE's send `ActionInvoked` only to that
//! connection — and waits for `ActionInvoked` or `NotificationClosed`
//! (notify-rust's `wait_for_action_async`), then closes an answered one. At most [`MAX_WAITING`] wait at once:
//! past that (a server that never closes them), notifications go without
//! actions rather than pile up threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};

use std::sync::OnceLock;

use notify_rust::NotificationResponse;
use tauri::{AppHandle, Manager, Runtime};

use super::{Notice, perform};
use crate::texts::Texts;

/// The application name servers show (`app_name` of `Notify`).
const APP_NAME: &str = "Genqueue";
/// The icon's name in the icon theme, as the .deb installs it (hicolor).
const ICON_NAME: &str = "genqueue";
/// Where the .deb puts it; when it is not there (a build run from the
/// checkout), the app's icon is written to the cache folder and sent by path.
const INSTALLED_ICON: &str = "/usr/share/icons/hicolor/128x128/apps/genqueue.png";
const ICON_PNG: &[u8] = include_bytes!("../../../icons/128x128.png");
/// Notifications waiting for an answer at most at once.
pub const MAX_WAITING: usize = 64;

static WAITING: AtomicUsize = AtomicUsize::new(0);

type Job = Box<dyn FnOnce() + Send>;

/// The sender thread's queue, started at the first notification.
static SENDER: Mutex<Option<Sender<Job>>> = Mutex::new(None);

/// Queues `notice` for the sender thread.
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: Notice, texts: Texts) {
    let app = app.clone();
    let job: Job = Box::new(move || send(app, notice, texts));
    let mut sender = SENDER.lock().unwrap_or_else(|p| p.into_inner());
    let job = match sender.as_ref() {
        None => job,
        Some(s) => match s.send(job) {
            Ok(()) => return,
            Err(e) => e.0, // the thread is gone: start another
        },
    };
    let (tx, rx) = channel::<Job>();
    let started = std::thread::Builder::new()
        .name("notifications".into())
        .spawn(move || {
            for job in rx {
                job();
            }
        });
    match started {
        Ok(_) => {
            let _ = tx.send(job);
            *sender = Some(tx);
        }
        Err(e) => tracing::warn!(error = %e, "cannot start the notification thread"),
    }
}

/// Escapes `&`, `<` and `>` for a server that reads the body as markup
/// (the spec's `body-markup` capability), so that a prompt shows as typed.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The `app_icon` to send: the theme's name when the icon is installed, else
/// the path of a copy in the app's cache folder, else none.
fn icon<R: Runtime>(app: &AppHandle<R>) -> &'static str {
    static ICON: OnceLock<String> = OnceLock::new();
    ICON.get_or_init(|| {
        if std::path::Path::new(INSTALLED_ICON).exists() {
            return ICON_NAME.to_owned();
        }
        let written = app.path().app_cache_dir().ok().and_then(|dir| {
            let file = dir.join("genqueue-notification.png");
            std::fs::create_dir_all(&dir).ok()?;
            std::fs::write(&file, ICON_PNG).ok()?;
            Some(file.display().to_string())
        });
        written.unwrap_or_default()
    })
}

/// Longest side of a notification's picture, in pixels.
const PICTURE_SIDE: u32 = 256;
/// Pictures kept in the cache folder (the newest; servers read them when shown).
const PICTURES_KEPT: usize = 16;

/// A small PNG of the picture at `source` for the `image-path` hint, written
/// to `<app cache>/notification-pictures/`: servers read images with
/// gdk-pixbuf, which often cannot read WebP. `None` (the app's icon then
/// shows) when it cannot be read or written.
fn picture_for<R: Runtime>(app: &AppHandle<R>, source: &std::path::Path) -> Option<String> {
    let dir = app
        .path()
        .app_cache_dir()
        .ok()?
        .join("notification-pictures");
    let made = thumbnail_png(source, &dir);
    if let Err(e) = &made {
        tracing::debug!(error = %e, "no picture for a notification");
    }
    made.ok().map(|p| p.display().to_string())
}

/// Writes a PNG of `source` at most [`PICTURE_SIDE`] pixels a side into
/// `dir` (named by the source's path), keeping the newest [`PICTURES_KEPT`].
pub fn thumbnail_png(
    source: &std::path::Path,
    dir: &std::path::Path,
) -> Result<std::path::PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let img = image::ImageReader::open(source)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())?;
    let small = img.thumbnail(PICTURE_SIDE, PICTURE_SIDE);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    let out = dir.join(format!("{:016x}.png", h.finish()));
    small.save(&out).map_err(|e| e.to_string())?;
    // Keep the newest few: older notifications were read when shown.
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut files: Vec<_> = rd
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort_by(|a, b| b.0.cmp(&a.0));
        for (_, old) in files.into_iter().skip(PICTURES_KEPT) {
            let _ = std::fs::remove_file(old);
        }
    }
    Ok(out)
}

/// Releases one waiting slot when dropped.
struct Slot;
impl Drop for Slot {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
}

fn take_slot() -> Option<Slot> {
    let n = WAITING.fetch_add(1, Ordering::SeqCst);
    if n >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return None;
    }
    Some(Slot)
}

fn send<R: Runtime>(app: AppHandle<R>, notice: Notice, texts: Texts) {
    let caps = notify_rust::get_capabilities().unwrap_or_else(|e| {
        tracing::debug!(error = %e, "the notification server's capabilities are unknown");
        Vec::new()
    });
    let has = |c: &str| caps.iter().any(|x| x == c);
    let slot = if has("actions") { take_slot() } else { None };
    let body = if has("body-markup") {
        escape_markup(&notice.body)
    } else {
        notice.body.clone()
    };
    let mut n = notify_rust::Notification::new();
    n.appname(APP_NAME)
        .icon(icon(&app))
        .summary(&notice.title)
        .body(&body);
    if let Some(picture) = notice.image.as_deref().and_then(|p| picture_for(&app, p)) {
        n.image_path(&picture);
    }
    if slot.is_some() {
        for (key, label) in notice.actions(texts) {
            n.action(key, label);
        }
    }
    let handle = match n.show() {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "could not show a notification");
            return;
        }
    };
    let Some(slot) = slot else { return };
    let waiter = std::thread::Builder::new()
        .name("notification-answer".into())
        .spawn(move || {
            let _slot = slot;
            let mut answer: Option<String> = None;
            // zbus (async-io) runs under any executor; this thread blocks on it.
            tauri::async_runtime::block_on(async {
                handle
                    .wait_for_action_async(|r| {
                        answer = match r {
                            NotificationResponse::Default => Some(super::ACTION_DEFAULT.into()),
                            NotificationResponse::Action(a) => Some(a.clone()),
                            _ => None,
                        }
                    })
                    .await;
                if answer.is_some() {
                    // Answered: close it (dunst, for one, leaves it shown).
                    handle.close_async().await;
                }
            });
            if let Some(click) = answer.as_deref().and_then(|a| notice.click(a)) {
                tracing::info!(action = answer.as_deref(), "notification answered");
                perform(&app, click);
            }
        });
    if let Err(e) = waiter {
        tracing::warn!(error = %e, "cannot wait for a notification's answer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webp_result_becomes_a_small_png_for_the_notification() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("0.webp");
        let img = image::RgbImage::from_fn(1024, 768, |x, y| image::Rgb([x as u8, y as u8, 90]));
        img.save_with_format(&source, image::ImageFormat::WebP)
            .unwrap();
        let out = thumbnail_png(&source, &dir.path().join("pictures")).unwrap();
        let back = image::open(&out).unwrap();
        assert_eq!(
            image::ImageFormat::from_path(&out).unwrap(),
            image::ImageFormat::Png
        );
        assert_eq!(
            (back.width(), back.height()),
            (256, 192),
            "at most 256 a side, same shape"
        );
        assert!(thumbnail_png(&dir.path().join("missing.webp"), dir.path()).is_err());
    }

    #[test]
    fn markup_in_a_prompt_is_shown_as_typed() {
        assert_eq!(
            escape_markup("<b>cats & dogs</b>"),
            "&lt;b&gt;cats &amp; dogs&lt;/b&gt;"
        );
    }
}
