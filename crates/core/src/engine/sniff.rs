//! A saved output's extension, from its first bytes (never from the URL or
//! a declared type): the magic numbers of the formats models return.

/// How many first bytes [`sniff_extension`] looks at.
pub const SNIFF_LEN: usize = 64;

/// The extension for a file that starts with `head` (its first
/// [`SNIFF_LEN`] bytes, or all of a shorter file): images `png`, `jpg`,
/// `webp`, `gif`, `avif`, `heic`; video `mp4`, `mov`, `webm`, `mkv`, `avi`;
/// audio `wav`, `mp3`, `aac`, `m4a`, `ogg`, `flac`; `glb`, `pdf`, `zip`;
/// UTF-8 text `json` (starts with `{` or `[`) or `txt`; else `bin`.
pub fn sniff_extension(head: &[u8]) -> &'static str {
    let at = |i: usize, magic: &[u8]| head.get(i..i + magic.len()) == Some(magic);
    if at(0, b"\x89PNG\r\n\x1a\n") {
        "png"
    } else if at(0, &[0xFF, 0xD8, 0xFF]) {
        "jpg"
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        "webp"
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        "wav"
    } else if at(0, b"RIFF") && at(8, b"AVI ") {
        "avi"
    } else if at(0, b"GIF8") {
        "gif"
    } else if at(4, b"ftyp") {
        iso_brand(head.get(8..12).unwrap_or_default())
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        // EBML: the DocType says which (Matroska or its WebM subset).
        if head.windows(4).any(|w| w == b"webm") {
            "webm"
        } else {
            "mkv"
        }
    } else if at(0, b"OggS") {
        "ogg"
    } else if at(0, b"fLaC") {
        "flac"
    } else if at(0, b"ID3") {
        "mp3"
    } else if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        // An MPEG audio frame sync: layer bits 00 are AAC in ADTS, else MP3.
        if head[1] & 0x06 == 0 { "aac" } else { "mp3" }
    } else if at(0, b"glTF") {
        "glb"
    } else if at(0, b"%PDF") {
        "pdf"
    } else if at(0, b"PK\x03\x04") {
        "zip"
    } else if let Some(first) = utf8_text_start(head) {
        if first == b'{' || first == b'[' {
            "json"
        } else {
            "txt"
        }
    } else {
        "bin"
    }
}

/// ISO base media files (`....ftyp<brand>`): QuickTime, M4A audio, AVIF and
/// HEIF images, else MP4.
fn iso_brand(brand: &[u8]) -> &'static str {
    match brand {
        b"qt  " => "mov",
        b"M4A " | b"M4B " => "m4a",
        b"avif" | b"avis" => "avif",
        b"heic" | b"heix" | b"mif1" | b"msf1" => "heic",
        _ => "mp4",
    }
}

/// The first non-blank byte of `head` when it reads as UTF-8 text (no NUL or
/// control bytes besides tab, newline, carriage return and form feed; a
/// character cut at the end of `head` is allowed); `None` otherwise or when blank.
fn utf8_text_start(head: &[u8]) -> Option<u8> {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return None;
    }
    text.bytes().find(|b| !b.is_ascii_whitespace())
}

/// What a saved output is, for the shells (a notification's title, `genq show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Image,
    Video,
    Audio,
    /// `text.txt` or `output.json`.
    Text,
    /// Anything else (`glb`, `pdf`, `zip`, `bin`).
    Other,
}

/// The kind of a saved output, from its extension (as [`sniff_extension`] names them).
pub fn output_kind(path: &str) -> OutputKind {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" | "jpg" | "webp" | "gif" | "avif" | "heic" => OutputKind::Image,
        "mp4" | "mov" | "webm" | "mkv" | "avi" => OutputKind::Video,
        "wav" | "mp3" | "aac" | "m4a" | "ogg" | "flac" => OutputKind::Audio,
        "txt" | "json" => OutputKind::Text,
        _ => OutputKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_extensions_come_from_magic_bytes() {
        assert_eq!(sniff_extension(b"\x89PNG\r\n\x1a\n...."), "png");
        assert_eq!(sniff_extension(&[0xFF, 0xD8, 0xFF, 0xE0]), "jpg");
        assert_eq!(sniff_extension(b"RIFF\x10\0\0\0WEBPVP8 "), "webp");
        assert_eq!(sniff_extension(b"GIF89a\x01\0"), "gif");
        assert_eq!(sniff_extension(b"\0\0\0\x1cftypavif\0\0\0\0"), "avif");
    }

    #[test]
    fn video_extensions_come_from_magic_bytes() {
        assert_eq!(
            sniff_extension(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2"),
            "mp4"
        );
        assert_eq!(sniff_extension(b"\0\0\0\x14ftypqt  \0\0\0\0"), "mov");
        let webm = b"\x1a\x45\xdf\xa3\x01\0\0\0\0\0\0\x10\x42\x82\x85webm\x00\x42\x87";
        assert_eq!(sniff_extension(webm), "webm");
        assert_eq!(
            sniff_extension(b"\x1a\x45\xdf\xa3\x01\0\0\0\0\0\0\x10\x42\x82\x88matroska"),
            "mkv"
        );
        assert_eq!(sniff_extension(b"RIFF\0\0\0\0AVI LIST"), "avi");
    }

    #[test]
    fn audio_extensions_come_from_magic_bytes() {
        assert_eq!(sniff_extension(b"RIFF$\0\0\0WAVEfmt "), "wav");
        assert_eq!(sniff_extension(b"ID3\x04\0\0\0\0"), "mp3");
        assert_eq!(sniff_extension(&[0xFF, 0xFB, 0x90, 0x64]), "mp3");
        assert_eq!(sniff_extension(&[0xFF, 0xF1, 0x50, 0x80]), "aac");
        assert_eq!(sniff_extension(b"OggS\0\x02"), "ogg");
        assert_eq!(sniff_extension(b"fLaC\0\0\0\x22"), "flac");
        assert_eq!(sniff_extension(b"\0\0\0\x20ftypM4A \0\0\0\0"), "m4a");
    }

    #[test]
    fn text_and_json_are_told_apart_and_binary_is_bin() {
        assert_eq!(sniff_extension(b"  {\"text\": \"hi\"}"), "json");
        assert_eq!(sniff_extension(b"[1, 2]"), "json");
        assert_eq!(sniff_extension("Привет, мир".as_bytes()), "txt");
        // A character cut by the end of the head is still text.
        assert_eq!(sniff_extension(&"Привет".as_bytes()[..5]), "txt");
        assert_eq!(sniff_extension(b"\0\x01\x02binary"), "bin");
        assert_eq!(sniff_extension(b""), "bin");
        assert_eq!(sniff_extension(b"glTF\x02\0\0\0"), "glb");
    }

    #[test]
    fn kinds_follow_the_extensions() {
        assert_eq!(output_kind("outputs/x/0.webm"), OutputKind::Video);
        assert_eq!(output_kind("outputs/x/1-audio.WAV"), OutputKind::Audio);
        assert_eq!(output_kind("outputs/x/text.txt"), OutputKind::Text);
        assert_eq!(output_kind("outputs/x/0.png"), OutputKind::Image);
        assert_eq!(output_kind("outputs/x/0.glb"), OutputKind::Other);
    }
}
