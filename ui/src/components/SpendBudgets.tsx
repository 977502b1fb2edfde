// The Spend page's form: daily and monthly limits for the pool and per token,
// and the user's price lines (refused with the line and the reason).
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import type { SpendReport, TokenBudget } from "../bindings";
import { useApp } from "../context/AppContext";
import { parseUsd, usdInput } from "../lib/money";
import { ErrorNotice } from "./ErrorNotice";

type Limits = Record<string, { daily: string; monthly: string }>;

function limitsOf(budgets: TokenBudget[]): Limits {
  const out: Limits = {};
  for (const b of budgets) out[b.token_id] = { daily: usdInput(b.daily), monthly: usdInput(b.monthly) };
  return out;
}

export function SpendBudgets({ report, onSaved }: { report: SpendReport; onSaved: () => void }) {
  const { t } = useTranslation();
  const { tokens } = useApp();
  const s = report.settings;
  const [daily, setDaily] = useState(usdInput(s.daily_limit));
  const [monthly, setMonthly] = useState(usdInput(s.monthly_limit));
  const [perToken, setPerToken] = useState<Limits>(limitsOf(s.token_limits));
  const [prices, setPrices] = useState(s.prices);
  const [bad, setBad] = useState<string[]>([]);
  const [error, setError] = useState<BackendError | null>(null);
  const [saved, setSaved] = useState(false);
  const [shipped, setShipped] = useState<string | null>(null);

  useEffect(() => {
    setDaily(usdInput(s.daily_limit));
    setMonthly(usdInput(s.monthly_limit));
    setPerToken(limitsOf(s.token_limits));
    setPrices(s.prices);
  }, [s]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    const wrong: string[] = [];
    const read = (key: string, text: string) => {
      const v = parseUsd(text);
      if (v === undefined) wrong.push(key);
      return v ?? null;
    };
    const next = {
      ...s,
      daily_limit: read("daily", daily),
      monthly_limit: read("monthly", monthly),
      token_limits: tokens
        .map((tok) => ({ token_id: tok.id, daily: read(`daily-${tok.id}`, perToken[tok.id]?.daily ?? ""), monthly: read(`monthly-${tok.id}`, perToken[tok.id]?.monthly ?? "") }))
        .filter((b) => b.daily !== null || b.monthly !== null),
      prices,
    };
    setBad(wrong);
    if (wrong.length > 0) return;
    try {
      await backend.setSpendSettings(next);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(toBackendError(err));
    }
  };

  const limitInput = (id: string, label: string, value: string, set: (v: string) => void) => (
    <div className={`field spend-limit${bad.includes(id) ? " field-invalid" : ""}`}>
      <label htmlFor={`limit-${id}`} className="field-label">
        {label}
      </label>
      <span className="spend-dollar">
        $<input id={`limit-${id}`} className="input input-number" inputMode="decimal" placeholder={t("spend.none")} value={value} onChange={(e) => set(e.target.value)} />
      </span>
      {bad.includes(id) && <span className="field-error small">{t("spend.badAmount")}</span>}
    </div>
  );

  return (
    <form className="card spend-budgets" onSubmit={save} noValidate aria-label={t("spend.budgets")}>
      <h2>{t("spend.budgets")}</h2>
      <p className="field-help">{t("spend.budgetsHelp")}</p>
      <p className="field-help" data-testid="spend-zone">
        {report.time_zone ? t("spend.zone", { zone: report.time_zone }) : t("spend.zoneLocal")}
      </p>
      <div className="spend-limits">
        {limitInput("daily", t("spend.dailyLimit"), daily, setDaily)}
        {limitInput("monthly", t("spend.monthlyLimit"), monthly, setMonthly)}
      </div>
      {tokens.length > 0 && (
        <table className="spend-table spend-token-limits">
          <thead>
            <tr>
              <th scope="col">{t("spend.token")}</th>
              <th scope="col">{t("spend.dailyLimit")}</th>
              <th scope="col">{t("spend.monthlyLimit")}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((tok) => {
              const cur = perToken[tok.id] ?? { daily: "", monthly: "" };
              const set = (k: "daily" | "monthly") => (v: string) => setPerToken({ ...perToken, [tok.id]: { ...cur, [k]: v } });
              return (
                <tr key={tok.id}>
                  <th scope="row">{tok.label}</th>
                  <td>{limitInput(`daily-${tok.id}`, t("spend.dailyOf", { label: tok.label }), cur.daily, set("daily"))}</td>
                  <td>{limitInput(`monthly-${tok.id}`, t("spend.monthlyOf", { label: tok.label }), cur.monthly, set("monthly"))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="field">
        <label htmlFor="price-lines" className="field-label">
          {t("spend.prices")}
        </label>
        <textarea id="price-lines" className="input input-mono spend-prices" rows={4} spellCheck={false} placeholder="black-forest-labs/flux-schnell 0.003 per image" value={prices} onChange={(e) => setPrices(e.target.value)} />
        <p className="field-help">{t("spend.pricesHelp")}</p>
        <details
          onToggle={(e) => {
            if ((e.target as HTMLDetailsElement).open && shipped === null) backend.shippedPrices().then(setShipped, () => setShipped(""));
          }}
        >
          <summary>{t("spend.shipped", { date: report.prices_checked ?? "—" })}</summary>
          <pre className="spend-shipped">{shipped ?? "…"}</pre>
        </details>
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <div className="settings-save">
        <button type="submit" className="btn btn-primary">
          {t("spend.save")}
        </button>
        <span role="status" className="muted small">
          {saved ? t("spend.saved") : ""}
        </span>
      </div>
    </form>
  );
}
