// The facts beside a result: status, times, model, settings.
import type { ErrorKind, Generation } from "../bindings";
import { isActive, STATUS_LABEL } from "../lib/generation";
import { showValue } from "../lib/schemaValues";
import { formatDateTime, formatDuration, runningMs, useNow } from "../lib/time";
import { ProgressBar } from "./ProgressBar";
import { StatusIcon } from "./StatusIcon";

export const ERROR_KIND_LABEL: Record<ErrorKind, string> = {
  input_rejected: "Replicate rejected the input",
  model_failed: "The model failed",
  aborted: "Aborted before it started",
  retries_exhausted: "Gave up after repeated errors",
  outputs_expired: "The images expired on Replicate before they were saved",
  download_failed: "Saving the images failed",
  no_token: "No usable token",
  other: "Failed",
};

export function StatusPanel({ generation: g }: { generation: Generation }) {
  const now = useNow(1000, isActive(g.status));
  const running = runningMs(g, now);
  return (
    <div className={`status-panel status-panel-${g.status}`} data-testid="status-panel">
      <div className="status-line">
        <StatusIcon status={g.status} />
        <strong>{STATUS_LABEL[g.status]}</strong>
        {g.status === "processing" && g.progress !== null && <span className="muted">{Math.round(g.progress)}%</span>}
        {g.replicate_status && g.replicate_status !== g.status && <span className="muted small">Replicate: {g.replicate_status}</span>}
      </div>
      {isActive(g.status) && <ProgressBar value={g.progress} label="Generation progress" />}
      {g.status === "pending" && g.wait_reason && <p className="small muted">{g.wait_reason}</p>}
      {g.status === "failed" && (
        <div className="failure" role="alert">
          <strong>{ERROR_KIND_LABEL[g.error_kind ?? "other"]}</strong>
          {g.error && <p>{g.error}</p>}
        </div>
      )}
      {running !== null && isActive(g.status) && <p className="small muted">Running for {formatDuration(running)}</p>}
    </div>
  );
}

export function TimesList({ generation: g }: { generation: Generation }) {
  const now = useNow(1000, isActive(g.status));
  const running = runningMs(g, now);
  return (
    <dl className="facts">
      <dt>Queued</dt>
      <dd>{formatDateTime(g.created_at)}</dd>
      <dt>Started</dt>
      <dd>{formatDateTime(g.started_at)}</dd>
      <dt>Finished</dt>
      <dd>{formatDateTime(g.completed_at)}</dd>
      <dt>Running time</dt>
      <dd>{running === null ? "—" : formatDuration(running)}</dd>
      {g.attempts > 1 && (
        <>
          <dt>Attempts</dt>
          <dd>{g.attempts}</dd>
        </>
      )}
    </dl>
  );
}

export function SettingsList({ generation: g }: { generation: Generation }) {
  const source = Object.keys(g.settings).length > 0 ? g.settings : g.input;
  const entries = Object.entries(source).filter(([k]) => k !== "prompt");
  if (entries.length === 0) return <p className="muted small">Model defaults.</p>;
  return (
    <dl className="facts">
      {entries.map(([k, v]) => (
        <div key={k} className="fact-row">
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd className="mono">{showValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
