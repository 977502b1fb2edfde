// The fake backend's spend: prices (a few lines of the shipped table), costs
// of the fake's finished generations, the report, budgets and estimates.
// The real figures come from crates/core/src/spend; this only has to look
// and behave like them for the UI tests.
import type { Estimate, Generation, GenerationSpend, SpendLine, SpendReport, SpendSettings, SpendTotal, Token } from "../src/bindings";

/** Micro-dollars per image, per model (official models priced per output). */
const PER_IMAGE: Record<string, number> = {
  "black-forest-labs/flux-schnell": 3_000,
  "black-forest-labs/flux-dev": 25_000,
};
/** stability-ai/sdxl runs on an L40S: micro-dollars per second, and its typical run. */
const L40S = 975;
const SDXL_TYPICAL_MS = 7_000;

export const FAKE_SHIPPED = `# Replicate prices in USD, as Replicate bills them.
# source: https://replicate.com/pricing (hardware, per second) and each official model's page (per output)
# checked: 2026-12-02
gpu-l40s                         0.000975 per second
black-forest-labs/flux-schnell   0.003    per image
black-forest-labs/flux-dev       0.025    per image
stability-ai/sdxl                on gpu-l40s typical 7s
`;

export const DEFAULT_SPEND: SpendSettings = { daily_limit: null, monthly_limit: null, token_limits: [], prices: "", time_zone: null };

/** What a finished generation cost, or null when unknown. */
export function costOf(g: Generation): number | null {
  const name = g.model_name;
  if (PER_IMAGE[name] !== undefined) return PER_IMAGE[name] * (g.status === "completed" ? Math.max(1, g.output_files.length) : 0);
  if (name === "stability-ai/sdxl") {
    if (!g.started_at || !g.completed_at) return 0;
    return Math.round(((Date.parse(g.completed_at) - Date.parse(g.started_at)) * L40S) / 1000);
  }
  return null;
}

/** One generation's estimate, or null. */
export function estimateOf(model: string, input: Record<string, unknown>): number | null {
  const images = Math.max(1, Number(input.num_outputs ?? 1) || 1);
  if (PER_IMAGE[model] !== undefined) return PER_IMAGE[model] * images;
  if (model === "stability-ai/sdxl") return Math.round((SDXL_TYPICAL_MS * L40S) / 1000);
  return null;
}

export function fakeEstimate(model: string, input: Record<string, unknown>, generations: number): Estimate {
  const each = estimateOf(model, input);
  const images = Math.max(1, Number(input.num_outputs ?? 1) || 1);
  const perImage = PER_IMAGE[model] !== undefined;
  return {
    each: {
      total: each,
      parts: each === null ? [] : [{ unit: perImage ? "image" : "second", quantity_milli: perImage ? images * 1000 : SDXL_TYPICAL_MS, rate: perImage ? PER_IMAGE[model] : L40S, hardware: perImage ? null : "gpu-l40s", amount: each }],
    },
    generations,
    images: images * generations,
    total: each === null ? null : each * generations,
  };
}

const day = (iso: string) => iso.slice(0, 10);

function lines(map: Map<string, SpendLine>): SpendLine[] {
  return [...map.values()];
}

function add(map: Map<string, SpendLine>, key: string, cost: number | null, label: string | null = null) {
  const l = map.get(key) ?? { key, label, spent: 0, generations: 0, unknown: 0 };
  l.generations += 1;
  if (cost === null) l.unknown += 1;
  else l.spent += cost;
  map.set(key, l);
}

/** The report over the fake's finished generations in `[from, to)` (this month when null). */
export function fakeReport(gens: Generation[], tokens: Map<string, Token>, s: SpendSettings, from: string | null, to: string | null, now = new Date()): SpendReport {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  const f = from ?? monthStart;
  const t = to ?? monthEnd;
  const [days, months, models, toks, total] = [new Map(), new Map(), new Map(), new Map(), new Map()] as Map<string, SpendLine>[];
  let today = 0;
  let thisMonth = 0;
  const todayKey = now.toISOString().slice(0, 10);
  let active = 0;
  let activeN = 0;
  let activeUnknown = 0;
  for (const g of gens) {
    if (g.status === "pending" || g.status === "processing") {
      const e = estimateOf(g.model_name, g.input as Record<string, unknown>);
      activeN += 1;
      if (e === null) activeUnknown += 1;
      else active += e;
      continue;
    }
    const at = g.completed_at;
    if (!at) continue;
    const cost = costOf(g);
    if (day(at) === todayKey) today += cost ?? 0;
    if (at >= monthStart && at < monthEnd) thisMonth += cost ?? 0;
    if (at < f || at >= t) continue;
    add(days, day(at), cost);
    add(months, at.slice(0, 7), cost);
    add(models, g.model_name, cost);
    const tok = g.token_id ? tokens.get(g.token_id) : undefined;
    add(toks, g.token_id ?? "", cost, tok?.label ?? "removed token");
    add(total, "total", cost);
  }
  const held = gens.find((g) => g.status === "pending" && g.wait_reason && ["daily_budget", "monthly_budget", "token_budgets"].includes(g.wait_reason.code));
  const sorted = (m: Map<string, SpendLine>) => lines(m).sort((a, b) => b.spent - a.spent || (a.key < b.key ? -1 : 1));
  return {
    from: f,
    to: t,
    total: total.get("total") ?? { key: "total", label: null, spent: 0, generations: 0, unknown: 0 },
    by_day: lines(days).sort((a, b) => (a.key < b.key ? -1 : 1)),
    by_month: lines(months).sort((a, b) => (a.key < b.key ? -1 : 1)),
    by_model: sorted(models),
    by_token: sorted(toks),
    today,
    this_month: thisMonth,
    active: { estimate: active, generations: activeN, unknown: activeUnknown },
    held: held?.wait_reason ?? null,
    waiting: gens.filter((g) => g.status === "pending").length,
    settings: { ...s },
    // The fake counts days in UTC unless told otherwise.
    time_zone: s.time_zone ?? "UTC",
    prices_source: "https://replicate.com/pricing (hardware, per second) and each official model's page (per output)",
    prices_checked: "2026-12-02",
  };
}

/** Checks price lines as the core does (enough of it for the UI tests): the first bad line and why. */
export function badPriceLine(text: string): string | null {
  const rows = text.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const body = rows[i].split("#")[0].trim();
    if (!body) continue;
    const ok = /^[\w.-]+\/[\w.-]+\s+\$?\d*\.?\d{0,6}\s+per\s+(image|second|video-second|million-input-tokens|million-output-tokens)$/.test(body) || /^[\w.-]+\/[\w.-]+\s+on\s+(cpu|gpu-[a-z0-9-]+)(\s+typical\s+[\d.]+s)?$/.test(body) || /^(cpu|gpu-[a-z0-9-]+)\s+\$?\d*\.?\d{0,6}\s+per\s+second$/.test(body);
    if (!ok) return `price table line ${i + 1}: "${body}": expected "<price> per <unit>" or "on <hardware>" after the subject`;
  }
  return null;
}

/** A generation's spend row as the core keeps it: estimate when queued, final once ended. */
export function fakeGenerationSpend(g: Generation): GenerationSpend {
  const input = g.input as Record<string, unknown>;
  const est = fakeEstimate(g.model_name, input, 1).each;
  const ended = g.status === "completed" || g.status === "failed" || g.status === "cancelled";
  const final = ended ? costOf(g) : null;
  const perImage = PER_IMAGE[g.model_name] !== undefined;
  const images = g.status === "completed" ? Math.max(1, g.output_files.length) : 0;
  const runMs = g.started_at && g.completed_at ? Date.parse(g.completed_at) - Date.parse(g.started_at) : 0;
  return {
    generation_id: g.id,
    model_name: g.model_name,
    estimate: est.total,
    estimate_parts: est.parts,
    ended,
    final,
    final_parts:
      final === null ? [] : [perImage ? { unit: "image", quantity_milli: images * 1000, rate: PER_IMAGE[g.model_name], hardware: null, amount: final } : { unit: "second", quantity_milli: runMs, rate: L40S, hardware: "gpu-l40s", amount: final }],
    predict_ms: ended ? runMs : null,
    charged_at: ended ? g.completed_at : null,
  };
}

/** What these generations cost, as the store sums it (history_spend, batch_spend). */
export function fakeTotal(gens: Generation[]): SpendTotal {
  const total: SpendTotal = { generations: 0, spent: 0, estimated: 0, unknown: 0 };
  for (const g of gens) {
    total.generations += 1;
    const s = fakeGenerationSpend(g);
    const amount = s.ended ? s.final : s.estimate;
    if (amount === null) total.unknown += 1;
    else if (s.ended) total.spent += amount;
    else total.estimated += amount;
  }
  return total;
}
