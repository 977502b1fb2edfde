// Starting states for the fake backend, picked by name (mock.html?scenario=…).
import type { Generation } from "../src/bindings";
import { Archive } from "./archive";
import type { FakeBackend } from "./fakeBackend";

/**
 * - first-run: no tokens; empty: tokens, no generations; ready: a few of each status;
 * - busy: ready plus a batch and a long queue (Queue page, ETAs, priority);
 * - history: busy plus 100,000 older finished generations, made lazily (History page).
 */
export type ScenarioName = "first-run" | "empty" | "ready" | "busy" | "history";

export const ARCHIVE_SIZE = 100_000;

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;

function add(fake: FakeBackend, g: Generation, outputs = false): Generation {
  if (outputs) fake.writeOutputs(g);
  fake.generations.set(g.id, g);
  return g;
}

export function seedScenario(fake: FakeBackend, name: ScenarioName): void {
  seedBase(fake, name);
  if (name === "busy" || name === "history") seedBusy(fake);
  if (name === "history") fake.archive = new Archive(ARCHIVE_SIZE, Date.now() - 4 * 60 * MIN);
}

/** A finished batch of 3 (one failed), a running batch of 10 and a queue of 8 behind 3 running ones. */
function seedBusy(fake: FakeBackend): void {
  const [personal] = [...fake.tokens.values()];
  const base = (model: string, prompt: string, createdAgo: number, extra: Partial<Generation> = {}) =>
    add(fake, { ...fake.newGeneration(model, prompt, { num_outputs: 1, aspect_ratio: "1:1" }), created_at: ago(createdAgo), ...extra });
  const running = (g: Generation, startedAgo: number, progress: number | null) =>
    fake.generations.set(g.id, { ...g, status: "processing", replicate_status: "processing", started_at: ago(startedAgo), progress, prediction_id: `p${g.id}`, token_id: personal.id, attempts: 1 });

  const lights = ["at dawn", "at noon", "at dusk", "under the stars", "in a storm", "in fog", "in snow", "in spring rain", "at golden hour", "under a full moon"];
  const batch = "batch_lighthouse";
  lights.forEach((when, i) => {
    const g = base("black-forest-labs/flux-schnell", `A lighthouse on a cliff ${when}, watercolor`, 100_000 - i, { batch_id: batch });
    if (i < 3) {
      const done = { ...g, status: "completed" as const, replicate_status: "succeeded", progress: 100, started_at: ago(95_000 - i * 3000), completed_at: ago(93_000 - i * 3000), viewed: i > 0, prediction_id: `p${g.id}`, token_id: personal.id, attempts: 1 };
      fake.writeOutputs(done);
      fake.generations.set(g.id, done);
    } else if (i === 3) {
      fake.generations.set(g.id, { ...g, status: "failed", replicate_status: "failed", started_at: ago(85_000), completed_at: ago(84_000), error: "NSFW content detected. Try running it again, or try a different prompt.", error_kind: "model_failed", attempts: 1 });
    } else if (i === 4) running(g, 2_500, 60);
    else fake.generations.set(g.id, { ...g, priority: 0 });
  });
  running(base("stability-ai/sdxl", "Portrait of a lighthouse keeper, oil painting", 30_000), 8_000, 70);
  const queued = [
    ["black-forest-labs/flux-dev", "Isometric tiny island with a windmill, pastel colours"],
    ["stability-ai/sdxl", "A fox reading a newspaper in a Paris café, watercolor"],
    ["black-forest-labs/flux-dev", "Cyberpunk noodle stand at night, neon reflections in puddles"],
  ] as const;
  queued.forEach(([model, prompt], i) => base(model, prompt, 20_000 - i * 1000));
}

function seedBase(fake: FakeBackend, name: ScenarioName): void {
  if (name === "first-run") return;
  const personal = fake.newToken("Personal", "x7Qa", { request_count: 214, error_count: 3, rate_limited_count: 1, last_used_at: ago(4 * MIN) });
  fake.tokens.set(personal.id, personal);
  const work = fake.newToken("Studio account", "K2mP", { request_count: 96, error_count: 12, rate_limited_count: 9, last_used_at: ago(1 * MIN), cooldown_until: new Date(Date.now() + 42_000).toISOString() });
  fake.tokens.set(work.id, work);
  const old = fake.newToken("Old laptop", "0bZe", {
    active: false,
    request_count: 31,
    error_count: 1,
    disabled_reason: "Replicate refused this token (401 Unauthenticated): it was revoked or mistyped.",
    disabled_at: ago(3 * 24 * 60 * MIN),
    last_used_at: ago(3 * 24 * 60 * MIN),
  });
  fake.tokens.set(old.id, old);
  if (name === "empty") return;

  const done = (g: Generation, startedAgo: number, tookMs: number): Generation => ({
    ...g,
    status: "completed",
    replicate_status: "succeeded",
    progress: 100,
    started_at: ago(startedAgo),
    completed_at: ago(startedAgo - tookMs),
    prediction_id: `p${g.id}`,
    token_id: personal.id,
    attempts: 1,
  });
  const withCreated = (g: Generation, createdAgo: number): Generation => ({ ...g, created_at: ago(createdAgo) });

  add(fake, { ...done(withCreated(fake.newGeneration("black-forest-labs/flux-schnell", "A quiet harbour town at dawn, pastel houses, fishing boats, soft fog", { aspect_ratio: "1:1", num_outputs: 1, output_format: "webp" }), 180 * MIN), 179.9 * MIN, 2400), viewed: true, viewed_at: ago(170 * MIN) }, true);
  add(fake, { ...withCreated(fake.newGeneration("stability-ai/sdxl", "Portrait of an old sailor, oil painting", { width: 1024, height: 1024 }), 120 * MIN), status: "cancelled", completed_at: ago(119 * MIN), viewed: true, viewed_at: ago(119 * MIN) });
  add(fake, { ...done(withCreated(fake.newGeneration("black-forest-labs/flux-dev", "Misty mountain valley at sunrise, golden light over layered ridges, cinematic, 35mm", { aspect_ratio: "1:1", num_outputs: 4, num_inference_steps: 28, guidance: 3, output_format: "webp", output_quality: 90 }), 9 * MIN), 8.8 * MIN, 14_600) }, true);
  add(fake, { ...done(withCreated(fake.newGeneration("black-forest-labs/flux-schnell", "Desert highway under a violet sky, lone car, long shadows", { aspect_ratio: "1:1", num_outputs: 1, go_fast: true }), 6 * MIN), 5.95 * MIN, 1900) }, true);
  add(fake, {
    ...withCreated(fake.newGeneration("stability-ai/sdxl", "A fox reading a newspaper in a Paris café, watercolor", { width: 4096, height: 4096, num_inference_steps: 50 }), 3 * MIN),
    status: "failed",
    replicate_status: "failed",
    started_at: ago(2.9 * MIN),
    completed_at: ago(2.8 * MIN),
    error: "width: must be less than or equal to 2048 (got 4096)",
    error_kind: "input_rejected",
    attempts: 1,
  });
  add(fake, { ...withCreated(fake.newGeneration("black-forest-labs/flux-dev", "Isometric cozy library with plants and warm lamps, highly detailed", { num_outputs: 1 }), 40_000), status: "processing", replicate_status: "processing", started_at: ago(31_000), progress: 45, prediction_id: "pabc", token_id: personal.id, attempts: 1 });
  add(fake, { ...withCreated(fake.newGeneration("black-forest-labs/flux-schnell", "Neon koi fish swimming through a rainy Tokyo street", { num_outputs: 1 }), 5_000), wait_reason: { code: "cooling_down", until: new Date(Date.now() + 42_000).toISOString(), detail: null } });
}
