// Settings /settings: theme and language (applied at once), notifications,
// the queue (start paused after a crash, each token's concurrency), storage
// (output folder, history retention), the API base URL, and Telegram
// (components/TelegramSection.tsx), the team queue (components/TeamSection.tsx).
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Token } from "../bindings";
import type { LanguageChoice, NotifyMode, Settings, ThemeChoice } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { TeamSection } from "../components/TeamSection";
import { TelegramSection } from "../components/TelegramSection";
import { useApp } from "../context/AppContext";
import { useSettings } from "../context/SettingsContext";
import { resolveLanguage } from "../i18n";
import "../styles/pages/settings.css";

function Choice<T extends string>({ name, legend, value, options, onChange }: { name: string; legend: string; value: T; options: [T, string][]; onChange: (v: T) => void }) {
  return (
    <fieldset className="choice">
      <legend className="field-label">{legend}</legend>
      <div className="choice-options">
        {options.map(([v, label]) => (
          <label key={v} className="radio">
            <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} />
            <span>{label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `settings-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section className="card settings-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function TokenConcurrency({ token }: { token: Token }) {
  const { t } = useTranslation();
  const { upsertToken } = useApp();
  const [value, setValue] = useState(String(token.max_concurrency));
  const [error, setError] = useState<BackendError | null>(null);
  useEffect(() => setValue(String(token.max_concurrency)), [token.max_concurrency]);
  const save = async (raw: string) => {
    const n = Math.round(Number(raw));
    if (!Number.isFinite(n) || n < 1 || n > 16 || n === token.max_concurrency) {
      setValue(String(token.max_concurrency));
      return;
    }
    setError(null);
    try {
      upsertToken(await backend.setTokenConcurrency(token.id, n));
    } catch (e) {
      setError(toBackendError(e));
      setValue(String(token.max_concurrency));
    }
  };
  const id = `concurrency-${token.id}`;
  return (
    <li className="concurrency-row">
      <label htmlFor={id}>
        <strong>{token.label}</strong> <span className="mono muted small">••••{token.fingerprint}</span>
      </label>
      <input
        id={id}
        className="input input-number"
        type="number"
        min={1}
        max={16}
        aria-label={t("settings.concurrencyOf", { label: token.label })}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          // The stepper arrows and the keyboard's up/down save at once; typing saves on blur.
          if ((e.nativeEvent as InputEvent).inputType === undefined) void save(e.target.value);
        }}
        onBlur={(e) => void save(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && void save(e.currentTarget.value)}
      />
      {error && <span className="field-error small">{error.message}</span>}
    </li>
  );
}

/** The time-to-start deadline in minutes (1–1440), saved on blur or Enter. */
function StartDeadline({ minutes, onSave }: { minutes: number; onSave: (minutes: number) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState(String(minutes));
  useEffect(() => setValue(String(minutes)), [minutes]);
  const save = (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 1440) {
      setValue(String(minutes));
      return;
    }
    if (n !== minutes) onSave(n);
  };
  return (
    <div className="field">
      <label htmlFor="start-deadline" className="field-label">
        {t("settings.startDeadline")}
      </label>
      <input
        id="start-deadline"
        className="input input-number"
        type="number"
        min={1}
        max={1440}
        value={value}
        aria-describedby="start-deadline-help"
        onChange={(e) => setValue(e.target.value)}
        onBlur={(e) => save(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && save(e.currentTarget.value)}
      />
      <p id="start-deadline-help" className="field-help">
        {t("settings.startDeadlineHelp")}
      </p>
    </div>
  );
}

export function SettingsPage() {
  const { t } = useTranslation();
  const { settings, update, error: saveError } = useSettings();
  const { tokens, info } = useApp();
  const [folder, setFolder] = useState(settings.output_folder ?? "");
  const [apiBase, setApiBase] = useState(settings.api_base ?? "");
  const [days, setDays] = useState(settings.retention_days === null ? "" : String(settings.retention_days));
  const [keepForever, setKeepForever] = useState(settings.retention_days === null);
  const [problems, setProblems] = useState<{ apiBase?: string; days?: string }>({});
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  useEffect(() => {
    setFolder(settings.output_folder ?? "");
    setApiBase(settings.api_base ?? "");
    setDays(settings.retention_days === null ? "" : String(settings.retention_days));
    setKeepForever(settings.retention_days === null);
  }, [settings.output_folder, settings.api_base, settings.retention_days]);

  const change = (c: Partial<Settings>) => {
    setSaved(false);
    setError(null);
    update(c).then(
      () => setSaved(true),
      (e: unknown) => setError(toBackendError(e)),
    );
  };

  const saveStorage = (e: FormEvent) => {
    e.preventDefault();
    const next: { apiBase?: string; days?: string } = {};
    const base = apiBase.trim();
    if (base !== "" && !/^https?:\/\/\S+$/i.test(base)) next.apiBase = t("settings.badUrl");
    const n = Number(days);
    if (!keepForever && (!Number.isInteger(n) || n < 1 || n > 3650)) next.days = t("settings.badDays");
    setProblems(next);
    if (Object.keys(next).length > 0) return;
    change({ output_folder: folder.trim() || null, api_base: base || null, retention_days: keepForever ? null : n });
  };

  const systemLang = resolveLanguage("system") === "ru" ? t("settings.russian") : t("settings.english");
  const dataDir = info?.data_dir ?? "…";

  return (
    <div className="page page-settings">
      <div className="page-head">
        <h1>{t("settings.title")}</h1>
        <p className="lede">{t("settings.lede")}</p>
      </div>
      <ErrorNotice error={error ?? saveError} onDismiss={() => setError(null)} />
      <p className="visually-hidden" role="status">
        {saved ? t("settings.saved") : ""}
      </p>

      <Section title={t("settings.appearance")}>
        <Choice<ThemeChoice>
          name="theme"
          legend={t("settings.theme")}
          value={settings.theme}
          options={[
            ["system", t("settings.themeSystem")],
            ["light", t("settings.themeLight")],
            ["dark", t("settings.themeDark")],
          ]}
          onChange={(theme) => change({ theme })}
        />
        <div className="field">
          <label htmlFor="language" className="field-label">
            {t("settings.language")}
          </label>
          <select id="language" className="input input-auto" value={settings.language} onChange={(e) => change({ language: e.target.value as LanguageChoice })}>
            <option value="system">{t("settings.languageSystem", { lang: systemLang })}</option>
            <option value="en" lang="en">
              English
            </option>
            <option value="ru" lang="ru">
              Русский
            </option>
          </select>
        </div>
      </Section>

      <Section title={t("settings.notifications")}>
        <Choice<NotifyMode>
          name="notifications"
          legend={t("settings.notify")}
          value={settings.notifications}
          options={[
            ["always", t("settings.notifyAlways")],
            ["unfocused", t("settings.notifyUnfocused")],
            ["never", t("settings.notifyNever")],
          ]}
          onChange={(notifications) => change({ notifications })}
        />
        <label className="check">
          <input type="checkbox" checked={settings.notify_queue_finished} onChange={(e) => change({ notify_queue_finished: e.target.checked })} />
          <span>{t("settings.notifyQueue")}</span>
        </label>
      </Section>

      <Section title={t("settings.queue")}>
        <label className="check">
          <input type="checkbox" checked={settings.start_paused_after_crash} aria-describedby="start-paused-help" onChange={(e) => change({ start_paused_after_crash: e.target.checked })} />
          <span>{t("settings.startPaused")}</span>
        </label>
        <p id="start-paused-help" className="field-help">
          {t("settings.startPausedHelp")}
        </p>
        <StartDeadline minutes={settings.start_deadline_minutes} onSave={(start_deadline_minutes) => change({ start_deadline_minutes })} />
        <div className="field">
          <span className="field-label">{t("settings.concurrency")}</span>
          <p className="field-help">{t("settings.concurrencyHelp")}</p>
          {tokens.length === 0 ? (
            <p className="muted small">{t("settings.noTokens")}</p>
          ) : (
            <ul className="concurrency">
              {tokens.map((tok) => (
                <TokenConcurrency key={tok.id} token={tok} />
              ))}
            </ul>
          )}
        </div>
      </Section>

      <form onSubmit={saveStorage} noValidate className="settings-form-group">
        <Section title={t("settings.storage")}>
          <div className="field">
            <label htmlFor="output-folder" className="field-label">
              {t("settings.outputFolder")}
            </label>
            <input id="output-folder" className="input input-mono" value={folder} placeholder={`${dataDir}/outputs`} aria-describedby="output-folder-help" onChange={(e) => setFolder(e.target.value)} />
            <p id="output-folder-help" className="field-help">
              {t("settings.outputFolderHelp", { dir: dataDir })}
            </p>
          </div>
          <fieldset className="choice">
            <legend className="field-label">{t("settings.retention")}</legend>
            <div className="choice-options">
              <label className="radio">
                <input type="radio" name="retention" checked={keepForever} onChange={() => setKeepForever(true)} />
                <span>{t("settings.retentionForever")}</span>
              </label>
              <label className="radio">
                <input type="radio" name="retention" checked={!keepForever} onChange={() => setKeepForever(false)} />
                <span>{t("settings.retentionDays")}</span>
              </label>
            </div>
          </fieldset>
          {!keepForever && (
            <div className={`field${problems.days ? " field-invalid" : ""}`}>
              <label htmlFor="retention-days" className="field-label">
                {t("settings.retentionDaysLabel")}
              </label>
              <input id="retention-days" className="input input-number" type="number" min={1} max={3650} value={days} aria-describedby="retention-help" onChange={(e) => setDays(e.target.value)} />
              <p id="retention-help" className="field-help">
                {problems.days ? <span className="field-error">{problems.days}</span> : t("settings.retentionHelp")}
              </p>
            </div>
          )}
        </Section>
        <Section title={t("settings.network")}>
          <div className={`field${problems.apiBase ? " field-invalid" : ""}`}>
            <label htmlFor="api-base" className="field-label">
              {t("settings.apiBase")}
            </label>
            <input
              id="api-base"
              className="input input-mono"
              type="url"
              value={apiBase}
              placeholder="https://api.replicate.com/v1"
              aria-describedby="api-base-help"
              spellCheck={false}
              onChange={(e) => setApiBase(e.target.value)}
            />
            <p id="api-base-help" className="field-help">
              {problems.apiBase ? <span className="field-error">{problems.apiBase}</span> : t("settings.apiBaseHelp")}
            </p>
          </div>
          <div className="settings-save">
            <button type="submit" className="btn btn-primary">
              {t("settings.saveChanges")}
            </button>
          </div>
        </Section>
      </form>

      <TeamSection />
      <TelegramSection />
    </div>
  );
}
