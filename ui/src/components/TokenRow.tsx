// One token: label, fingerprint, state and figures; enable/disable, check, remove.
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Token } from "../bindings";
import { useApp } from "../context/AppContext";
import { formatAgo, formatDuration, formatNumber, useNow } from "../lib/time";

type TokenState = "disabled" | "off" | "cooling" | "active";
const TONE: Record<TokenState, "ok" | "warn" | "bad" | "off"> = { disabled: "bad", off: "off", cooling: "warn", active: "ok" };

function stateOf(t: Token, now: number): TokenState {
  if (!t.active) return t.disabled_reason ? "disabled" : "off";
  if (t.cooldown_until && Date.parse(t.cooldown_until) > now) return "cooling";
  return "active";
}

/**
 * `here`: whether this machine's keyring holds the token's secret (a team member's token may not be).
 * `onForgotten`: its secret just left this machine's keyring (the page asks again which tokens are here).
 */
export function TokenRow({ token: t, here = true, onForgotten }: { token: Token; here?: boolean; onForgotten?: () => void }) {
  const { t: tr } = useTranslation();
  const { upsertToken, dropToken, info } = useApp();
  // On a team's database the row is the team's: removing it removes it for everyone, so forgetting it here is offered first.
  const team = (info?.own_member ?? null) !== null;
  const cooling = t.cooldown_until !== null && Date.parse(t.cooldown_until) > Date.now();
  const now = useNow(1000, cooling);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const state = stateOf(t, now);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="token" data-token={t.id}>
      <div className="token-head">
        <div className="token-name">
          <strong>{t.label}</strong>
          <span className="mono muted small" title={tr("tokens.lastChars")}>
            ••••{t.fingerprint}
          </span>
          <span className={`badge badge-${TONE[state]}`} data-state={state}>
            {tr(`tokens.${state}`)}
          </span>
          {!here && (
            <span className="badge badge-warn" data-here="no">
              {tr("tokens.notHere")}
            </span>
          )}
        </div>
        <div className="token-actions">
          <label className="switch" title={t.active ? tr("tokens.stop") : tr("tokens.useAgain")}>
            <input
              type="checkbox"
              role="switch"
              aria-label={tr("tokens.use", { label: t.label })}
              checked={t.active}
              disabled={busy}
              onChange={(e) => act(async () => upsertToken(await backend.setTokenEnabled(t.id, e.target.checked)))}
            />
            <span className="switch-track" aria-hidden="true" />
          </label>
          {/* Checking needs the secret: not for a team member's token this machine lacks. */}
          {here && (
            <button
              type="button"
              className="btn btn-sm"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  const answer = await backend.revalidateToken(t.id);
                  upsertToken(answer.token);
                  setAccount(answer.account.username);
                })
              }
            >
              {tr("tokens.check")}
            </button>
          )}
          {confirming ? (
            <>
              {team && here && (
                <button
                  type="button"
                  className="btn btn-sm"
                  disabled={busy}
                  onClick={() =>
                    act(async () => {
                      upsertToken(await backend.forgetTokenHere(t.id));
                      setConfirming(false);
                      onForgotten?.();
                    })
                  }
                >
                  {tr("tokens.forgetHere")}
                </button>
              )}
              <button type="button" className="btn btn-danger btn-sm" disabled={busy} onClick={() => act(async () => { await backend.removeToken(t.id); dropToken(t.id); })}>
                {tr(team ? "tokens.removeTeam" : "tokens.remove")}
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirming(false)}>
                {tr("common.keep")}
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-ghost btn-sm" aria-label={tr("tokens.removeAsk", { label: t.label })} onClick={() => setConfirming(true)}>
              {tr("tokens.removeBtn")}
            </button>
          )}
        </div>
      </div>
      {!here && <p className="token-reason token-reason-warn small">{tr("tokens.notHereHelp")}</p>}
      {confirming && <p className="small token-confirm">{tr(!team ? "tokens.removeConfirm" : here ? "tokens.removeTeamConfirm" : "tokens.removeTeamOnly", { label: t.label })}</p>}
      {!t.active && t.disabled_reason && <p className="token-reason small">{t.disabled_reason}</p>}
      {state === "cooling" && t.cooldown_until && (
        <p className="token-reason token-reason-warn small">{tr("tokens.rateLimited", { d: formatDuration(Date.parse(t.cooldown_until) - now) })}</p>
      )}
      <dl className="token-figures">
        <div><dt>{tr("tokens.requests")}</dt><dd>{formatNumber(t.request_count)}</dd></div>
        <div><dt>{tr("tokens.errors")}</dt><dd>{formatNumber(t.error_count)}</dd></div>
        <div><dt>{tr("tokens.rateLimitedCount")}</dt><dd>{formatNumber(t.rate_limited_count)}</dd></div>
        <div><dt>{tr("tokens.running")}</dt><dd>{t.in_flight} / {t.max_concurrency}</dd></div>
        <div><dt>{tr("tokens.lastUsed")}</dt><dd>{formatAgo(t.last_used_at, now)}</dd></div>
      </dl>
      {account && (
        <p className="small muted">
          <Trans i18nKey="tokens.valid" values={{ user: account }} components={{ b: <strong /> }} />
        </p>
      )}
      {error && <p className="field-error small" role="alert" data-code={error.code}>{error.message}</p>}
    </li>
  );
}
