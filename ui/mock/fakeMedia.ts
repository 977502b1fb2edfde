// The fake backend's models of other output kinds (the same four as
// replicate-sim's catalogue_media.rs: a video, an audio, a language and a
// named-files model), their saved outputs, and the model browser's catalogue
// (search, collections).
import type { Collection, CollectionSummary, InputField, ModelCard, ModelSearch } from "../src/bindings";
import ballWebm from "../../crates/sim/fixtures/ball.webm?url";
import { MODEL_FORMS, PRESETS } from "./modelForms";

const field = (f: Partial<InputField> & Pick<InputField, "name" | "kind" | "order">): InputField => ({ title: null, description: null, default: null, minimum: null, maximum: null, required: false, ...f });
const prompt = (description: string) => field({ name: "prompt", kind: { type: "string", format: null }, required: true, order: 0, title: "Prompt", description });
const seed = (order: number) => field({ name: "seed", kind: { type: "integer" }, order, title: "Seed", description: "Random seed. Leave blank to randomize the seed" });

export const MEDIA_FORMS: Record<string, { description: string; fields: InputField[] }> = {
  "replicate-sim/bouncing-ball": {
    description: "Text-to-video: a short clip of a bouncing ball, as a playable WebM video",
    fields: [prompt("Text prompt for the video"), field({ name: "duration", kind: { type: "integer" }, default: 4, minimum: 1, maximum: 4, order: 1, title: "Duration", description: "Length of the video in seconds" }), seed(2)],
  },
  "replicate-sim/tone": {
    description: "Text-to-audio: music generation reduced to one pure tone, as a WAV file",
    fields: [prompt("Describe the sound or music"), field({ name: "duration", kind: { type: "integer" }, default: 3, minimum: 1, maximum: 30, order: 1, title: "Duration", description: "Length of the audio in seconds" }), seed(2)],
  },
  "replicate-sim/storyteller": {
    description: "A small language model that writes a short story from your prompt, streamed token by token",
    fields: [prompt("Prompt to send to the model"), field({ name: "max_tokens", kind: { type: "integer" }, default: 128, minimum: 1, maximum: 1024, order: 1, title: "Max Tokens", description: "Maximum number of tokens to generate" })],
  },
  "replicate-sim/video-with-audio": {
    description: "A clip and its soundtrack as separate named files: video (WebM) and audio (WAV)",
    fields: [prompt("Text prompt for the clip and its soundtrack"), seed(1)],
  },
};

const RUNS: Record<string, number> = {
  "black-forest-labs/flux-schnell": 523_116_402,
  "black-forest-labs/flux-dev": 31_874_229,
  "stability-ai/sdxl": 81_504_216,
  "replicate-sim/bouncing-ball": 1_204_311,
  "replicate-sim/tone": 402_118,
  "replicate-sim/storyteller": 8_530_004,
  "replicate-sim/video-with-audio": 77_020,
};

/** The story the fake language model tells (as replicate-sim's `story_tokens`). */
export function story(subject: string): string {
  return `Once upon a time there was ${subject.trim() || "nothing in particular"}. Every morning it woke before the sun, looked at the sky and decided that today would be a good day. And so it was. The end.`;
}

function card(model: string, cover: (m: string) => string | null): ModelCard {
  const form = MEDIA_FORMS[model] ?? MODEL_FORMS[model];
  return {
    model,
    description: form?.description ?? null,
    run_count: RUNS[model] ?? null,
    cover_image_url: cover(model),
    is_official: !model.startsWith("stability-ai/"),
    latest_version: model === "stability-ai/sdxl" ? "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc" : "5d1c0c2a4b7e9f3a8d6e1b2c4f7a9e0d3b5c8a1f4e7d0c3b6a9f2e5d8c1b4a7e",
    example_prompt: model.endsWith("storyteller") ? "a lighthouse keeper" : "a red ball bouncing on a wooden floor",
    example_output: model.endsWith("storyteller") ? story("a lighthouse keeper").split(/(?= )/) : null,
    tags: [],
  };
}

const CATALOGUE = [...PRESETS.map((p) => p.model).filter((m) => m in MODEL_FORMS), ...Object.keys(MEDIA_FORMS)];

const COLLECTIONS: (CollectionSummary & { models: string[] })[] = [
  { slug: "text-to-image", name: "Generate images", description: "Models that generate images from text prompts", models: ["black-forest-labs/flux-schnell", "black-forest-labs/flux-dev", "stability-ai/sdxl"] },
  { slug: "text-to-video", name: "Generate videos", description: "Models that create and edit videos", models: ["replicate-sim/bouncing-ball", "replicate-sim/video-with-audio"] },
  { slug: "ai-music-generation", name: "Generate music", description: "Models that generate music and sound", models: ["replicate-sim/tone", "replicate-sim/video-with-audio"] },
  { slug: "language-models", name: "Language models", description: "Models that understand and generate text", models: ["replicate-sim/storyteller"] },
];

/** `search_models`: every word in the name or description, case-folded. */
export function searchModels(query: string, cover: (m: string) => string | null): ModelSearch {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hit = (text: string) => words.length > 0 && words.every((w) => text.toLowerCase().includes(w));
  return {
    query: query.trim(),
    models: CATALOGUE.filter((m) => hit(`${m} ${(MEDIA_FORMS[m] ?? MODEL_FORMS[m])?.description ?? ""}`)).map((m) => card(m, cover)),
    collections: COLLECTIONS.filter((c) => hit(`${c.slug} ${c.name} ${c.description}`)).map(({ slug, name, description }) => ({ slug, name, description })),
  };
}

export const listCollections = (): CollectionSummary[] => COLLECTIONS.map(({ slug, name, description }) => ({ slug, name, description }));

export function getCollection(slug: string, cover: (m: string) => string | null): Collection | null {
  const c = COLLECTIONS.find((x) => x.slug === slug);
  return c ? { slug: c.slug, name: c.name, description: c.description, models: c.models.map((m) => card(m, cover)) } : null;
}

/** A mono 16-bit WAV of a 440 Hz tone, `seconds` long, as a data URL. */
export function toneWav(seconds = 1, rate = 8000): string {
  const n = Math.round(seconds * rate);
  const buf = new DataView(new ArrayBuffer(44 + n * 2));
  const text = (at: number, s: string) => [...s].forEach((c, i) => buf.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  buf.setUint32(4, 36 + n * 2, true);
  text(8, "WAVEfmt ");
  buf.setUint32(16, 16, true);
  buf.setUint16(20, 1, true);
  buf.setUint16(22, 1, true);
  buf.setUint32(24, rate, true);
  buf.setUint32(28, rate * 2, true);
  buf.setUint16(32, 2, true);
  buf.setUint16(34, 16, true);
  text(36, "data");
  buf.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) buf.setInt16(44 + i * 2, Math.round(Math.sin((i / rate) * 440 * 2 * Math.PI) * 12000), true);
  let bin = "";
  const bytes = new Uint8Array(buf.buffer);
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return `data:audio/wav;base64,${btoa(bin)}`;
}

/**
 * The files a media model's generation saves, as the Rust side names them
 * (`<n>.<ext>`, `<n>-<key>.<ext>`, `text.txt`), each with the URL that
 * stands for it; `null` for an image model.
 */
export function mediaOutputs(model: string, promptText: string): { name: string; url: string }[] | null {
  switch (model) {
    case "replicate-sim/bouncing-ball":
      return [{ name: "0.webm", url: ballWebm }];
    case "replicate-sim/tone":
      return [{ name: "0.wav", url: toneWav() }];
    case "replicate-sim/storyteller":
      return [{ name: "text.txt", url: `data:text/plain;charset=utf-8,${encodeURIComponent(story(promptText))}` }];
    case "replicate-sim/video-with-audio":
      // Object keys in the order serde_json keeps them (sorted), as the Rust side saves them.
      return [
        { name: "0-audio.wav", url: toneWav() },
        { name: "1-video.webm", url: ballWebm },
      ];
    default:
      return null;
  }
}
