//! The models offered first in the model picker. Any other `owner/name` works too.

use serde::Serialize;

/// A model the picker offers by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelPreset {
    /// What the picker shows ("FLUX Schnell").
    pub label: &'static str,
    /// `owner/name` (official models) or `owner/name:version`.
    pub model: &'static str,
    /// One line on what it is good for.
    pub description: &'static str,
}

/// The presets, in the picker's order. Model names are Replicate's.
pub const PRESETS: &[ModelPreset] = &[
    ModelPreset {
        label: "FLUX Schnell",
        model: "black-forest-labs/flux-schnell",
        description: "Fastest FLUX: 1–4 steps, good for drafts and batches",
    },
    ModelPreset {
        label: "FLUX Dev",
        model: "black-forest-labs/flux-dev",
        description: "Higher quality FLUX with guidance, slower",
    },
    ModelPreset {
        label: "SDXL",
        model: "stability-ai/sdxl",
        description: "Stable Diffusion XL: sizes, schedulers and a refiner",
    },
];
