// Input forms of a few real models, shaped as the Rust side sends them
// (`get_model_form`): enough to exercise every widget of the settings form.
import type { InputField, ModelPreset } from "../src/bindings";

const field = (f: Partial<InputField> & Pick<InputField, "name" | "kind" | "order">): InputField => ({
  title: null,
  description: null,
  default: null,
  minimum: null,
  maximum: null,
  required: false,
  ...f,
});

const ASPECT = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"];

const fluxCommon = (steps: { max: number; def: number }): InputField[] => [
  field({ name: "prompt", kind: { type: "string", format: null }, required: true, order: 0, title: "Prompt", description: "Prompt for generated image" }),
  field({ name: "aspect_ratio", kind: { type: "enum", choices: ASPECT }, default: "1:1", order: 1, title: "Aspect Ratio", description: "Aspect ratio for the generated image" }),
  field({ name: "num_outputs", kind: { type: "integer" }, default: 1, minimum: 1, maximum: 4, order: 2, title: "Num Outputs", description: "Number of outputs to generate" }),
  field({ name: "num_inference_steps", kind: { type: "integer" }, default: steps.def, minimum: 1, maximum: steps.max, order: 3, title: "Num Inference Steps", description: "Number of denoising steps. More steps give more detailed images, slower." }),
  field({ name: "seed", kind: { type: "integer" }, order: 4, title: "Seed", description: "Random seed. Set for reproducible generation" }),
  field({ name: "output_format", kind: { type: "enum", choices: ["webp", "jpg", "png"] }, default: "webp", order: 5, title: "Output Format", description: "Format of the output images" }),
  field({ name: "output_quality", kind: { type: "integer" }, default: 80, minimum: 0, maximum: 100, order: 6, title: "Output Quality", description: "Quality when saving the output images, from 0 to 100. Not relevant for .png outputs" }),
  field({ name: "disable_safety_checker", kind: { type: "boolean" }, default: false, order: 7, title: "Disable Safety Checker", description: "Disable safety checker for generated images." }),
  field({ name: "go_fast", kind: { type: "boolean" }, default: true, order: 8, title: "Go Fast", description: "Run faster predictions with a model optimized for speed (fp8 quantized)." }),
  field({ name: "megapixels", kind: { type: "enum", choices: ["1", "0.25"] }, default: "1", order: 9, title: "Megapixels", description: "Approximate number of megapixels for generated image" }),
];

export const MODEL_FORMS: Record<string, { description: string; fields: InputField[] }> = {
  "black-forest-labs/flux-schnell": {
    description: "The fastest image generation model tailored for local development and personal use",
    fields: fluxCommon({ max: 4, def: 4 }),
  },
  "black-forest-labs/flux-dev": {
    description: "A 12 billion parameter rectified flow transformer capable of generating images from text descriptions",
    fields: [
      ...fluxCommon({ max: 50, def: 28 }),
      field({ name: "guidance", kind: { type: "number" }, default: 3, minimum: 0, maximum: 10, order: 10, title: "Guidance", description: "Guidance for generated image" }),
      field({ name: "image", kind: { type: "string", format: "uri" }, order: 11, title: "Image", description: "Input image for image to image mode. The aspect ratio of your output will match this image" }),
    ],
  },
  "black-forest-labs/flux-kontext-pro": {
    description: "A state-of-the-art text-based image editing model",
    fields: [
      field({ name: "prompt", kind: { type: "string", format: null }, required: true, order: 0, title: "Prompt", description: "Text description of what you want to generate, or the instruction on how to edit the given image." }),
      field({ name: "input_image", kind: { type: "string", format: "uri" }, order: 1, title: "Input Image", description: "Image to use as reference. Must be jpeg, png, gif, or webp." }),
      field({ name: "aspect_ratio", kind: { type: "enum", choices: ["match_input_image", ...ASPECT] }, default: "match_input_image", order: 2, title: "Aspect Ratio", description: "Aspect ratio of the generated image." }),
      field({ name: "seed", kind: { type: "integer" }, order: 3, title: "Seed", description: "Random seed. Set for reproducible generation" }),
      field({ name: "output_format", kind: { type: "enum", choices: ["jpg", "png"] }, default: "png", order: 4, title: "Output Format", description: "Output format for the generated image" }),
    ],
  },
  "google/nano-banana": {
    description: "Google's latest image editing model in Gemini 2.5",
    fields: [
      field({ name: "prompt", kind: { type: "string", format: null }, required: true, order: 0, title: "Prompt", description: "A text description of the image you want to generate" }),
      field({ name: "image_input", kind: { type: "files" }, default: [], order: 1, title: "Image Input", description: "Input images to transform or use as reference (supports multiple images)" }),
      field({ name: "output_format", kind: { type: "enum", choices: ["jpg", "png"] }, default: "jpg", order: 2, title: "Output Format", description: "Format of the output image" }),
    ],
  },
  "stability-ai/sdxl": {
    description: "A text-to-image generative AI model that creates beautiful images",
    fields: [
      field({ name: "prompt", kind: { type: "string", format: null }, default: "An astronaut riding a rainbow unicorn", order: 0, title: "Prompt", description: "Input prompt" }),
      field({ name: "negative_prompt", kind: { type: "string", format: null }, default: "", order: 1, title: "Negative Prompt", description: "Input Negative Prompt" }),
      field({ name: "width", kind: { type: "integer" }, default: 1024, order: 2, title: "Width", description: "Width of output image" }),
      field({ name: "height", kind: { type: "integer" }, default: 1024, order: 3, title: "Height", description: "Height of output image" }),
      field({ name: "num_outputs", kind: { type: "integer" }, default: 1, minimum: 1, maximum: 4, order: 4, title: "Num Outputs", description: "Number of images to output." }),
      field({ name: "scheduler", kind: { type: "enum", choices: ["DDIM", "DPMSolverMultistep", "HeunDiscrete", "KarrasDPM", "K_EULER_ANCESTRAL", "K_EULER", "PNDM"] }, default: "K_EULER", order: 5, title: "Scheduler", description: "scheduler" }),
      field({ name: "num_inference_steps", kind: { type: "integer" }, default: 50, minimum: 1, maximum: 500, order: 6, title: "Num Inference Steps", description: "Number of denoising steps" }),
      field({ name: "guidance_scale", kind: { type: "number" }, default: 7.5, minimum: 1, maximum: 50, order: 7, title: "Guidance Scale", description: "Scale for classifier-free guidance" }),
      field({ name: "apply_watermark", kind: { type: "boolean" }, default: true, order: 8, title: "Apply Watermark", description: "Applies a watermark to enable determining if an image is generated in downstream applications." }),
      field({ name: "seed", kind: { type: "integer" }, order: 9, title: "Seed", description: "Random seed. Leave blank to randomize the seed" }),
    ],
  },
};

export const PRESETS: ModelPreset[] = [
  { label: "FLUX Schnell", model: "black-forest-labs/flux-schnell", description: "The fastest FLUX: good images in a second or two." },
  { label: "FLUX Dev", model: "black-forest-labs/flux-dev", description: "Higher-quality FLUX, slower; supports image-to-image." },
  { label: "SDXL", model: "stability-ai/sdxl", description: "Stable Diffusion XL: many styles, negative prompts." },
  { label: "FLUX 1.1 Pro", model: "black-forest-labs/flux-1.1-pro", description: "Best FLUX quality and prompt following." },
  { label: "Ideogram v2", model: "ideogram-ai/ideogram-v2", description: "Strong at text inside images." },
];

/** Any other owner/name: a plain form (prompt, seed), as a model with a tiny schema. */
export function genericForm(): { description: string; fields: InputField[] } {
  return {
    description: "",
    fields: [
      field({ name: "prompt", kind: { type: "string", format: null }, required: true, order: 0 }),
      field({ name: "aspect_ratio", kind: { type: "enum", choices: ["1:1", "16:9", "9:16"] }, default: "1:1", order: 1 }),
      field({ name: "seed", kind: { type: "integer" }, order: 2 }),
    ],
  };
}
