// App-wide facts besides generations: AppInfo (demo, paused, data dir) and the
// token list. One initial load, then token and queue events.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { backend, onQueueEvent, toBackendError, type BackendError } from "../backend";
import type { AppInfo, Token } from "../bindings";

export type AppContextValue = {
  info: AppInfo | null;
  tokens: Token[];
  loaded: boolean;
  loadError: BackendError | null;
  /** Puts a token the user just added or changed into the list at once. */
  upsertToken: (token: Token) => void;
  dropToken: (id: string) => void;
  setInfo: (info: AppInfo) => void;
  reloadTokens: () => Promise<void>;
};

const AppContext = createContext<AppContextValue | null>(null);

function upsert(tokens: Token[], token: Token): Token[] {
  const at = tokens.findIndex((t) => t.id === token.id);
  if (at === -1) return [...tokens, token];
  const next = tokens.slice();
  next[at] = token;
  return next;
}

export function AppProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<BackendError | null>(null);

  useEffect(() => {
    let live = true;
    const stop = onQueueEvent((event) => {
      if (event.type === "token_changed") setTokens((list) => upsert(list, event.data));
      else if (event.type === "token_removed") setTokens((list) => list.filter((t) => t.id !== event.data.id));
      else if (event.type === "queue_changed") setInfo((i) => (i ? { ...i, paused: event.data.paused } : i));
    });
    Promise.all([backend.appInfo(), backend.listTokens()]).then(
      ([appInfo, list]) => {
        if (!live) return;
        setInfo(appInfo);
        // Events may have brought tokens during the load: keep them.
        setTokens((seen) => list.reduce(upsert, []).concat(seen.filter((t) => !list.some((l) => l.id === t.id))));
        setLoaded(true);
      },
      (error: unknown) => {
        if (live) setLoadError(toBackendError(error));
      },
    );
    return () => {
      live = false;
      stop();
    };
  }, []);

  const upsertToken = useCallback((token: Token) => setTokens((list) => upsert(list, token)), []);
  const dropToken = useCallback((id: string) => setTokens((list) => list.filter((t) => t.id !== id)), []);
  const reloadTokens = useCallback(async () => setTokens(await backend.listTokens()), []);

  const value = useMemo(
    () => ({ info, tokens, loaded, loadError, upsertToken, dropToken, setInfo, reloadTokens }),
    [info, tokens, loaded, loadError, upsertToken, dropToken, reloadTokens],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

/** On a team's database the member whose generations are one's own (AppInfo.own_member); null otherwise, while unknown, or outside <AppProvider>. */
export function useOwnMember(): string | null {
  return useContext(AppContext)?.info?.own_member ?? null;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp() outside <AppProvider>");
  return value;
}
