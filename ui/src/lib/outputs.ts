// What a saved output file is, from its name. The Rust side names files
// `<n>.<ext>` or `<n>-<key>.<ext>` (a file under an object key of the
// output), `text.txt` and `output.json`, the extension read from the bytes
// (crates/core/src/engine/sniff.rs); this maps those extensions to how the
// window shows them.

export type OutputKind = "image" | "video" | "audio" | "text" | "file";

const KINDS: Record<string, OutputKind> = {
  png: "image",
  jpg: "image",
  webp: "image",
  gif: "image",
  avif: "image",
  heic: "image",
  mp4: "video",
  mov: "video",
  webm: "video",
  mkv: "video",
  avi: "video",
  wav: "audio",
  mp3: "audio",
  aac: "audio",
  m4a: "audio",
  ogg: "audio",
  flac: "audio",
  txt: "text",
  json: "text",
};

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The extension of a saved output path, lowercase ("" when none). */
export function outputExtension(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** How the window shows a saved output. */
export function outputKind(path: string): OutputKind {
  return KINDS[outputExtension(path)] ?? "file";
}

/** The object key a file was saved under (`2-video.webm` → "video"), or null. */
export function outputKey(path: string): string | null {
  const m = /^\d+-(.+)\.[^.]+$/.exec(baseName(path));
  return m ? m[1] : null;
}

/** The kind that names a generation: the first file's, text when it has only text. */
export function mainKind(files: string[]): OutputKind | null {
  if (files.length === 0) return null;
  const media = files.find((f) => outputKind(f) !== "text");
  return outputKind(media ?? files[0]);
}

/** The file that stands for a generation in lists: the first picture or video, else the first file. */
export function thumbFile(files: string[]): string | null {
  return files.find((f) => outputKind(f) === "image" || outputKind(f) === "video") ?? files[0] ?? null;
}
