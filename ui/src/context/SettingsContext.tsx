// The app's settings (get_settings once, then what set_settings answers), and
// the two that act on the window at once: the theme and the language.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Settings, ThemeChoice } from "../bindings";
import { applyLanguage } from "../i18n";

export const DEFAULT_SETTINGS: Settings = {
  notifications: "unfocused",
  notify_queue_finished: true,
  output_folder: null,
  api_base: null,
  retention_days: null,
  theme: "system",
  language: "system",
  start_paused_after_crash: false,
  start_deadline_minutes: 15,
  telegram: { chat_id: null, send_completed: true, send_failed: true, send_queue_finished: true, api_base: null },
};

export type SettingsContextValue = {
  settings: Settings;
  loaded: boolean;
  /** Saves a change and keeps what the Rust side answers (theme and language apply before the answer). */
  update: (change: Partial<Settings>) => Promise<Settings>;
  error: BackendError | null;
};

const SettingsContext = createContext<SettingsContextValue | null>(null);

/** Light or dark on `<html data-theme>`; "system" leaves it to prefers-color-scheme. */
export function applyTheme(theme: ThemeChoice): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  useEffect(() => {
    let live = true;
    backend.getSettings().then(
      (s) => {
        if (!live) return;
        setSettings(s);
        setLoaded(true);
      },
      (e: unknown) => {
        if (!live) return;
        console.error("get_settings failed", e);
        setLoaded(true);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => applyTheme(settings.theme), [settings.theme]);
  useEffect(() => applyLanguage(settings.language), [settings.language]);

  const update = useCallback(
    async (change: Partial<Settings>) => {
      const before = settings;
      const wanted = { ...settings, ...change };
      setSettings(wanted);
      setError(null);
      try {
        const saved = await backend.setSettings(wanted);
        setSettings(saved);
        return saved;
      } catch (e) {
        setSettings(before);
        const err = toBackendError(e);
        setError(err);
        throw err;
      }
    },
    [settings],
  );

  const value = useMemo(() => ({ settings, loaded, update, error }), [settings, loaded, update, error]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsContextValue {
  const value = useContext(SettingsContext);
  if (!value) throw new Error("useSettings() outside <SettingsProvider>");
  return value;
}
