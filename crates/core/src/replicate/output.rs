//! Files inside a prediction's `output`.
//!
//! `output` is whatever the model returned: a string, a list, an object or
//! null. Files are `https://replicate.delivery/...` URLs, or, in answers held
//! open with `Prefer: wait`, `data:` URIs with the bytes inlined (Replicate's
//! "Create a prediction" docs, sync mode; some models label WebP as
//! `application/octet-stream`).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde_json::Value;

/// One file in a prediction's output, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputRef {
    /// An `http://` or `https://` URL to download (expires about an hour
    /// after the prediction ends).
    Url(String),
    /// A file inlined as a `data:` URI, already decoded. `mime` is the
    /// declared media type, or the one recognised from the bytes when the
    /// declared one is missing or `application/octet-stream` (PNG, JPEG,
    /// WebP, GIF).
    Data {
        /// The media type (`image/webp`).
        mime: String,
        /// The decoded file.
        bytes: Vec<u8>,
    },
}

/// Collects the files in `output`: every string that is an http(s) URL or a
/// `data:` URI, walking lists in order and objects by key (serde_json's map
/// order), at any depth. Other strings (text output) are skipped, and so is
/// a `data:` URI that does not decode (logged at `warn`, without its content).
pub fn collect_outputs(output: &Value) -> Vec<OutputRef> {
    let mut found = Vec::new();
    walk(output, &mut found);
    found
}

fn walk(value: &Value, found: &mut Vec<OutputRef>) {
    match value {
        Value::String(s) => {
            if let Some(file) = file_ref(s) {
                found.push(file);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
        Value::Object(map) => map.values().for_each(|v| walk(v, found)),
        _ => {}
    }
}

fn has_prefix_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Whether `s` names a file: an http(s) URL or a `data:` URI (decodable or not).
pub(crate) fn is_file_string(s: &str) -> bool {
    let s = s.trim();
    has_prefix_ci(s, "https://") || has_prefix_ci(s, "http://") || has_prefix_ci(s, "data:")
}

/// The file `s` names, if it is one that can be saved.
pub(crate) fn file_ref(s: &str) -> Option<OutputRef> {
    let s = s.trim();
    if has_prefix_ci(s, "https://") || has_prefix_ci(s, "http://") {
        return Some(OutputRef::Url(s.to_owned()));
    }
    if has_prefix_ci(s, "data:") {
        match decode_data_uri(s) {
            Some((mime, bytes)) => return Some(OutputRef::Data { mime, bytes }),
            None => tracing::warn!(
                len = s.len(),
                "skipping an output data: URI that does not decode"
            ),
        }
    }
    None
}

/// Decodes a `data:[<media type>][;base64],<data>` URI (RFC 2397) into its
/// media type and bytes. The media type defaults to `text/plain`; parameters
/// other than `base64` stay in it. Base64 may be padded or not, standard or
/// URL-safe, with whitespace; other data is percent-decoded.
pub fn decode_data_uri(uri: &str) -> Option<(String, Vec<u8>)> {
    let rest = uri.trim();
    if !has_prefix_ci(rest, "data:") {
        return None;
    }
    let (meta, data) = rest[5..].split_once(',')?;
    let mut params: Vec<&str> = meta.split(';').map(str::trim).collect();
    let is_base64 = params
        .last()
        .is_some_and(|p| p.eq_ignore_ascii_case("base64"));
    if is_base64 {
        params.pop();
    }
    let declared = params.join(";");
    let bytes = if is_base64 {
        decode_base64(data)?
    } else {
        percent_decode(data)?
    };
    let mime = if declared.is_empty() || declared.eq_ignore_ascii_case("application/octet-stream") {
        sniff_image(&bytes).map(str::to_owned).unwrap_or_else(|| {
            if declared.is_empty() {
                "text/plain".into()
            } else {
                declared
            }
        })
    } else {
        declared
    };
    Some((mime, bytes))
}

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

fn decode_base64(data: &str) -> Option<Vec<u8>> {
    let compact: String = if data.contains('%') {
        String::from_utf8(percent_decode(data)?).ok()?
    } else {
        data.to_owned()
    };
    let compact: String = compact
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD_LENIENT
        .decode(&compact)
        .or_else(|_| URL_SAFE_LENIENT.decode(&compact))
        .or_else(|_| general_purpose::STANDARD.decode(&compact))
        .ok()
}

fn percent_decode(data: &str) -> Option<Vec<u8>> {
    let b = data.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Recognises the image formats image models return, from their magic bytes.
pub(crate) fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    // "RIFF" + size + "WEBPVP8 " + a few bytes: enough for the magic check.
    const WEBP_HEAD: &[u8] = b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00";

    fn b64(bytes: &[u8]) -> String {
        general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn a_single_url_string_is_one_file() {
        let out = collect_outputs(&json!("https://replicate.delivery/pbxt/abc/out-0.png"));
        assert_eq!(
            out,
            vec![OutputRef::Url(
                "https://replicate.delivery/pbxt/abc/out-0.png".into()
            )]
        );
    }

    #[test]
    fn lists_keep_their_order_and_text_is_skipped() {
        let out = collect_outputs(&json!([
            "https://replicate.delivery/a/out-0.webp",
            "hello Alice",
            null,
            3,
            ["HTTPS://replicate.delivery/a/out-1.webp"]
        ]));
        assert_eq!(
            out,
            vec![
                OutputRef::Url("https://replicate.delivery/a/out-0.webp".into()),
                OutputRef::Url("HTTPS://replicate.delivery/a/out-1.webp".into()),
            ]
        );
    }

    #[test]
    fn objects_are_walked_at_any_depth() {
        let out = collect_outputs(&json!({
            "image": "https://replicate.delivery/x/img.png",
            "meta": {"seed": 42, "mask": ["https://replicate.delivery/x/mask.png"]}
        }));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn null_output_has_no_files() {
        assert!(collect_outputs(&Value::Null).is_empty());
    }

    #[test]
    fn data_uris_are_decoded() {
        let uri = format!("data:image/png;base64,{PNG_1X1}");
        let out = collect_outputs(&json!([uri]));
        match &out[..] {
            [OutputRef::Data { mime, bytes }] => {
                assert_eq!(mime, "image/png");
                assert!(bytes.starts_with(b"\x89PNG"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn octet_stream_webp_is_recognised() {
        let uri = format!("data:application/octet-stream;base64,{}", b64(WEBP_HEAD));
        let (mime, bytes) = decode_data_uri(&uri).unwrap();
        assert_eq!(mime, "image/webp");
        assert_eq!(bytes, WEBP_HEAD);
    }

    #[test]
    fn unpadded_urlsafe_and_wrapped_base64_decode() {
        let bytes = [0xfb_u8, 0xff, 0x01, 0x02];
        let urlsafe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(
            decode_data_uri(&format!("data:;base64,{urlsafe}"))
                .unwrap()
                .1,
            bytes
        );
        let wrapped = format!(
            "data:image/png;base64,{}\n{}",
            &PNG_1X1[..20],
            &PNG_1X1[20..]
        );
        assert_eq!(decode_data_uri(&wrapped).unwrap().0, "image/png");
    }

    #[test]
    fn plain_data_uris_are_percent_decoded() {
        let (mime, bytes) = decode_data_uri("data:,Hello%2C%20World").unwrap();
        assert_eq!(mime, "text/plain");
        assert_eq!(bytes, b"Hello, World");
        let (mime, _) = decode_data_uri("data:text/plain;charset=utf-8,hi").unwrap();
        assert_eq!(mime, "text/plain;charset=utf-8");
    }

    #[test]
    fn broken_data_uris_are_skipped() {
        assert!(collect_outputs(&json!(["data:image/png;base64,@@@"])).is_empty());
        assert!(collect_outputs(&json!(["data:image/png;base64"])).is_empty());
        assert_eq!(decode_data_uri("data:,%zz"), None);
    }
}
