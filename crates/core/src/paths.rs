//! Where Genqueue keeps its data on this machine: the data folder, its
//! layout, and how saved output paths are stored and resolved.

use std::path::{Path, PathBuf};

/// The app identifier: the Tauri bundle identifier, the keyring service
/// name and the data folder's name.
pub const APP_IDENTIFIER: &str = "app.genqueue.desktop";

/// Environment variable that overrides the data folder (`genq` and the app).
pub const DATA_DIR_ENV: &str = "GENQUEUE_DATA_DIR";

/// The data folder shared by the desktop app and `genq`:
/// `$GENQUEUE_DATA_DIR` if set, else the OS app-data folder —
/// `~/.local/share/app.genqueue.desktop` on Linux (what Tauri's
/// `app_data_dir()` gives), `~/Library/Application Support/app.genqueue.desktop`
/// on macOS, `%APPDATA%\app.genqueue.desktop` on Windows.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                let h = PathBuf::from(h);
                if cfg!(target_os = "macos") {
                    h.join("Library/Application Support")
                } else {
                    h.join(".local/share")
                }
            })
        })
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join(APP_IDENTIFIER)
}

/// File name of the SQLite store inside the data folder.
pub const DB_FILE: &str = "genqueue.db";
/// File in the data folder naming the team database its queue lives in
/// ([`crate::team::setting`]); absent for the folder's own SQLite queue.
pub const TEAM_FILE: &str = "team.json";
/// File in the data folder that the running engine holds locked (`engine::engine_running`).
pub const LOCK_FILE: &str = "engine.lock";
/// File in the data folder holding its own id (a UUID, made once): the name
/// of its engine's "running" flag in a store shared by engines (`engine/running.rs`).
pub const FOLDER_ID_FILE: &str = "folder-id";
/// Folder of saved outputs inside the data folder: `outputs/<generation id>/<n>.<ext>`.
pub const OUTPUTS_DIR: &str = "outputs";

/// Folder of kept input files inside the data folder: `inputs/<sha256>.<ext>`
/// (see [`crate::submit::files`]).
pub const INPUTS_DIR: &str = "inputs";

/// Where the kept input file `name` (`<sha256>.<ext>`, the part of a
/// `genqueue-input:` reference after the colon) is; `None` for a name that
/// is not a plain file name (a path, `..`).
pub fn input_ref_path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    plain.then(|| data_dir.join(INPUTS_DIR).join(name))
}

/// The poster frame of a saved video output: beside it, its name with
/// `.poster.png` in place of the extension (`outputs/<id>/0.webm` →
/// `outputs/<id>/0.poster.png`, `1-video.mp4` → `1-video.poster.png`).
/// Output files are named `<n>.<ext>` or `<n>-<key>.<ext>` with a key stem
/// free of dots, so no output is ever named like a poster. Works on stored
/// paths (with `/`) and on disk paths alike. The window's mirror of this
/// rule: `posterFile` in `ui/src/lib/outputs.ts`.
pub fn poster_path(video: &str) -> String {
    let name_start = video.rfind(['/', '\\']).map_or(0, |i| i + 1);
    let stem_end = match video[name_start..].rfind('.') {
        Some(dot) if dot > 0 => name_start + dot,
        _ => video.len(),
    };
    format!("{}{POSTER_SUFFIX}", &video[..stem_end])
}

/// What ends a poster frame's file name (see [`poster_path`]).
pub const POSTER_SUFFIX: &str = ".poster.png";

/// Where a stored output path (relative to the data folder, or absolute)
/// is on disk.
pub fn resolve_output_path(data_dir: &Path, stored: &str) -> PathBuf {
    let p = Path::new(stored);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        data_dir.join(p)
    }
}

/// How a saved file is stored in `output_files`: relative to the data folder
/// (with `/`) when inside it, absolute otherwise.
pub fn stored_output_path(data_dir: &Path, file: &Path) -> String {
    match file.strip_prefix(data_dir) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => file.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_videos_poster_sits_beside_it_named_by_its_stem() {
        assert_eq!(poster_path("outputs/g/0.webm"), "outputs/g/0.poster.png");
        assert_eq!(
            poster_path("outputs/g/1-video.mp4"),
            "outputs/g/1-video.poster.png"
        );
        assert_eq!(poster_path("/abs/out/2.mov"), "/abs/out/2.poster.png");
        assert_eq!(poster_path(r"C:\out\g\0.webm"), r"C:\out\g\0.poster.png");
        // A folder with a dot is not an extension.
        assert_eq!(poster_path("out.d/clip"), "out.d/clip.poster.png");
    }
}
