// A long history for the fake backend, made lazily: row i (0 = newest) of
// `size` finished generations is a pure function of i, so 100,000 rows cost
// nothing until a page of them is asked for. Rows are older than anything the
// scenario adds, newest first, one every 7 minutes.
import type { Generation, GenerationStatus } from "../src/bindings";

const SUBJECTS = [
  "A lighthouse on a cliff", "A red fox in fresh snow", "An old tram in Lisbon", "A koi pond under maple trees", "A desert caravan at dusk",
  "A glass greenhouse full of ferns", "A lone astronaut on a salt flat", "A Venetian canal at night", "A tiny bakery on a rainy street", "A snow leopard on a ridge",
  "A steam locomotive crossing a viaduct", "A jellyfish in deep blue water", "A reading nook with a cat", "A Nordic cabin by a frozen lake", "A hot-air balloon festival",
  "A market of spices in Marrakesh", "A robot watering tomato plants", "A paper boat in a puddle", "A Japanese garden in autumn", "An owl in a birch forest",
  "A sailboat in a storm", "A bowl of ramen, steam rising", "A castle above the clouds", "A vintage typewriter on a desk", "A field of lavender in Provence",
];
const SETTINGS = ["at sunrise", "in thick fog", "under a violet sky", "at golden hour", "after the rain", "in moonlight", "in early spring", "during a snowfall", "at noon, harsh light", "under the northern lights"];
const STYLES = ["watercolor", "35mm film photo", "oil painting", "isometric 3D render", "ink sketch", "cinematic, anamorphic", "pastel illustration", "studio photo, softbox", "ukiyo-e woodblock print", "low-poly art", "hyperrealistic, 8k", "gouache on paper"];
const MODELS = ["black-forest-labs/flux-schnell", "black-forest-labs/flux-dev", "stability-ai/sdxl", "black-forest-labs/flux-1.1-pro", "ideogram-ai/ideogram-v2"];
/** Seconds a model takes, roughly (the archive's running times). */
export const ARCHIVE_RUN_SECONDS: Record<string, number> = {
  "black-forest-labs/flux-schnell": 2.1,
  "black-forest-labs/flux-dev": 14.5,
  "stability-ai/sdxl": 9.8,
  "black-forest-labs/flux-1.1-pro": 6.2,
  "ideogram-ai/ideogram-v2": 11.4,
};

const STEP_MS = 7 * 60_000;
export const ARCHIVE_PREFIX = "arc_";

function mix(i: number): number {
  let h = Math.imul(i + 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Archive {
  /** Rows deleted (by index). */
  readonly gone = new Set<number>();
  constructor(
    readonly size: number,
    /** created_at of row 0, in ms. */
    readonly newestMs: number,
  ) {}

  id(i: number): string {
    return `${ARCHIVE_PREFIX}${String(i).padStart(6, "0")}`;
  }
  indexOf(id: string): number | null {
    if (!id.startsWith(ARCHIVE_PREFIX)) return null;
    const i = Number(id.slice(ARCHIVE_PREFIX.length));
    return Number.isInteger(i) && i >= 0 && i < this.size ? i : null;
  }
  has(i: number): boolean {
    return i >= 0 && i < this.size && !this.gone.has(i);
  }
  createdMs(i: number): number {
    return this.newestMs - i * STEP_MS;
  }
  /** The first index created before `ms` (the rows are in strictly falling time). */
  firstBefore(ms: number): number {
    return Math.max(0, Math.floor((this.newestMs - ms) / STEP_MS) + 1);
  }
  status(i: number): GenerationStatus {
    const r = mix(i) % 100;
    return r < 86 ? "completed" : r < 95 ? "failed" : "cancelled";
  }
  model(i: number): string {
    return MODELS[mix(i * 3 + 1) % MODELS.length];
  }
  prompt(i: number): string {
    const h = mix(i * 7 + 2);
    return `${SUBJECTS[h % SUBJECTS.length]} ${SETTINGS[(h >>> 8) % SETTINGS.length]}, ${STYLES[(h >>> 16) % STYLES.length]}`;
  }
  /** Statuses of every row still there, counted once (then kept by `remove`). */
  private counts: Record<GenerationStatus, number> | null = null;
  statusCounts(): Record<GenerationStatus, number> {
    if (!this.counts) {
      const c = { pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
      for (let i = 0; i < this.size; i++) if (!this.gone.has(i)) c[this.status(i)] += 1;
      this.counts = c;
    }
    return this.counts;
  }
  remove(i: number): void {
    if (!this.has(i)) return;
    if (this.counts) this.counts[this.status(i)] -= 1;
    this.gone.add(i);
  }
  removeAll(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.has(i)) n += 1;
    for (let i = 0; i < this.size; i++) this.gone.add(i);
    this.counts = { pending: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    return n;
  }

  generation(i: number, make: (model: string, prompt: string, input: Record<string, unknown>, extra: Partial<Generation>) => Generation): Generation {
    const id = this.id(i);
    const status = this.status(i);
    const model = this.model(i);
    const created = this.createdMs(i);
    const run = (ARCHIVE_RUN_SECONDS[model] ?? 8) * 1000 * (0.7 + (mix(i * 5 + 3) % 60) / 100);
    const started = created + 1500;
    const input = { aspect_ratio: "1:1", num_outputs: 1 };
    const iso = (ms: number) => new Date(ms).toISOString();
    return make(model, this.prompt(i), input, {
      id,
      status,
      created_at: iso(created),
      started_at: status === "cancelled" ? null : iso(started),
      completed_at: iso(status === "cancelled" ? created + 60_000 : started + run),
      viewed: true,
      viewed_at: iso(started + run + 60_000),
      replicate_status: status === "completed" ? "succeeded" : status === "failed" ? "failed" : null,
      progress: status === "completed" ? 100 : null,
      prediction_id: status === "cancelled" ? null : `p${id}`,
      attempts: status === "cancelled" ? 0 : 1,
      error: status === "failed" ? "NSFW content detected. Try running it again, or try a different prompt." : null,
      error_kind: status === "failed" ? "model_failed" : null,
      output_files: status === "completed" ? [`outputs/${id}/0.webp`] : [],
      output_urls: status === "completed" ? [`https://replicate.delivery/xezq/${id}/out-0.webp`] : [],
    });
  }
}

/** Does `prompt` hold every word of `text` (as a word prefix, like FTS5's `word*`)? */
export function matchesText(prompt: string, text: string | null): boolean {
  if (!text || !text.trim()) return true;
  const words = prompt.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .every((q) => words.some((w) => w.startsWith(q)));
}
