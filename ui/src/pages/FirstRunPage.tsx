// First run (no tokens yet): what a Replicate API token is, where to get one,
// a form to paste it, and the offline demo.
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import { AddTokenForm } from "../components/AddTokenForm";
import { ErrorNotice } from "../components/ErrorNotice";
import { ExternalIcon } from "../components/icons";
import { useApp } from "../context/AppContext";
import "../styles/pages/first-run.css";

export const TOKENS_URL = "https://replicate.com/account/api-tokens";

export function FirstRunPage() {
  const { t } = useTranslation();
  const { setInfo, reloadTokens } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  const startDemo = async () => {
    setBusy(true);
    setError(null);
    try {
      const info = await backend.startDemo();
      await reloadTokens();
      setInfo(info);
    } catch (e) {
      setError(toBackendError(e));
      setBusy(false);
    }
  };

  return (
    <div className="page page-first-run">
      <div className="welcome card">
        <h1>{t("firstRun.title")}</h1>
        <p className="lede">{t("firstRun.lede")}</p>
        <h2>{t("firstRun.connect")}</h2>
        <p>
          <Trans i18nKey="firstRun.explain" components={{ b: <strong /> }} />
        </p>
        <ol className="steps">
          <li>
            <Trans
              i18nKey="firstRun.step1"
              components={{
                site: (
                  <a
                    href={TOKENS_URL}
                    target="_blank"
                    rel="noreferrer"
                    onClick={(e) => {
                      e.preventDefault();
                      backend.openExternal(TOKENS_URL).catch(() => window.open(TOKENS_URL, "_blank", "noopener"));
                    }}
                  />
                ),
                icon: <ExternalIcon />,
              }}
            />
          </li>
          <li>{t("firstRun.step2")}</li>
          <li>{t("firstRun.step3")}</li>
        </ol>
        <AddTokenForm compact />
        <div className="divider">
          <span>{t("firstRun.or")}</span>
        </div>
        <div className="demo-offer">
          <div>
            <h2>{t("firstRun.looking")}</h2>
            <p className="muted">{t("firstRun.demoExplain")}</p>
          </div>
          <button type="button" className="btn" disabled={busy} onClick={() => void startDemo()}>
            {busy ? t("firstRun.starting") : t("firstRun.tryDemo")}
          </button>
        </div>
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
      </div>
    </div>
  );
}
