// A file input of a model (schema `format: uri`, or an array of them): pick,
// drop or paste files, or carry one over from a result ("Use as input").
// The value is what create_generation sends for it (see core's
// submit/files.rs): `data:` URIs for bytes from the window, `@/path` for a
// saved output, `genqueue-input:…` for a file a generation already keeps,
// or a web address. A preview shows each file in order; each can be removed.
import { useRef, useState, type ClipboardEvent, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { fileUrl } from "../backend";
import type { InputField } from "../bindings";

/** Largest file Replicate's Files API takes (100 MiB). */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

type Props = {
  field: InputField;
  value: unknown;
  inputId: string;
  describedBy: string;
  onChange: (value: unknown) => void;
};

/** The files of a value, in order. */
export function filesOf(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v !== "");
  return [];
}

/** Whether a field takes files, and several. */
export function fileShape(field: InputField): "one" | "list" | null {
  if (field.kind.type === "string" && field.kind.format === "uri") return "one";
  if (field.kind.type === "files") return "list";
  return null;
}

/** Something an <img> can show for a file value. */
export function previewUrl(source: string): string | null {
  try {
    if (source.startsWith("data:") || /^https?:\/\//i.test(source)) return source;
    if (source.startsWith("genqueue-input:")) return fileUrl(`inputs/${source.slice("genqueue-input:".length)}`);
    if (source.startsWith("@")) return fileUrl(source.slice(1));
  } catch {
    return null;
  }
  return null;
}

function nameOf(source: string, pasted: string): string {
  if (source.startsWith("data:")) return pasted;
  const path = source.startsWith("@") ? source.slice(1) : source;
  return path.split(/[\\/:]/).pop() || path;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(file);
  });
}

export function FileField({ field, value, inputId, describedBy, onChange }: Props) {
  const { t } = useTranslation();
  const shape = fileShape(field) ?? "one";
  const files = filesOf(value);
  const picker = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const put = (next: string[]) => onChange(shape === "list" ? next : next[0] ?? null);

  const add = async (list: File[]) => {
    setProblem(null);
    const taken: string[] = [];
    for (const file of list) {
      if (file.size > MAX_FILE_BYTES) {
        setProblem(t("file.tooBig", { name: file.name }));
        continue;
      }
      if (file.type !== "" && !file.type.startsWith("image/")) {
        setProblem(t("file.notImage", { name: file.name }));
        continue;
      }
      try {
        taken.push(await readAsDataUrl(file));
      } catch {
        setProblem(t("file.unreadable", { name: file.name }));
      }
    }
    if (taken.length === 0) return;
    put(shape === "list" ? [...files, ...taken] : [taken[0]]);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void add([...e.dataTransfer.files]);
  };
  const onPaste = (e: ClipboardEvent) => {
    const pasted = [...e.clipboardData.files];
    if (pasted.length === 0) return;
    e.preventDefault();
    void add(pasted);
  };

  return (
    <div className="file-field" data-shape={shape}>
      {files.length > 0 && (
        <ol className="file-previews" aria-label={t("file.chosen")}>
          {files.map((f, i) => {
            const src = previewUrl(f);
            return (
              <li key={`${i}-${f.slice(0, 64)}`} className="file-preview">
                {src ? <img src={src} alt={nameOf(f, t("file.pasted"))} /> : <span className="file-preview-name">{nameOf(f, t("file.pasted"))}</span>}
                {shape === "list" && <span className="file-preview-index">{i + 1}</span>}
                <button
                  type="button"
                  className="file-remove"
                  aria-label={t("file.remove", { name: nameOf(f, t("file.pasted")) })}
                  onClick={() => put(files.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {(shape === "list" || files.length === 0) && (
        <div
          className={`file-drop${over ? " file-drop-over" : ""}`}
          tabIndex={0}
          role="button"
          aria-describedby={describedBy}
          data-testid={`drop-${field.name}`}
          onClick={() => picker.current?.click()}
          onKeyDown={(e) => {
            if (e.key === "Enter" || e.key === " ") {
              e.preventDefault();
              picker.current?.click();
            }
          }}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          onPaste={onPaste}
        >
          <span className="file-drop-main">{shape === "list" ? t("file.dropMany") : t("file.drop")}</span>
          <span className="file-drop-hint">{t("file.hint")}</span>
        </div>
      )}
      <input
        ref={picker}
        id={inputId}
        name={field.name}
        type="file"
        accept="image/*"
        multiple={shape === "list"}
        className="visually-hidden"
        onChange={(e) => {
          const list = [...(e.target.files ?? [])];
          e.target.value = "";
          void add(list);
        }}
      />
      {problem && (
        <span className="field-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
