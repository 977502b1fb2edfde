//! File inputs at submit time: every file a generation takes is copied into
//! the data folder before anything is queued, so the generation keeps its
//! input whatever happens to the source (moved, deleted, a paste that was
//! never a file), and Retry or Run again work a week later.
//!
//! A field takes files when its schema says so ([`file_shape`]): a string
//! with `format: uri`, or an array of them. Its value, as a shell sends it:
//! - `https://…` (or `http://`): a file on the web, sent as is;
//! - `@<path>`: a local file (the window's file picker and drops, `genq
//!   submit -i image=@photo.png`; a relative path is from the working folder);
//! - `data:<mime>;base64,…`: bytes (a paste, a browser drop);
//! - `genqueue-input:<name>`: a file already kept (Run again, Retry).
//!
//! Kept files live in `inputs/<sha256>.<ext>` ([`crate::paths::INPUTS_DIR`]),
//! named by their content: twenty generations of one picture share one
//! file, and the stored input says `genqueue-input:<sha256>.<ext>`. The
//! engine turns those into what Replicate takes, per token, right before the
//! create (`engine/inputs.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::engine::sniff_extension;
use crate::paths::{INPUTS_DIR, input_ref_path};
use crate::replicate::files::MAX_FILE_BYTES;
use crate::replicate::{FieldKind, InputField, InputForm, InputProblem, decode_data_uri};

/// The prefix of a kept input file's reference in a stored input.
pub const INPUT_SCHEME: &str = "genqueue-input:";

/// The kept file names (`<sha256>.<ext>`) referenced in `text` (a stored
/// input's JSON): what follows each `genqueue-input:`, up to the first
/// character that cannot be in a name.
pub fn kept_names_in(text: &str) -> Vec<&str> {
    text.match_indices(INPUT_SCHEME)
        .filter_map(|(at, _)| {
            let rest = &text[at + INPUT_SCHEME.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .collect()
}

/// How many files a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileShape {
    /// `{"type": "string", "format": "uri"}`.
    One,
    /// `{"type": "array", "items": {"type": "string", "format": "uri"}}`.
    List,
}

/// Whether `field` takes files, and how many.
pub fn file_shape(field: &InputField) -> Option<FileShape> {
    match &field.kind {
        FieldKind::String { format } if format.as_deref() == Some("uri") => Some(FileShape::One),
        FieldKind::Files => Some(FileShape::List),
        _ => None,
    }
}

/// Whether `field` says it takes images (its name, title or description
/// names an image, a photo or a mask): other kinds of file are refused there.
pub fn takes_images(field: &InputField) -> bool {
    let text = format!(
        "{} {} {}",
        field.name,
        field.title.as_deref().unwrap_or_default(),
        field.description.as_deref().unwrap_or_default()
    )
    .to_ascii_lowercase();
    ["image", "photo", "picture", "mask"]
        .iter()
        .any(|w| text.contains(w))
}

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "webp", "gif", "avif"];

/// The MIME type of a kept file, from its extension.
pub fn mime_of(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "avif" => "image/avif",
        "mp4" => "video/mp4",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "txt" => "text/plain",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn problem(field: &str, message: impl Into<String>) -> InputProblem {
    InputProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn human(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

/// Replaces every file value of `input` with a kept file's reference
/// (`genqueue-input:…`), copying local files and `data:` URIs into
/// `inputs/`; web URLs stay. Fields the form does not mark as files are
/// left alone.
///
/// Errors, one per bad value, nothing kept for them: not a URL, `@path` or
/// `data:` URI; a file that cannot be read or has vanished; over
/// [`MAX_FILE_BYTES`] (Replicate's upload limit); not an image where the
/// field takes images; a `genqueue-input:` file missing from the data folder.
pub fn keep_input_files(
    data_dir: &Path,
    form: &InputForm,
    input: &mut Map<String, Value>,
) -> Result<(), Vec<InputProblem>> {
    let mut problems = Vec::new();
    for field in &form.fields {
        let Some(shape) = file_shape(field) else {
            continue;
        };
        let Some(value) = input.get_mut(&field.name) else {
            continue;
        };
        match value {
            Value::Null => {}
            Value::String(s) => match keep_one(data_dir, field, s) {
                Ok(kept) if shape == FileShape::List => {
                    *value = Value::Array(vec![Value::String(kept)])
                }
                Ok(kept) => *value = Value::String(kept),
                Err(p) => problems.push(p),
            },
            Value::Array(items) if shape == FileShape::List => {
                for item in items.iter_mut() {
                    match item {
                        Value::String(s) => match keep_one(data_dir, field, s) {
                            Ok(kept) => *s = kept,
                            Err(p) => problems.push(p),
                        },
                        _ => problems.push(problem(&field.name, "each file must be a string")),
                    }
                }
            }
            _ => problems.push(problem(&field.name, "must be a file")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// One file value → what the stored input keeps (see the module doc).
fn keep_one(data_dir: &Path, field: &InputField, value: &str) -> Result<String, InputProblem> {
    let name = field.name.as_str();
    let v = value.trim();
    let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Ok(v.to_owned());
    }
    if let Some(kept) = v.strip_prefix(INPUT_SCHEME) {
        return match input_ref_path(data_dir, kept) {
            Some(p) if p.is_file() => Ok(v.to_owned()),
            _ => Err(problem(
                name,
                format!(
                    "the kept input file {kept} is no longer in the data folder; choose the file again"
                ),
            )),
        };
    }
    if lower.starts_with("data:") {
        let (_, bytes) = decode_data_uri(v)
            .ok_or_else(|| problem(name, "the data: URI cannot be decoded (base64 expected)"))?;
        return keep_bytes(data_dir, field, &bytes, None);
    }
    if let Some(path) = v.strip_prefix('@') {
        let path = PathBuf::from(path);
        let shown = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| {
            problem(
                name,
                match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("the file {shown} does not exist (moved or deleted?)")
                    }
                    std::io::ErrorKind::PermissionDenied => {
                        format!("the file {shown} cannot be read (permission denied)")
                    }
                    _ => format!("the file {shown} cannot be read: {e}"),
                },
            )
        })?;
        if !meta.is_file() {
            return Err(problem(name, format!("{shown} is not a file")));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_big(name, &shown, meta.len()));
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| problem(name, format!("the file {shown} cannot be read: {e}")))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        return keep_bytes(data_dir, field, &bytes, ext.as_deref());
    }
    Err(problem(
        name,
        "must be a file: a web address (https://…), a local file (@path) or a data: URI",
    ))
}

fn too_big(field: &str, what: &str, size: u64) -> InputProblem {
    problem(
        field,
        format!(
            "{what} is {}, over Replicate's {} limit for an input file",
            human(size),
            human(MAX_FILE_BYTES)
        ),
    )
}

/// Writes `bytes` as `inputs/<sha256>.<ext>` (once: a file of that name is
/// already the same bytes) and returns its reference.
fn keep_bytes(
    data_dir: &Path,
    field: &InputField,
    bytes: &[u8],
    hint_ext: Option<&str>,
) -> Result<String, InputProblem> {
    let name = field.name.as_str();
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(name, "the file", bytes.len() as u64));
    }
    if bytes.is_empty() {
        return Err(problem(name, "the file is empty"));
    }
    let sniffed = sniff_extension(bytes);
    if takes_images(field) && !IMAGE_EXTENSIONS.contains(&sniffed) {
        return Err(problem(
            name,
            "takes an image (PNG, JPEG, WebP, GIF or AVIF); this file is not one",
        ));
    }
    let ext = match (sniffed, hint_ext) {
        ("bin", Some(h))
            if (1..=5).contains(&h.len()) && h.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            h
        }
        (s, _) => s,
    };
    let file = format!("{}.{ext}", sha256_hex(bytes));
    let dir = data_dir.join(INPUTS_DIR);
    let dest = dir.join(&file);
    if !dest.is_file() {
        write_atomic(&dir, &dest, bytes).map_err(|e| {
            problem(
                name,
                format!("cannot keep a copy in {}: {e}", dir.display()),
            )
        })?;
    }
    Ok(format!("{INPUT_SCHEME}{file}"))
}

fn write_atomic(dir: &Path, dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let part = dir.join(format!(".{}.part", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&part)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&part, dest).inspect_err(|_| {
        let _ = std::fs::remove_file(&part);
    })
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `data:` URI of `bytes` (`data:<mime>;base64,…`).
pub fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Removes the optional inputs the user left unset (`null`): Replicate
/// answers 422 to `null` for an optional integer, and a missing input takes
/// the model's default. Required ones stay, for the form's check to name.
pub fn drop_unset(form: &InputForm, input: &mut Map<String, Value>) {
    input.retain(|k, v| !(v.is_null() && form.field(k).is_some_and(|f| !f.required)));
}
