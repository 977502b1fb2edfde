// The facts beside a result: status, times, model, settings.
import { useTranslation } from "react-i18next";
import type { Generation } from "../bindings";
import { useApp } from "../context/AppContext";
import { useQueueEta } from "../context/QueueContext";
import { failureParts } from "../lib/failure";
import { isActive } from "../lib/generation";
import { showValue } from "../lib/schemaValues";
import { formatDateTime, formatDuration, formatEta, runningMs, useNow } from "../lib/time";
import { formatWait } from "../lib/wait";
import { ProgressBar } from "./ProgressBar";
import { previewUrl } from "./FileField";
import "../styles/files.css";
import { StatusIcon } from "./StatusIcon";

/** "About 12s left", "Starts in about 40s…", or why it waits. */
export function EtaLine({ generation: g }: { generation: { id: string; status: Generation["status"] } }) {
  const { t } = useTranslation();
  const { info } = useApp();
  const eta = useQueueEta({ each: g.status === "pending" }).byId.get(g.id);
  if (g.status === "pending" && info?.paused) return <p className="small muted eta">{t("result.etaPaused")}</p>;
  if (!eta || !isActive(g.status)) return null;
  return (
    <p className="small muted eta" data-testid="eta">
      {g.status === "processing" ? t("result.eta", { d: formatEta(eta.doneIn) }) : t("result.etaPending", { d: formatEta(eta.startsIn), done: formatEta(eta.doneIn) })}
    </p>
  );
}

export function StatusPanel({ generation: g }: { generation: Generation }) {
  const { t } = useTranslation();
  const now = useNow(1000, isActive(g.status));
  const running = runningMs(g, now);
  const failure = failureParts(g);
  return (
    <div className={`status-panel status-panel-${g.status}`} data-testid="status-panel">
      <div className="status-line">
        <StatusIcon status={g.status} />
        <strong>{t(`status.${g.status}`)}</strong>
        {g.status === "processing" && g.progress !== null && <span className="muted">{Math.round(g.progress)}%</span>}
        {g.replicate_status && g.replicate_status !== g.status && <span className="muted small">{t("result.replicate", { status: g.replicate_status })}</span>}
      </div>
      {isActive(g.status) && <ProgressBar value={g.progress} label={t("common.generationProgress")} />}
      {g.status === "pending" && g.wait_reason && <p className="small muted" data-testid="wait-reason">{formatWait(g.wait_reason)}</p>}
      {g.status === "failed" && (
        <div className="failure" role="alert">
          <strong>{failure.heading}</strong>
          {failure.detail && <p>{failure.detail}</p>}
        </div>
      )}
      {running !== null && isActive(g.status) && <p className="small muted">{t("result.runningFor", { d: formatDuration(running) })}</p>}
      <EtaLine generation={g} />
    </div>
  );
}

export function TimesList({ generation: g }: { generation: Generation }) {
  const { t } = useTranslation();
  const now = useNow(1000, isActive(g.status));
  const running = runningMs(g, now);
  return (
    <dl className="facts">
      <dt>{t("result.queued")}</dt>
      <dd>{formatDateTime(g.created_at)}</dd>
      <dt>{t("result.started")}</dt>
      <dd>{formatDateTime(g.started_at)}</dd>
      <dt>{t("result.finished")}</dt>
      <dd>{formatDateTime(g.completed_at)}</dd>
      <dt>{t("result.runningTime")}</dt>
      <dd>{running === null ? "—" : formatDuration(running)}</dd>
      {g.attempts > 1 && (
        <>
          <dt>{t("result.attempts")}</dt>
          <dd>{g.attempts}</dd>
        </>
      )}
    </dl>
  );
}

/** The input files a value names (`genqueue-input:…`, `data:…`), or null when it names none. */
function keptFiles(v: unknown): string[] | null {
  const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
  const files = list.filter((s) => s.startsWith("genqueue-input:") || s.startsWith("data:"));
  return files.length > 0 && files.length === list.length ? files : null;
}

/** The input pictures a generation keeps, in order. */
function InputThumbs({ files }: { files: string[] }) {
  return (
    <span className="input-thumbs">
      {files.map((f, i) => {
        const src = previewUrl(f);
        return src ? <img key={i} src={src} alt="" className="input-thumb" /> : <span key={i}>{f}</span>;
      })}
    </span>
  );
}

/** `problems`: Replicate's refusal by input name, shown under that setting. */
export function SettingsList({ generation: g, problems = {} }: { generation: Generation; problems?: Record<string, string> }) {
  const { t } = useTranslation();
  const source = Object.keys(g.settings).length > 0 ? g.settings : g.input;
  const entries = Object.entries(source).filter(([k]) => k !== "prompt");
  if (entries.length === 0) return <p className="muted small">{t("result.modelDefaults")}</p>;
  return (
    <dl className="facts">
      {entries.map(([k, v]) => (
        <div key={k} className="fact-row">
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd className="mono">{keptFiles(v) ? <InputThumbs files={keptFiles(v) ?? []} /> : showValue(v)}</dd>
          {problems[k] && (
            <dd className="fact-problem field-error" data-problem={k}>
              {problems[k]}
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}
