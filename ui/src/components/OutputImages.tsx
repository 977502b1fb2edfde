// The outputs of a generation, each shown as what it is: pictures as a grid
// (opened in the lightbox), videos and audio in players with controls, text
// and JSON as copyable text, other files by name; placeholders while running.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fileUrl } from "../backend";
import type { Generation } from "../bindings";
import { isActive } from "../lib/generation";
import { outputKey, outputKind, type OutputKind } from "../lib/outputs";
import { usePlayableUrl } from "../lib/playable";
import { formatBytes, useGrowingText, useOutputProgress, type OutputProgress } from "../lib/liveOutput";
import { CopyIcon, ImageIcon } from "./icons";
import { Lightbox } from "./Lightbox";
import { FileIcon } from "./mediaIcons";
import { ProgressBar } from "./ProgressBar";
import "../styles/media.css";

const EMPTY_TEXT = {
  completed: "outputs.noneCompleted",
  failed: "outputs.noneFailed",
  cancelled: "outputs.noneCancelled",
} as const;

const KIND_LABEL = {
  image: "outputs.kind.file",
  video: "outputs.kind.video",
  audio: "outputs.kind.audio",
  text: "outputs.kind.text",
  file: "outputs.kind.file",
} as const;

function expectedOutputs(g: Generation): number {
  const n = g.input.num_outputs ?? g.settings.num_outputs;
  return typeof n === "number" && n > 0 ? Math.min(n, 8) : 1;
}

/** A saved text or JSON output, read from its file; a Copy button. */
function TextOutput({ url, label }: { url: string; label: string }) {
  const { t } = useTranslation();
  const [text, setText] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let live = true;
    setText(null);
    setFailed(false);
    fetch(url)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((body) => live && setText(body))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [url]);
  return (
    <figure className="output-text" aria-label={label}>
      <div className="output-text-head">
        <figcaption className="small muted">{label}</figcaption>
        <button
          type="button"
          className="btn btn-link btn-sm"
          disabled={text === null}
          onClick={() => {
            if (text === null) return;
            void navigator.clipboard.writeText(text).then(() => setCopied(true));
          }}
        >
          <CopyIcon /> {copied ? t("outputs.copied") : t("outputs.copyText")}
        </button>
      </div>
      {failed ? <p className="field-error">{t("outputs.textUnreadable")}</p> : <pre className="output-text-body" data-testid="output-text">{text ?? "…"}</pre>}
    </figure>
  );
}

/** A video or audio output in a player with controls. */
function MediaOutput({ kind, url, label }: { kind: "video" | "audio"; url: string; label: string }) {
  // The player appears once its source is ready: a source set later would
  // abort a play() already asked for (WebKitGTK reads files through a blob).
  const src = usePlayableUrl(url);
  return (
    <figure className={`output-media output-${kind}`}>
      {src === null ? (
        <div className="output-media-loading" role="status" aria-label={label}>
          <span className="spinner" aria-hidden="true" />
        </div>
      ) : kind === "video" ? (
        <video src={src} controls playsInline preload="metadata" aria-label={label} data-testid="output-video" />
      ) : (
        <audio src={src} controls preload="metadata" aria-label={label} data-testid="output-audio" />
      )}
      <figcaption className="small muted">{label}</figcaption>
    </figure>
  );
}

/** An output file on its way to disk: which one, a bar, bytes so far. */
function Downloading({ progress }: { progress: OutputProgress }) {
  const { t, i18n } = useTranslation();
  const { index, received, total } = progress;
  const done = formatBytes(received, i18n.language);
  return (
    <div className="output-downloading" data-testid="output-downloading">
      <span className="muted">{t("media.downloading", { index: index + 1 })}</span>
      {total ? <ProgressBar value={(100 * received) / total} label={t("media.downloading", { index: index + 1 })} /> : null}
      <span className="small muted">{total ? t("media.downloadBytes", { done, total: formatBytes(total, i18n.language) }) : t("media.downloadSome", { done })}</span>
    </div>
  );
}

export function OutputImages({ generation, onSave }: { generation: Generation; onSave: (index: number) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  const files = generation.output_files;
  const download = useOutputProgress(generation.id);
  const growing = useGrowingText(generation.id);

  if (files.length === 0) {
    if (!isActive(generation.status)) {
      return (
        <div className="outputs-empty">
          <ImageIcon />
          <span>{t(generation.status in EMPTY_TEXT ? EMPTY_TEXT[generation.status as keyof typeof EMPTY_TEXT] : "outputs.none")}</span>
        </div>
      );
    }
    if (growing !== null) {
      // A language model writing: its text so far, growing as it streams.
      return (
        <figure className="output-text output-text-growing" aria-busy="true">
          <div className="output-text-head">
            <figcaption className="small muted">
              <span className="spinner" aria-hidden="true" /> {t("media.textGrowing")}
            </figcaption>
          </div>
          <pre className="output-text-body" data-testid="output-text-growing" aria-live="off">
            {growing}
            <span className="text-caret" aria-hidden="true" />
          </pre>
        </figure>
      );
    }
    return (
      <div className={`outputs outputs-${Math.min(expectedOutputs(generation), 4)}`}>
        {Array.from({ length: expectedOutputs(generation) }, (_, i) => (
          <div key={i} className="output-placeholder" aria-hidden={i > 0}>
            <span className="spinner spinner-lg" aria-hidden="true" />
            {i === 0 && download ? (
              <Downloading progress={download} />
            ) : (
              <>
                <span className="muted">{generation.status === "pending" ? t("outputs.waiting") : generation.progress !== null ? `${Math.round(generation.progress)}%` : t("outputs.generating")}</span>
                {i === 0 && <ProgressBar value={generation.progress} label={t("common.generationProgress")} />}
              </>
            )}
          </div>
        ))}
      </div>
    );
  }

  // Pictures keep their grid and lightbox; their index in the lightbox is among pictures only.
  const images = files.map((f, i) => ({ f, i })).filter(({ f }) => outputKind(f) === "image");
  const others = files.map((f, i) => ({ f, i })).filter(({ f }) => outputKind(f) !== "image");
  const imageUrls = images.map(({ f }) => fileUrl(f));
  const labelOf = (f: string, i: number, kind: OutputKind) => outputKey(f) ?? t(KIND_LABEL[kind], { n: i + 1 });

  return (
    <div className="outputs-all">
      {images.length > 0 && (
        <div className={`outputs outputs-${Math.min(images.length, 4)}`}>
          {images.map(({ f }, k) => (
            <button key={f} type="button" className="output" aria-label={t("outputs.open", { n: k + 1 })} onClick={() => setOpen(k)}>
              <img src={imageUrls[k]} alt={t("outputs.alt", { n: k + 1 })} loading="lazy" />
            </button>
          ))}
        </div>
      )}
      {others.map(({ f, i }) => {
        const kind = outputKind(f);
        const url = fileUrl(f);
        const label = labelOf(f, i, kind);
        if (kind === "video" || kind === "audio") return <MediaOutput key={f} kind={kind} url={url} label={label} />;
        if (kind === "text") return <TextOutput key={f} url={url} label={label} />;
        return (
          <div key={f} className="output-file">
            <FileIcon /> <span className="mono small">{f.split("/").pop()}</span>
            <button type="button" className="btn btn-sm" onClick={() => onSave(i)}>
              {t("result.saveAs")}
            </button>
          </div>
        );
      })}
      {open !== null && <Lightbox urls={imageUrls} index={open} onIndex={setOpen} onClose={() => setOpen(null)} onSave={(k) => onSave(images[k].i)} />}
    </div>
  );
}
