// "Use as input": a saved output carried to the create page, where it fills
// the first file input of the chosen model (it waits there until a model
// that takes a file is chosen). One at a time; taking it clears it.
let carried: string | null = null;
const listeners = new Set<() => void>();

/** Carries `source` (a file value, e.g. `@/…/outputs/<id>/0.png`) to the create page. */
export function carryInput(source: string): void {
  carried = source;
  listeners.forEach((l) => l());
}

/** Calls `listener` whenever a file is carried; answers the unsubscribe. */
export function onCarriedInput(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The carried file, if any, without taking it. */
export function carriedInput(): string | null {
  return carried;
}

/** Takes the carried file (it is then gone). */
export function takeCarriedInput(): string | null {
  const s = carried;
  carried = null;
  return s;
}

/** A refused generation carried back to the create form, to be fixed there. */
export type CarriedForm = {
  model: string;
  prompt: string;
  /** The settings it was sent with (kept files as `genqueue-input:` values). */
  settings: Record<string, unknown>;
  /** Replicate's problems by input name (`rejectedFields`). */
  problems: Record<string, string>;
};
let carriedForm: CarriedForm | null = null;

/** Carries a refused generation's settings and problems to the create page. */
export function carryForm(form: CarriedForm): void {
  carriedForm = form;
}

/** Takes the carried form (it is then gone). */
export function takeCarriedForm(): CarriedForm | null {
  const f = carriedForm;
  carriedForm = null;
  return f;
}
