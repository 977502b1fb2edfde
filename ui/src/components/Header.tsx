import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";
import { backend } from "../backend";
import { useApp } from "../context/AppContext";
import { useQueue, useQueueEta } from "../context/QueueContext";
import { formatEta } from "../lib/time";
import { LogoMark, PauseIcon, PlayIcon } from "./icons";
import { QueueCounter } from "./QueueCounter";
import { StoreStatus } from "./StoreStatus";

/** Pause (an icon button) while the queue runs; "Paused — resume" while it is paused. */
function PauseToggle() {
  const { t } = useTranslation();
  const { info, setInfo } = useApp();
  if (!info) return null;
  const set = (paused: boolean) => {
    (paused ? backend.pauseQueue() : backend.resumeQueue()).then(
      () => setInfo({ ...info, paused }),
      (error: unknown) => console.error(paused ? "pause_queue failed" : "resume_queue failed", error),
    );
  };
  if (info.paused) {
    return (
      <button type="button" className="pill pill-paused" onClick={() => set(false)} title={t("header.pausedTitle")} data-testid="resume-queue">
        <PlayIcon /> {t("header.paused")}
      </button>
    );
  }
  return (
    <button type="button" className="btn btn-icon btn-ghost header-pause" onClick={() => set(true)} aria-label={t("header.pause")} title={t("header.pauseTitle")} data-testid="pause-queue">
      <PauseIcon />
    </button>
  );
}

/** "~3m 20s" until the whole queue is done, beside the Queue link. */
function QueueEtaBadge() {
  const { t } = useTranslation();
  const { processing, queuedCount } = useQueue();
  const eta = useQueueEta();
  if (processing.length + queuedCount === 0 || eta.totalMs === null) return null;
  return (
    <span className="nav-eta" title={t("header.queueEta", { eta: formatEta(eta.totalMs) })} data-testid="header-eta">
      {formatEta(eta.totalMs)}
    </span>
  );
}

/** The window header: name, Demo badge, navigation, pause/resume and the ⟳ N counter. */
export function Header({ minimal = false }: { minimal?: boolean }) {
  const { t } = useTranslation();
  const { info } = useApp();
  return (
    <header className="header">
      <div className="brand">
        <LogoMark />
        <span className="brand-name">{t("app.name")}</span>
        {info?.demo && (
          <span className="badge badge-demo" title={t("app.demoTitle")}>
            {t("app.demo")}
          </span>
        )}
      </div>
      {!minimal && (
        <nav className="nav" aria-label={t("nav.label")}>
          <NavLink to="/" end>
            {t("nav.create")}
          </NavLink>
          <NavLink to="/queue">
            {t("nav.queue")}
            <QueueEtaBadge />
          </NavLink>
          <NavLink to="/history">{t("nav.history")}</NavLink>
          <NavLink to="/tokens">{t("nav.tokens")}</NavLink>
          <NavLink to="/spend">{t("nav.spend")}</NavLink>
          <NavLink to="/settings">{t("nav.settings")}</NavLink>
        </nav>
      )}
      <div className="header-end">
        <StoreStatus />
        {!minimal && <PauseToggle />}
        {minimal && info?.paused && <PauseToggle />}
        {!minimal && <QueueCounter />}
      </div>
    </header>
  );
}
