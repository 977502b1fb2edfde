import { lazy, memo, Suspense, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { HashRouter, Navigate, Route, Routes, useNavigate } from "react-router";
import { onNavigate } from "./backend";
import { ErrorNotice } from "./components/ErrorNotice";
import { FirstFrame } from "./components/FirstFrame";
import { Header } from "./components/Header";
import { AppProvider, useApp } from "./context/AppContext";
import { GenerationsProvider } from "./context/GenerationsContext";
import { QueueProvider } from "./context/QueueContext";
import { SettingsProvider } from "./context/SettingsContext";
import { useQueueEpoch } from "./lib/queueEpoch";
import { CreatePage } from "./pages/CreatePage";
import { FirstRunPage } from "./pages/FirstRunPage";
import { HistoryPage } from "./pages/HistoryPage";
import { QueuePage } from "./pages/QueuePage";
import { ResultPage } from "./pages/ResultPage";
import { SettingsPage } from "./pages/SettingsPage";
import { TokensPage } from "./pages/TokensPage";

// The Spend page and its chart library load on its first visit, not with the app.
const SpendPage = lazy(() => import("./pages/SpendPage").then((m) => ({ default: m.SpendPage })));

/** Shows the pages the app asks for (tray and notification clicks). */
function NavigationFollower() {
  const navigate = useNavigate();
  useEffect(
    () =>
      onNavigate((path) => {
        if (path === "") window.location.reload();
        else navigate(path);
      }),
    [navigate],
  );
  return null;
}

/** The window's content; needs a router around it (HashRouter in the app, MemoryRouter in tests). */
export function AppShell() {
  const { t } = useTranslation();
  const { loaded, loadError, tokens, info } = useApp();
  if (loadError) {
    return (
      <>
        <Header minimal />
        <main className="page">
          <h1>{t("app.couldNotStart")}</h1>
          <ErrorNotice error={loadError} />
        </main>
        <FirstFrame />
      </>
    );
  }
  if (!loaded) {
    return (
      <>
        <Header minimal />
        <main className="page page-loading" aria-busy="true" />
      </>
    );
  }
  if (tokens.length === 0 && !info?.demo) {
    return (
      <>
        <Header minimal />
        <main>
          <FirstRunPage />
        </main>
        <FirstFrame />
      </>
    );
  }
  return <MainWindow />;
}

/**
 * The header and the pages. Memoized (it has no props): a token's counters
 * changing re-renders AppShell, not the page under it (issue #12: the Create
 * form must not render again at every request counted during a run).
 */
const MainWindow = memo(function MainWindow() {
  return (
    <>
      <NavigationFollower />
      <FirstFrame />
      <Header />
      <main>
        <Routes>
          <Route path="/" element={<CreatePage />} />
          <Route path="/result/:id" element={<ResultPage />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/history" element={<HistoryPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route
            path="/spend"
            element={
              <Suspense fallback={<div className="page page-loading" aria-busy="true" />}>
                <SpendPage />
              </Suspense>
            }
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </>
  );
});

export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <AppProvider>
      <SettingsProvider>
        <GenerationsProvider>
          <QueueProvider>{children}</QueueProvider>
        </GenerationsProvider>
      </SettingsProvider>
    </AppProvider>
  );
}

export function App() {
  // Join/Leave of a team database reopens the queue: load it all afresh.
  const epoch = useQueueEpoch();
  return (
    <Providers key={epoch}>
      <HashRouter>
        <AppShell />
      </HashRouter>
    </Providers>
  );
}
