//! The models the simulator serves, with the input schemas of the real ones.
//!
//! Schemas follow what Cog generates (`openapi_schema.components.schemas`):
//! properties carry `x-order`, `title`, `description`, `default`, `minimum`
//! and `maximum`; a `choices=[...]` input becomes `allOf: [{"$ref":
//! "#/components/schemas/<name>"}]` pointing at a component
//! `{"type": "string", "enum": [...], "title": "<name>", "description":
//! "An enumeration."}`. Inputs come from replicate/cog-flux `predict.py`
//! (`Inputs`, `ASPECT_RATIOS`, `SchnellPredictor`, `DevPredictor`) and
//! replicate/cog-sdxl `predict.py`.

use serde_json::{Map, Value, json};

/// Output size of FLUX models per `aspect_ratio` (cog-flux `ASPECT_RATIOS`);
/// `megapixels: "0.25"` halves both sides.
pub const FLUX_ASPECT_RATIOS: [(&str, u32, u32); 11] = [
    ("1:1", 1024, 1024),
    ("16:9", 1344, 768),
    ("21:9", 1536, 640),
    ("3:2", 1216, 832),
    ("2:3", 832, 1216),
    ("4:5", 896, 1088),
    ("5:4", 1088, 896),
    ("3:4", 896, 1152),
    ("4:3", 1152, 896),
    ("9:16", 768, 1344),
    ("9:21", 640, 1536),
];

/// The version id the simulator gives stability-ai/sdxl (a real one).
pub const SDXL_VERSION: &str = "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc";

/// How a model's outputs are sized and encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizing {
    /// `aspect_ratio` + `megapixels`, format from `output_format`.
    Flux,
    /// `width` + `height`, always PNG.
    Sdxl,
    /// Computed from the input images ([`crate::edit`]); format from
    /// `output_format`; one file.
    Edit,
    /// One WebM video, output as a string.
    Video,
    /// One WAV of `duration` seconds, output as a string.
    Audio,
    /// A list of text tokens, no file.
    Text,
    /// An object `{"video": webm, "audio": wav}`.
    VideoWithAudio,
}

/// One model of the catalogue.
#[derive(Clone, Debug)]
pub struct Model {
    /// `owner/name`.
    pub owner: &'static str,
    /// Name part.
    pub name: &'static str,
    /// Human description.
    pub description: &'static str,
    /// Latest version id (64 hex characters).
    pub version_id: &'static str,
    /// Official models run without a version (`POST /models/{o}/{n}/predictions`
    /// or `"version": "owner/name"`) and report `"version": "hidden"`.
    pub official: bool,
    /// Cog version that built it.
    pub cog_version: &'static str,
    /// Version creation time (RFC 3339).
    pub version_created_at: &'static str,
    /// Run count shown by `GET /v1/models/...`.
    pub run_count: u64,
    /// Full `openapi_schema` of the latest version.
    pub schema: Value,
    /// Output sizing.
    pub sizing: Sizing,
}

impl Model {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// `components.schemas.Input`.
    pub fn input_schema(&self) -> &Value {
        &self.schema["components"]["schemas"]["Input"]
    }

    /// Value of `field` in `input`, or the schema default.
    pub fn input_or_default<'a>(&'a self, input: &'a Value, field: &str) -> Option<&'a Value> {
        input
            .get(field)
            .filter(|v| !v.is_null())
            .or_else(|| self.input_schema()["properties"][field].get("default"))
    }
}

/// All models, in a fixed order.
pub fn models() -> Vec<Model> {
    use crate::catalogue_media as media;
    vec![
        flux_schnell(),
        flux_dev(),
        sdxl(),
        crate::edit::flux_kontext_pro(),
        crate::edit::nano_banana(),
        media::bouncing_ball(),
        media::tone(),
        media::soundscape(),
        media::storyteller(),
        media::video_with_audio(),
    ]
}

/// Finds a model by owner and name.
pub fn find<'a>(models: &'a [Model], owner: &str, name: &str) -> Option<&'a Model> {
    models.iter().find(|m| m.owner == owner && m.name == name)
}

/// Finds a model by version id.
pub fn find_version<'a>(models: &'a [Model], version: &str) -> Option<&'a Model> {
    models.iter().find(|m| m.version_id == version)
}

/// A schema being built: properties, enum components, required names.
pub(crate) struct Props(Map<String, Value>, Vec<(String, Value)>, Vec<String>);

impl Props {
    pub(crate) fn new() -> Self {
        Self(Map::new(), Vec::new(), Vec::new())
    }

    pub(crate) fn add(&mut self, name: &str, mut schema: Value) -> &mut Self {
        let order = self.0.len();
        schema["x-order"] = json!(order);
        if schema.get("title").is_none() {
            schema["title"] = json!(title_case(name));
        }
        self.0.insert(name.to_string(), schema);
        self
    }

    pub(crate) fn choice(
        &mut self,
        name: &str,
        values: &[&str],
        default: &str,
        description: &str,
    ) -> &mut Self {
        let component = json!({
            "enum": values, "type": "string", "title": name, "description": "An enumeration."
        });
        self.1.push((name.to_string(), component));
        self.add(
            name,
            json!({
                "allOf": [{"$ref": format!("#/components/schemas/{name}")}],
                "default": default,
                "description": description,
            }),
        )
    }

    pub(crate) fn required(&mut self, name: &str) -> &mut Self {
        self.2.push(name.to_string());
        self
    }

    pub(crate) fn schema(&self, output: Value) -> Value {
        let mut schemas = Map::new();
        let mut input = json!({"type": "object", "title": "Input", "properties": self.0});
        if !self.2.is_empty() {
            input["required"] = json!(self.2);
        }
        schemas.insert("Input".into(), input);
        schemas.insert("Output".into(), output);
        for (name, component) in &self.1 {
            schemas.insert(name.clone(), component.clone());
        }
        json!({
            "openapi": "3.0.2",
            "info": {"title": "Cog", "version": "0.1.0"},
            "components": {"schemas": schemas},
        })
    }
}

fn title_case(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn uri_list_output() -> Value {
    json!({"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"})
}

fn aspect_ratios() -> Vec<&'static str> {
    FLUX_ASPECT_RATIOS.iter().map(|(k, _, _)| *k).collect()
}

const QUALITY_DESC: &str = "Quality when saving the output images, from 0 to 100. 100 is best quality, 0 is lowest quality. Not relevant for .png outputs";
const GO_FAST_DESC: &str = "Run faster predictions with model optimized for speed (currently fp8 quantized); disable to run in original bf16";

fn flux_shared_tail(p: &mut Props) {
    p.add("seed", json!({"type": "integer", "description": "Random seed. Set for reproducible generation"}))
        .choice("output_format", &["webp", "jpg", "png"], "webp", "Format of the output images")
        .add(
            "output_quality",
            json!({"type": "integer", "default": 80, "minimum": 0, "maximum": 100, "description": QUALITY_DESC}),
        )
        .add(
            "disable_safety_checker",
            json!({"type": "boolean", "default": false, "description": "Disable safety checker for generated images."}),
        )
        .add("go_fast", json!({"type": "boolean", "default": true, "description": GO_FAST_DESC}))
        .choice(
            "megapixels",
            &["1", "0.25"],
            "1",
            "Approximate number of megapixels for generated image",
        );
}

fn flux_schnell() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Prompt for generated image"}))
        .required("prompt")
        .choice("aspect_ratio", &aspect_ratios(), "1:1", "Aspect ratio for the generated image")
        .add(
            "num_outputs",
            json!({"type": "integer", "default": 1, "minimum": 1, "maximum": 4, "description": "Number of outputs to generate"}),
        )
        .add(
            "num_inference_steps",
            json!({"type": "integer", "default": 4, "minimum": 1, "maximum": 4,
                   "description": "Number of denoising steps. 4 is recommended, and lower number of steps produce lower quality outputs, faster."}),
        );
    flux_shared_tail(&mut p);
    Model {
        owner: "black-forest-labs",
        name: "flux-schnell",
        description: "The fastest image generation model tailored for local development and personal use",
        version_id: "c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-08-05T17:12:44.478530Z",
        run_count: 523_116_402,
        schema: p.schema(uri_list_output()),
        sizing: Sizing::Flux,
    }
}

fn flux_dev() -> Model {
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "description": "Prompt for generated image"}))
        .required("prompt")
        .choice("aspect_ratio", &aspect_ratios(), "1:1", "Aspect ratio for the generated image")
        .add(
            "image",
            json!({"type": "string", "format": "uri",
                   "description": "Input image for image to image mode. The aspect ratio of your output will match this image"}),
        )
        .add(
            "prompt_strength",
            json!({"type": "number", "default": 0.8, "minimum": 0, "maximum": 1,
                   "description": "Prompt strength when using img2img. 1.0 corresponds to full destruction of information in image"}),
        )
        .add(
            "num_outputs",
            json!({"type": "integer", "default": 1, "minimum": 1, "maximum": 4, "description": "Number of outputs to generate"}),
        )
        .add(
            "num_inference_steps",
            json!({"type": "integer", "default": 28, "minimum": 1, "maximum": 50,
                   "description": "Number of denoising steps. Recommended range is 28-50, and lower number of steps produce lower quality outputs, faster."}),
        )
        .add(
            "guidance",
            json!({"type": "number", "default": 3, "minimum": 0, "maximum": 10, "description": "Guidance for generated image"}),
        );
    flux_shared_tail(&mut p);
    Model {
        owner: "black-forest-labs",
        name: "flux-dev",
        description: "A 12 billion parameter rectified flow transformer capable of generating images from text descriptions",
        version_id: "6e4a938f85952bdabcc15aa329178c4d681c52bf25a0342403287dc26944661d",
        official: true,
        cog_version: "0.16.8",
        version_created_at: "2025-08-05T17:20:31.126040Z",
        run_count: 31_874_229,
        schema: p.schema(uri_list_output()),
        sizing: Sizing::Flux,
    }
}

fn sdxl() -> Model {
    let schedulers = [
        "DDIM",
        "DPMSolverMultistep",
        "HeunDiscrete",
        "KarrasDPM",
        "K_EULER_ANCESTRAL",
        "K_EULER",
        "PNDM",
    ];
    let mut p = Props::new();
    p.add("prompt", json!({"type": "string", "default": "An astronaut riding a rainbow unicorn", "description": "Input prompt"}))
        .add("negative_prompt", json!({"type": "string", "default": "", "description": "Input Negative Prompt"}))
        .add("image", json!({"type": "string", "format": "uri", "description": "Input image for img2img or inpaint mode"}))
        .add(
            "mask",
            json!({"type": "string", "format": "uri",
                   "description": "Input mask for inpaint mode. Black areas will be preserved, white areas will be inpainted."}),
        )
        .add("width", json!({"type": "integer", "default": 1024, "description": "Width of output image"}))
        .add("height", json!({"type": "integer", "default": 1024, "description": "Height of output image"}))
        .add(
            "num_outputs",
            json!({"type": "integer", "default": 1, "minimum": 1, "maximum": 4, "description": "Number of images to output."}),
        )
        .choice("scheduler", &schedulers, "K_EULER", "scheduler")
        .add(
            "num_inference_steps",
            json!({"type": "integer", "default": 50, "minimum": 1, "maximum": 500, "description": "Number of denoising steps"}),
        )
        .add(
            "guidance_scale",
            json!({"type": "number", "default": 7.5, "minimum": 1, "maximum": 50, "description": "Scale for classifier-free guidance"}),
        )
        .add(
            "prompt_strength",
            json!({"type": "number", "default": 0.8, "minimum": 0, "maximum": 1,
                   "description": "Prompt strength when using img2img / inpaint. 1.0 corresponds to full destruction of information in image"}),
        )
        .add("seed", json!({"type": "integer", "description": "Random seed. Leave blank to randomize the seed"}))
        .choice(
            "refine",
            &["no_refiner", "expert_ensemble_refiner", "base_image_refiner"],
            "no_refiner",
            "Which refine style to use",
        )
        .add(
            "high_noise_frac",
            json!({"type": "number", "default": 0.8, "minimum": 0, "maximum": 1,
                   "description": "For expert_ensemble_refiner, the fraction of noise to use"}),
        )
        .add(
            "refine_steps",
            json!({"type": "integer",
                   "description": "For base_image_refiner, the number of steps to refine, defaults to num_inference_steps"}),
        )
        .add(
            "apply_watermark",
            json!({"type": "boolean", "default": true,
                   "description": "Applies a watermark to enable determining if an image is generated in downstream applications. If you have other provisions for generating or deploying images safely, you can use this to disable watermarking."}),
        )
        .add(
            "lora_scale",
            json!({"type": "number", "default": 0.6, "minimum": 0, "maximum": 1,
                   "description": "LoRA additive scale. Only applicable on trained models."}),
        )
        .add(
            "replicate_weights",
            json!({"type": "string", "description": "Replicate LoRA weights to use. Leave blank to use the default weights."}),
        )
        .add(
            "disable_safety_checker",
            json!({"type": "boolean", "default": false,
                   "description": "Disable safety checker for generated images. This feature is only available through the API. See [https://replicate.com/docs/how-does-replicate-work#safety](https://replicate.com/docs/how-does-replicate-work#safety)"}),
        );
    Model {
        owner: "stability-ai",
        name: "sdxl",
        description: "A text-to-image generative AI model that creates beautiful images",
        version_id: SDXL_VERSION,
        official: false,
        cog_version: "0.8.6",
        version_created_at: "2023-10-04T22:59:28.405227Z",
        run_count: 81_504_216,
        schema: p.schema(uri_list_output()),
        sizing: Sizing::Sdxl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schnell_enums_point_at_components() {
        let m = flux_schnell();
        let input = m.input_schema();
        assert_eq!(
            input["properties"]["aspect_ratio"]["allOf"][0]["$ref"],
            "#/components/schemas/aspect_ratio"
        );
        let component = &m.schema["components"]["schemas"]["aspect_ratio"];
        assert_eq!(component["enum"].as_array().unwrap().len(), 11);
        assert_eq!(component["title"], "aspect_ratio");
        assert_eq!(input["properties"]["prompt"]["x-order"], 0);
        assert_eq!(input["properties"]["megapixels"]["x-order"], 9);
        assert_eq!(input["required"], json!(["prompt"]));
    }

    #[test]
    fn defaults_fill_missing_inputs() {
        let m = sdxl();
        let input = json!({"prompt": "x"});
        assert_eq!(m.input_or_default(&input, "width"), Some(&json!(1024)));
        assert_eq!(m.input_or_default(&input, "seed"), None);
    }
}
