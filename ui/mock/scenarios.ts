// Starting states for the fake backend, picked by name (mock.html?scenario=…).
import type { Generation } from "../src/bindings";
import type { FakeBackend } from "./fakeBackend";

export type ScenarioName = "first-run" | "empty" | "ready";

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;

function add(fake: FakeBackend, g: Generation, outputs = false): Generation {
  if (outputs) fake.writeOutputs(g);
  fake.generations.set(g.id, g);
  return g;
}

export function seedScenario(fake: FakeBackend, name: ScenarioName): void {
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
  add(fake, { ...withCreated(fake.newGeneration("black-forest-labs/flux-schnell", "Neon koi fish swimming through a rainy Tokyo street", { num_outputs: 1 }), 5_000), wait_reason: "Waiting for a free token slot (Studio account is cooling down)." });
}
