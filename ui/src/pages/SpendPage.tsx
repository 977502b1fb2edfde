// Spend /spend: what the queue cost today, this month and over a range, per
// day (chart), model and token; the budgets that hold the queue, and the
// price table. Money is USD in micro-dollars from the core; unknown is never $0.
import { Component, lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { SpendLine, SpendReport } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { SpendBudgets } from "../components/SpendBudgets";
import { formatUsd } from "../lib/money";
import { formatWait } from "../lib/wait";
import "../styles/pages/spend.css";

// uPlot (about 50 kB) loads with the first visit to this page, not with the app.
const SpendChart = lazy(() => import("../components/SpendChart").then((m) => ({ default: m.SpendChart })));

type Range = "month" | "30d" | "year";

/** If the chart cannot load or draw, the page stays (the figures are in the tables). */
class ChartGuard extends Component<{ children: ReactNode; fallback: string }, { failed: string | null }> {
  state = { failed: null as string | null };
  static getDerivedStateFromError(error: unknown) {
    return { failed: String(error) };
  }
  componentDidCatch(error: unknown) {
    console.warn("the spend chart failed", error);
  }
  render() {
    if (this.state.failed === null) return this.props.children;
    return (
      <p className="muted small" data-testid="chart-failed" data-error={this.state.failed}>
        {this.props.fallback}
      </p>
    );
  }
}

/** `[from, to)` of a range as RFC 3339, in local days. */
function rangeOf(r: Range, now = new Date()): { from: string | null; to: string | null } {
  const day = (y: number, m: number, d: number) => new Date(y, m, d).toISOString();
  const [y, m, d] = [now.getFullYear(), now.getMonth(), now.getDate()];
  if (r === "30d") return { from: day(y, m, d - 29), to: day(y, m, d + 1) };
  if (r === "year") return { from: day(y, 0, 1), to: day(y + 1, 0, 1) };
  return { from: null, to: null };
}

function Lines({ title, lines, name }: { title: string; lines: SpendLine[]; name: (l: SpendLine) => string }) {
  const { t } = useTranslation();
  return (
    <section className="card spend-lines" aria-label={title}>
      <h2>{title}</h2>
      {lines.length === 0 ? (
        <p className="muted small">{t("spend.nothingYet")}</p>
      ) : (
        <table className="spend-table">
          <tbody>
            {lines.map((l) => (
              <tr key={l.key}>
                <th scope="row">{name(l)}</th>
                <td className="num">{formatUsd(l.spent)}</td>
                <td className="num muted">
                  {t("spend.generations", { count: Number(l.generations) })}
                  {l.unknown > 0 && <span className="spend-unknown"> · {t("spend.unknownCount", { count: Number(l.unknown) })}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Meter({ label, spent, limit }: { label: string; spent: number; limit: number | null }) {
  const { t } = useTranslation();
  const share = limit ? Math.min(1, spent / limit) : 0;
  return (
    <div className={`spend-meter${limit !== null && spent >= limit ? " spend-meter-full" : ""}`}>
      <span className="field-label">{label}</span>
      <strong className="spend-big">{formatUsd(spent)}</strong>
      <span className="muted small">{limit === null ? t("spend.noLimit") : t("spend.ofLimit", { limit: formatUsd(limit) })}</span>
      {limit !== null && (
        <div className="spend-bar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={spent}>
          <div style={{ width: `${share * 100}%` }} />
        </div>
      )}
    </div>
  );
}

export function SpendPage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>("month");
  const [report, setReport] = useState<SpendReport | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  const load = useCallback(() => {
    const { from, to } = rangeOf(range);
    backend.spendReport(from, to).then(setReport, (e: unknown) => setError(toBackendError(e)));
  }, [range]);
  useEffect(load, [load]);
  // Reload when a generation ends, one is held or the budgets change (a burst: once).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = onQueueEvent((ev) => {
      const held = ev.type === "generation_changed" && ev.data.wait_reason?.code.endsWith("budget") === true;
      if (ev.type !== "generation_ended" && ev.type !== "spend_changed" && !held && !(ev.type === "generation_changed" && ev.data.wait_reason?.code === "token_budgets")) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [load]);

  if (!report) {
    return (
      <div className="page page-spend" aria-busy="true">
        <ErrorNotice error={error} />
      </div>
    );
  }
  const s = report.settings;
  const lastDay = new Date(Date.parse(report.to) - 1000);
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return (
    <div className="page page-spend">
      <div className="page-head">
        <h1>{t("spend.title")}</h1>
        <p className="lede">{t("spend.lede")}</p>
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {report.held && (
        <p className="notice spend-held" role="status">
          {t("spend.held", { reason: formatWait(report.held), count: Number(report.waiting) })}
        </p>
      )}
      <section className="card spend-summary" aria-label={t("spend.summary")}>
        <Meter label={t("spend.today")} spent={report.today} limit={s.daily_limit} />
        <Meter label={t("spend.thisMonth")} spent={report.this_month} limit={s.monthly_limit} />
        <div className="spend-meter">
          <span className="field-label">{t("spend.active")}</span>
          <strong className="spend-big">{t("spend.about", { amount: formatUsd(report.active.estimate) })}</strong>
          <span className="muted small">
            {t("spend.generations", { count: Number(report.active.generations) })}
            {report.active.unknown > 0 && ` · ${t("spend.unknownCount", { count: Number(report.active.unknown) })}`}
          </span>
        </div>
      </section>
      <section className="card spend-chart-card" aria-label={t("spend.byDay")}>
        <div className="spend-chart-head">
          <h2>{t("spend.byDay")}</h2>
          <select className="input" aria-label={t("spend.range")} value={range} onChange={(e) => setRange(e.target.value as Range)}>
            <option value="month">{t("spend.rangeMonth")}</option>
            <option value="30d">{t("spend.range30")}</option>
            <option value="year">{t("spend.rangeYear")}</option>
          </select>
        </div>
        <p className="spend-total">
          {t("spend.total", { amount: formatUsd(report.total.spent), count: Number(report.total.generations) })}
          {report.total.unknown > 0 && <span className="spend-unknown"> · {t("spend.unknownCount", { count: Number(report.total.unknown) })}</span>}
        </p>
        <ChartGuard fallback={t("spend.chartFailed")}>
          <Suspense fallback={<div className="spend-chart" />}>
            <SpendChart days={report.by_day} from={iso(new Date(report.from))} to={iso(lastDay)} label={t("spend.byDay")} />
          </Suspense>
        </ChartGuard>
      </section>
      <div className="spend-grid">
        <Lines title={t("spend.byModel")} lines={report.by_model} name={(l) => l.key} />
        <Lines title={t("spend.byToken")} lines={report.by_token} name={(l) => l.label ?? l.key} />
        <Lines title={t("spend.byMonth")} lines={report.by_month} name={(l) => l.key} />
      </div>
      <SpendBudgets report={report} onSaved={load} />
      <p className="muted small spend-source">
        {t("spend.source", { source: report.prices_source ?? "—", date: report.prices_checked ?? "—" })}
      </p>
    </div>
  );
}
