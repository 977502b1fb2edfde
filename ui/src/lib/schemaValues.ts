// Values of a model's settings form (built from its input schema): defaults,
// checks before create, and the `input` object sent with create_generation.
import type { InputField } from "../bindings";
import { i18n } from "../i18n";

export type FormValues = Record<string, unknown>;

/** Fields the page asks for itself (the prompt textarea), not in the settings form. */
export const OWN_FIELDS = new Set(["prompt"]);

export function settingsFields(fields: InputField[]): InputField[] {
  return fields.filter((f) => !OWN_FIELDS.has(f.name)).sort((a, b) => a.order - b.order);
}

export function defaultsOf(fields: InputField[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) if (f.default !== null && f.default !== undefined) values[f.name] = f.default;
  return values;
}

export function fieldLabel(f: InputField): string {
  if (f.title) return f.title;
  const words = f.name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function isBounded(f: InputField): boolean {
  return f.minimum !== null && f.maximum !== null;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
}

/** Problems by field name; empty when the values can be sent. */
export function validate(fields: InputField[], values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (isEmpty(v)) {
      if (f.required && !OWN_FIELDS.has(f.name)) errors[f.name] = i18n.t("field.isRequired", { label: fieldLabel(f) });
      continue;
    }
    if (f.kind.type === "integer" || f.kind.type === "number") {
      if (typeof v !== "number" || Number.isNaN(v)) errors[f.name] = i18n.t("field.number");
      else if (f.kind.type === "integer" && !Number.isInteger(v)) errors[f.name] = i18n.t("field.whole");
      else if (f.minimum !== null && v < f.minimum) errors[f.name] = i18n.t("field.atLeast", { n: f.minimum });
      else if (f.maximum !== null && v > f.maximum) errors[f.name] = i18n.t("field.atMost", { n: f.maximum });
    }
    if (f.kind.type === "other" && typeof v === "string") {
      try {
        JSON.parse(v);
      } catch {
        errors[f.name] = i18n.t("field.validJson");
      }
    }
  }
  return errors;
}

/** The `input` for create_generation: every set value (defaults included), JSON fields parsed. */
export function toInput(fields: InputField[], values: FormValues): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (isEmpty(v) || OWN_FIELDS.has(f.name)) continue;
    input[f.name] = f.kind.type === "other" && typeof v === "string" ? JSON.parse(v) : v;
  }
  return input;
}

/** A readable value for "Default: …" and the settings list. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return i18n.t(v ? "common.on" : "common.off");
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/**
 * The problems an `invalid_input` refusal names, by field: its message ends
 * with `name: problem; name: problem` (core's `InputProblem::join`). Parts
 * that name no field of the form stay out (the notice shows the whole text).
 */
export function fieldProblems(message: string, fields: InputField[]): Record<string, string> {
  const names = new Set(fields.map((f) => f.name));
  const at = message.indexOf("schema: ");
  const list = at === -1 ? message : message.slice(at + "schema: ".length);
  const out: Record<string, string> = {};
  for (const part of list.split("; ")) {
    const colon = part.indexOf(": ");
    if (colon === -1) continue;
    const name = part.slice(0, colon).trim();
    if (names.has(name)) out[name] = part.slice(colon + 2);
  }
  return out;
}

/**
 * The problems of an `input_rejected` failure, by input name. Core stores
 * Replicate's 422 `invalid_fields` one a line as `- input.<name>: <description>`
 * (`crates/core/src/replicate/error.rs`, `invalid_fields_lines`); a missing
 * required input is `- input: <name> is required`. A nested path
 * (`input.image_input.0`) counts for its input; several lines for one input
 * are joined. Lines that name no input are left out (the status shows all).
 */
export function rejectedFields(error: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (error ?? "").split("\n")) {
    const m = /^- input(?:\.([^.:\s]+)[^:\s]*)?: (.+)$/.exec(line.trim());
    if (!m) continue;
    const required = m[1] === undefined ? /^(\S+) is required$/.exec(m[2]) : null;
    const name = m[1] ?? required?.[1];
    if (!name) continue;
    out[name] = out[name] ? `${out[name]} ${m[2]}` : m[2];
  }
  return out;
}
