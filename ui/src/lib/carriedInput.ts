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
