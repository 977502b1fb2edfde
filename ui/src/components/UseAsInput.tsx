// "Use as input": a saved picture carried to the create form, where it fills
// the first file field of the chosen model (lib/carriedInput.ts). The same
// action on the result page, history rows and the dropdown.
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { dataPath } from "../backend";
import { carryInput } from "../lib/carriedInput";
import { outputKind } from "../lib/outputs";
import "../styles/files.css";

/** The output that "Use as input" carries: the first picture (file fields take images), or null. */
export function inputSource(files: string[]): string | null {
  return files.find((f) => outputKind(f) === "image") ?? null;
}

/** An arrow entering a frame: "feed this into a model". */
export const UseAsInputIcon = () => (
  <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    <path d="M14 3h5a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-5" />
    <path d="m9 7 5 5-5 5" />
    <path d="M14 12H3" />
  </svg>
);

/**
 * The action for a generation's outputs; nothing when none is a picture.
 * `compact`: an icon button (lists), labelled for screen readers and by its tooltip.
 */
export function UseAsInputButton({ files, compact = false, onCarried }: { files: string[]; compact?: boolean; onCarried?: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const source = inputSource(files);
  if (!source) return null;
  const label = t("file.useAsInput");
  return (
    <button
      type="button"
      className={compact ? "btn btn-icon btn-ghost use-as-input-compact" : "btn"}
      data-testid="use-as-input"
      aria-label={compact ? label : undefined}
      title={compact ? label : undefined}
      onClick={(e) => {
        e.stopPropagation();
        carryInput(`@${dataPath(source)}`);
        onCarried?.();
        navigate("/");
      }}
    >
      <UseAsInputIcon />
      {!compact && ` ${label}`}
    </button>
  );
}
