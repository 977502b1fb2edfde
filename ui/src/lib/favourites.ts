// Favourite models, kept in the window's local storage (this machine, this
// window): a list of owner/name[:version], most recently starred first.

const KEY = "genqueue.favouriteModels";

export function favouriteModels(): string[] {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "[]") as unknown;
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Stars or unstars `model`; answers the new list. */
export function toggleFavourite(model: string): string[] {
  const now = favouriteModels();
  const next = now.includes(model) ? now.filter((m) => m !== model) : [model, ...now].slice(0, 50);
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the star holds for this session only.
  }
  return next;
}
