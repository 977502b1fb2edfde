import { useEffect } from "react";
import { HashRouter, Navigate, Route, Routes, useNavigate } from "react-router";
import { onNavigate } from "./backend";
import { ErrorNotice } from "./components/ErrorNotice";
import { Header } from "./components/Header";
import { AppProvider, useApp } from "./context/AppContext";
import { GenerationsProvider } from "./context/GenerationsContext";
import { CreatePage } from "./pages/CreatePage";
import { FirstRunPage } from "./pages/FirstRunPage";
import { HistoryPage } from "./pages/HistoryPage";
import { ResultPage } from "./pages/ResultPage";
import { TokensPage } from "./pages/TokensPage";

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
  const { loaded, loadError, tokens, info } = useApp();
  if (loadError) {
    return (
      <>
        <Header minimal />
        <main className="page">
          <h1>Genqueue could not start</h1>
          <ErrorNotice error={loadError} />
        </main>
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
      </>
    );
  }
  return (
    <>
      <NavigationFollower />
      <Header />
      <main>
        <Routes>
          <Route path="/" element={<CreatePage />} />
          <Route path="/result/:id" element={<ResultPage />} />
          <Route path="/history" element={<HistoryPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </>
  );
}

export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <AppProvider>
      <GenerationsProvider>{children}</GenerationsProvider>
    </AppProvider>
  );
}

export function App() {
  return (
    <Providers>
      <HashRouter>
        <AppShell />
      </HashRouter>
    </Providers>
  );
}
