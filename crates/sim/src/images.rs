//! Output images: real, decodable PNG, JPEG and WebP files whose pixels
//! come from the prompt and seed (different prompts, different pictures).
//!
//! Rendering is cheap arithmetic (a two-colour gradient with a few discs);
//! encoding is the `image` crate's (PNG fast compression, baseline JPEG at
//! the requested quality, lossless WebP).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// Output encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `image/png`, magic `89 50 4E 47`.
    Png,
    /// `image/jpeg`, magic `FF D8 FF`.
    Jpeg,
    /// `image/webp`, magic `RIFF....WEBP`.
    Webp,
    /// `video/webm` (not drawn: [`crate::media::BALL_WEBM`]).
    Webm,
    /// `audio/wav` (drawn by [`crate::media::wav`]).
    Wav,
}

impl Format {
    /// From an `output_format` value (`webp`, `jpg`, `png`; `jpeg` too).
    pub fn from_input(text: &str) -> Option<Self> {
        match text {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// File extension used in output names (`out-0.webp`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Webm => "webm",
            Self::Wav => "wav",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Webm => "video/webm",
            Self::Wav => "audio/wav",
        }
    }
}

/// What to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSpec {
    /// Prompt text (any string; hashed).
    pub prompt: String,
    /// Seed of the prediction.
    pub seed: u64,
    /// Index among the prediction's outputs.
    pub index: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Encoding.
    pub format: Format,
    /// JPEG quality 0–100 (clamped to 1–100).
    pub quality: u8,
    /// Input images of an edit model: the pixels are computed from them
    /// ([`crate::edit::compose`]) instead of drawn from the prompt.
    pub sources: Vec<std::sync::Arc<image::RgbImage>>,
}

/// 64-bit FNV-1a, then a splitmix finaliser.
pub fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100000001b3);
    }
    splitmix(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// Draws the RGB pixels (row-major, 3 bytes a pixel).
pub fn render(spec: &ImageSpec) -> Vec<u8> {
    if !spec.sources.is_empty() {
        return crate::edit::compose(&spec.sources, spec.width.max(1), spec.height.max(1));
    }
    let key = hash(&[
        spec.prompt.as_bytes(),
        &spec.seed.to_le_bytes(),
        &spec.index.to_le_bytes(),
    ]);
    let colour = |k: u64| {
        [
            (k & 0xff) as i32,
            ((k >> 8) & 0xff) as i32,
            ((k >> 16) & 0xff) as i32,
        ]
    };
    let (a, b) = (colour(key), colour(splitmix(key)));
    let (w, h) = (spec.width.max(1) as i64, spec.height.max(1) as i64);
    let mut discs = Vec::new();
    let mut k = splitmix(key ^ 0x51);
    for _ in 0..4 {
        k = splitmix(k);
        let (cx, cy) = ((k % w as u64) as i64, ((k >> 20) % h as u64) as i64);
        let r = (w.min(h) / 8).max(1) + ((k >> 40) % (w.min(h) as u64 / 4 + 1)) as i64;
        discs.push((cx, cy, r * r, colour(k >> 24)));
    }
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let t = (x + y) * 256 / (w + h);
            let mut px = [0i32; 3];
            for c in 0..3 {
                px[c] = (a[c] * (256 - t as i32) + b[c] * t as i32) >> 8;
            }
            for (cx, cy, r2, col) in &discs {
                let (dx, dy) = (x - cx, y - cy);
                if dx * dx + dy * dy <= *r2 {
                    px = *col;
                }
            }
            out.extend(px.iter().map(|v| *v as u8));
        }
    }
    out
}

/// Renders and encodes one output file (the media formats come from
/// [`crate::media`]; a WAV lasts `spec.width` seconds).
pub fn encode(spec: &ImageSpec) -> Vec<u8> {
    match spec.format {
        Format::Webm => return crate::media::BALL_WEBM.to_vec(),
        Format::Wav => return crate::media::wav(&spec.prompt, spec.seed, f64::from(spec.width)),
        _ => {}
    }
    let pixels = render(spec);
    let mut bytes = Vec::new();
    let (w, h) = (spec.width.max(1), spec.height.max(1));
    let result = match spec.format {
        Format::Png => {
            PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
                .write_image(&pixels, w, h, ExtendedColorType::Rgb8)
        }
        Format::Jpeg => JpegEncoder::new_with_quality(&mut bytes, spec.quality.clamp(1, 100))
            .write_image(&pixels, w, h, ExtendedColorType::Rgb8),
        Format::Webp => WebPEncoder::new_lossless(Cursor::new(&mut bytes)).write_image(
            &pixels,
            w,
            h,
            ExtendedColorType::Rgb8,
        ),
        Format::Webm | Format::Wav => unreachable!("returned above"),
    };
    result.expect("encoding an in-memory RGB image cannot fail");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: Format, prompt: &str) -> ImageSpec {
        ImageSpec {
            prompt: prompt.into(),
            seed: 7,
            index: 0,
            width: 40,
            height: 24,
            format,
            quality: 80,
            sources: Vec::new(),
        }
    }

    #[test]
    fn every_format_decodes_at_the_requested_size() {
        for format in [Format::Png, Format::Jpeg, Format::Webp] {
            let bytes = encode(&spec(format, "a cat"));
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (40, 24), "{format:?}");
        }
        assert_eq!(&encode(&spec(Format::Png, "x"))[..4], b"\x89PNG");
        assert_eq!(&encode(&spec(Format::Jpeg, "x"))[..3], b"\xff\xd8\xff");
        let webp = encode(&spec(Format::Webp, "x"));
        assert_eq!((&webp[..4], &webp[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));
    }

    #[test]
    fn different_prompts_draw_different_pixels() {
        assert_ne!(
            render(&spec(Format::Png, "a cat")),
            render(&spec(Format::Png, "a dog"))
        );
        assert_eq!(
            render(&spec(Format::Png, "a cat")),
            render(&spec(Format::Png, "a cat"))
        );
    }
}
