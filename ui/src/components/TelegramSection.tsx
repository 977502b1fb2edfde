// Settings → Telegram: the bot token (kept in the OS keyring; the window
// only learns whether one is set), the chat (typed, or picked with "Find my
// chat" from who wrote to the bot), what to send, the Bot API base URL, a
// test message, and how sending goes (a failure is shown once, until
// dismissed; messages waiting while Telegram cannot be reached).
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, onTelegramStatus, toBackendError, type BackendError } from "../backend";
import type { ChatSeen, TelegramInfo, TelegramSettings } from "../bindings";
import { useSettings } from "../context/SettingsContext";
import { ErrorNotice } from "./ErrorNotice";

/** `123456789:AA…`, as @BotFather gives it (checked again on the Rust side). */
const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
/** A numeric chat id, or a public channel's @name. */
const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/;

export function TelegramSection() {
  const { t } = useTranslation();
  const { settings, update } = useSettings();
  const tg = settings.telegram;
  const [info, setInfo] = useState<TelegramInfo | null>(null);
  const [token, setToken] = useState("");
  const [replacing, setReplacing] = useState(false);
  const [chat, setChat] = useState(tg.chat_id ?? "");
  const [base, setBase] = useState(tg.api_base ?? "");
  const [chats, setChats] = useState<ChatSeen[] | null>(null);
  const [problem, setProblem] = useState<{ token?: string; chat?: string; base?: string }>({});
  const [error, setError] = useState<BackendError | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    backend.telegramInfo().then(
      (i) => live && setInfo(i),
      (e: unknown) => live && setError(toBackendError(e)),
    );
    const stop = onTelegramStatus((status) => setInfo((i) => (i ? { ...i, status } : i)));
    return () => {
      live = false;
      stop();
    };
  }, []);
  useEffect(() => setChat(tg.chat_id ?? ""), [tg.chat_id]);
  useEffect(() => setBase(tg.api_base ?? ""), [tg.api_base]);

  const act = async <T,>(name: string, f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(name);
    setError(null);
    setResult(null);
    try {
      return await f();
    } catch (e) {
      setError(toBackendError(e));
      return undefined;
    } finally {
      setBusy(null);
    }
  };

  const change = (c: Partial<TelegramSettings>) => act("save", () => update({ telegram: { ...tg, ...c } }));

  const saveToken = async (e: FormEvent) => {
    e.preventDefault();
    const raw = token.trim();
    if (!BOT_TOKEN.test(raw)) {
      setProblem({ ...problem, token: t("telegram.badToken") });
      return;
    }
    setProblem({ ...problem, token: undefined });
    const next = await act("token", () => backend.setTelegramToken(raw));
    if (next) {
      setInfo(next);
      setToken("");
      setReplacing(false);
    }
  };

  const saveChat = async (e: FormEvent) => {
    e.preventDefault();
    const c = chat.trim();
    const b = base.trim();
    const next: typeof problem = {};
    if (c !== "" && !CHAT_ID.test(c)) next.chat = t("telegram.badChat");
    if (b !== "" && !/^https?:\/\/\S+$/i.test(b)) next.base = t("settings.badUrl");
    setProblem(next);
    if (next.chat || next.base) return;
    if (await change({ chat_id: c || null, api_base: b || null })) setResult(t("settings.saved"));
  };

  const status = info?.status;
  const tokenForm = !info?.token_set || replacing;

  return (
    <section className="card settings-section telegram" aria-labelledby="settings-telegram" data-testid="telegram-section">
      <h2 id="settings-telegram">{t("telegram.title")}</h2>
      <p className="field-help">{t("telegram.lede")}</p>
      {status?.last_failure && (
        <div className="notice notice-error" role="alert" data-testid="telegram-failure">
          <span>{t("telegram.failed", { message: status.last_failure.message })}</span>
          <button type="button" className="notice-dismiss" aria-label={t("errors.dismiss")} onClick={() => void backend.dismissTelegramFailure().then(() => setInfo((i) => (i ? { ...i, status: { ...i.status, last_failure: null } } : i)))}>
            ×
          </button>
        </div>
      )}
      {status?.retrying && (
        <div className="notice notice-info" role="status" data-testid="telegram-retrying">
          <span>{t("telegram.retrying", { count: status.pending, reason: status.retrying })}</span>
        </div>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(null)} />

      {tokenForm ? (
        <form className={`field${problem.token ? " field-invalid" : ""}`} onSubmit={(e) => void saveToken(e)} noValidate>
          <label htmlFor="telegram-token" className="field-label">
            {t("telegram.token")}
          </label>
          <div className="telegram-row">
            <input id="telegram-token" className="input input-mono" type="password" autoComplete="off" spellCheck={false} placeholder="123456789:AA…" value={token} aria-describedby="telegram-token-help" onChange={(e) => setToken(e.target.value)} />
            <button type="submit" className="btn btn-primary" disabled={busy !== null || token.trim() === ""}>
              {t("telegram.saveToken")}
            </button>
            {replacing && (
              <button type="button" className="btn btn-ghost" onClick={() => setReplacing(false)}>
                {t("common.cancel")}
              </button>
            )}
          </div>
          <p id="telegram-token-help" className="field-help">
            {problem.token ? <span className="field-error">{problem.token}</span> : t("telegram.tokenHelp")}
          </p>
        </form>
      ) : (
        <div className="field">
          <span className="field-label">{t("telegram.token")}</span>
          <div className="telegram-row">
            <span className="badge badge-ok" data-testid="telegram-token-set">
              {t("telegram.tokenSet")}
            </span>
            <button type="button" className="btn btn-sm" onClick={() => setReplacing(true)}>
              {t("telegram.replaceToken")}
            </button>
            <button type="button" className="btn btn-sm btn-danger" disabled={busy !== null} onClick={() => void act("remove", () => backend.removeTelegramToken()).then((i) => i && setInfo(i))}>
              {t("telegram.removeToken")}
            </button>
          </div>
        </div>
      )}

      <form className="settings-form-group telegram-chat" onSubmit={(e) => void saveChat(e)} noValidate>
        <div className={`field${problem.chat ? " field-invalid" : ""}`}>
          <label htmlFor="telegram-chat" className="field-label">
            {t("telegram.chat")}
          </label>
          <div className="telegram-row">
            <input id="telegram-chat" className="input input-mono" value={chat} placeholder="123456789" spellCheck={false} aria-describedby="telegram-chat-help" onChange={(e) => setChat(e.target.value)} />
            <button
              type="button"
              className="btn"
              disabled={busy !== null || !info?.token_set}
              onClick={() => void act("find", () => backend.findTelegramChats()).then((c) => c && setChats(c))}
            >
              {t("telegram.findChat")}
            </button>
          </div>
          <p id="telegram-chat-help" className="field-help">
            {problem.chat ? <span className="field-error">{problem.chat}</span> : t("telegram.chatHelp")}
          </p>
          {chats && (
            <div className="telegram-chats" data-testid="telegram-chats">
              {chats.length === 0 ? (
                <p className="muted small">{t("telegram.noChats")}</p>
              ) : (
                <ul>
                  {chats.map((c) => (
                    <li key={c.id}>
                      <button
                        type="button"
                        className="btn btn-sm btn-ghost"
                        onClick={() => {
                          setChat(c.id);
                          setChats(null);
                        }}
                      >
                        {c.name} <span className="mono muted small">{c.id}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
        <div className={`field${problem.base ? " field-invalid" : ""}`}>
          <label htmlFor="telegram-base" className="field-label">
            {t("telegram.apiBase")}
          </label>
          <input id="telegram-base" className="input input-mono" type="url" value={base} placeholder="https://api.telegram.org" spellCheck={false} aria-describedby="telegram-base-help" onChange={(e) => setBase(e.target.value)} />
          <p id="telegram-base-help" className="field-help">
            {problem.base ? <span className="field-error">{problem.base}</span> : t("telegram.apiBaseHelp")}
          </p>
        </div>
        <div className="settings-save">
          <button type="submit" className="btn btn-primary" disabled={busy !== null}>
            {t("telegram.saveChat")}
          </button>
          <button
            type="button"
            className="btn"
            disabled={busy !== null || !info?.token_set || !tg.chat_id}
            onClick={() => void act("test", () => backend.sendTelegramTest()).then((bot) => bot && setResult(t("telegram.testSent", { bot })))}
          >
            {busy === "test" ? t("telegram.sending") : t("telegram.test")}
          </button>
          <span className="muted small" role="status" data-testid="telegram-result">
            {result ?? ""}
          </span>
        </div>
      </form>

      <fieldset className="choice">
        <legend className="field-label">{t("telegram.what")}</legend>
        <label className="check">
          <input type="checkbox" checked={tg.send_completed} onChange={(e) => void change({ send_completed: e.target.checked })} />
          <span>{t("telegram.sendCompleted")}</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={tg.send_failed} onChange={(e) => void change({ send_failed: e.target.checked })} />
          <span>{t("telegram.sendFailed")}</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={tg.send_queue_finished} onChange={(e) => void change({ send_queue_finished: e.target.checked })} />
          <span>{t("telegram.sendQueueFinished")}</span>
        </label>
      </fieldset>
      {status && status.sent > 0 && <p className="muted small">{t("telegram.sentCount", { count: status.sent })}</p>}
    </section>
  );
}
