//! Image-editing models: their outputs are computed from their input
//! images, so a test can prove which input reached the model.
//!
//! Schemas from the models' pages on Replicate (API tab):
//! `black-forest-labs/flux-kontext-pro` (one `input_image`) and
//! `google/nano-banana` (an `image_input` array); both answer one file, an
//! `Output` of `{"type": "string", "format": "uri"}`.
//!
//! The "edit" here: every input image inverted (each channel `255 - v`),
//! laid side by side in input order, top-aligned on black; the output is
//! as wide as the inputs together and as tall as the tallest. Without an
//! input image the output is drawn from the prompt as other models do.

use std::sync::Arc;

use image::RgbImage;
use serde_json::{Value, json};

use crate::catalogue::{Model, Props, Sizing};

/// The inputs of the edit models that hold images, in the order they are laid out.
pub const IMAGE_FIELDS: &[&str] = &["input_image", "image_input"];

const RATIOS: &[&str] = &[
    "match_input_image",
    "1:1",
    "16:9",
    "9:16",
    "4:3",
    "3:4",
    "3:2",
    "2:3",
    "4:5",
    "5:4",
    "21:9",
    "9:21",
    "2:1",
    "1:2",
];

fn one_file_output() -> Value {
    json!({"type": "string", "format": "uri", "title": "Output"})
}

/// `black-forest-labs/flux-kontext-pro`.
pub fn flux_kontext_pro() -> Model {
    let mut p = Props::new();
    p.add(
        "prompt",
        json!({"type": "string",
               "description": "Text description of what you want to generate, or the instruction on how to edit the given image."}),
    )
    .required("prompt")
    .add(
        "input_image",
        json!({"type": "string", "format": "uri", "nullable": true,
               "description": "Image to use as reference. Must be jpeg, png, gif, or webp."}),
    )
    .choice(
        "aspect_ratio",
        RATIOS,
        "match_input_image",
        "Aspect ratio of the generated image. Use 'match_input_image' to match the aspect ratio of the input image.",
    )
    .add(
        "seed",
        json!({"type": "integer", "nullable": true, "description": "Random seed. Set for reproducible generation"}),
    )
    .choice("output_format", &["jpg", "png"], "png", "Output format for the generated image")
    .add(
        "safety_tolerance",
        json!({"type": "integer", "default": 2, "minimum": 0, "maximum": 6,
               "description": "Safety tolerance, 0 is most strict and 6 is most permissive. 2 is currently the maximum allowed when input images are used."}),
    )
    .add(
        "prompt_upsampling",
        json!({"type": "boolean", "default": false, "description": "Automatic prompt improvement"}),
    );
    Model {
        owner: "black-forest-labs",
        name: "flux-kontext-pro",
        description: "A state-of-the-art text-based image editing model that delivers high-quality outputs with excellent prompt following and consistent results for transforming images through natural language",
        version_id: "15b9ba9f7a3a0d2b0c7e7a8f1f5a0b7d4c2f3a9e8d7c6b5a4f3e2d1c0b9a8f70",
        official: true,
        cog_version: "0.14.3",
        version_created_at: "2025-05-29T14:32:05.123456Z",
        run_count: 28_410_552,
        schema: p.schema(one_file_output()),
        sizing: Sizing::Edit,
    }
}

/// `google/nano-banana`.
pub fn nano_banana() -> Model {
    let mut p = Props::new();
    p.add(
        "prompt",
        json!({"type": "string", "description": "A text description of the image you want to generate"}),
    )
    .required("prompt")
    .add(
        "image_input",
        json!({"type": "array", "items": {"type": "string", "format": "uri"}, "default": [],
               "description": "Input images to transform or use as reference (supports multiple images)"}),
    )
    .choice(
        "aspect_ratio",
        RATIOS,
        "match_input_image",
        "Aspect ratio of the generated image",
    )
    .choice("output_format", &["jpg", "png"], "jpg", "Format of the output image");
    Model {
        owner: "google",
        name: "nano-banana",
        description: "Google's latest image editing model in Gemini 2.5",
        version_id: "f0a9d34b12ad1c1cd76269a844b218ff4e64e128ddaba93e15891f47368958a0",
        official: true,
        cog_version: "0.16.1",
        version_created_at: "2025-08-26T21:08:24.983047Z",
        run_count: 12_830_001,
        schema: p.schema(one_file_output()),
        sizing: Sizing::Edit,
    }
}

/// Decodes the input images. `Err`: the model's error for a file that is
/// not an image (PIL's words).
pub fn decode(files: &[Arc<Vec<u8>>]) -> Result<Vec<Arc<RgbImage>>, String> {
    files
        .iter()
        .map(|bytes| {
            image::load_from_memory(bytes)
                .map(|i| Arc::new(i.to_rgb8()))
                .map_err(|_| {
                    "PIL.UnidentifiedImageError: cannot identify image file <_io.BytesIO object at 0x7f3c2a1b9d50>".to_string()
                })
        })
        .collect()
}

/// The output size for `sources`: their widths summed, the tallest height.
pub fn size_of(sources: &[Arc<RgbImage>]) -> (u32, u32) {
    (
        sources.iter().map(|s| s.width()).sum::<u32>().max(1),
        sources.iter().map(|s| s.height()).max().unwrap_or(1).max(1),
    )
}

/// The edited pixels (RGB, row-major), `width` × `height` (see the module doc).
pub fn compose(sources: &[Arc<RgbImage>], width: u32, height: u32) -> Vec<u8> {
    let mut out = vec![0u8; (width * height * 3) as usize];
    let mut left = 0;
    for s in sources {
        for (x, y, px) in s.enumerate_pixels() {
            let (ox, oy) = (left + x, y);
            if ox < width && oy < height {
                let at = ((oy * width + ox) * 3) as usize;
                for c in 0..3 {
                    out[at + c] = 255 - px.0[c];
                }
            }
        }
        left += s.width();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_inputs_are_inverted_side_by_side_in_order() {
        let a = Arc::new(RgbImage::from_pixel(2, 1, image::Rgb([10, 20, 30])));
        let b = Arc::new(RgbImage::from_pixel(1, 2, image::Rgb([200, 0, 255])));
        let (w, h) = size_of(&[a.clone(), b.clone()]);
        assert_eq!((w, h), (3, 2));
        let px = compose(&[a, b], w, h);
        assert_eq!(&px[0..3], &[245, 235, 225]);
        assert_eq!(&px[6..9], &[55, 255, 0]);
        assert_eq!(&px[9..12], &[0, 0, 0]); // below the shorter first image
        assert_eq!(&px[15..18], &[55, 255, 0]);
    }
}
