// Tokens /tokens: the pool of Replicate API tokens the queue spreads work over.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend } from "../backend";
import { AddTokenForm } from "../components/AddTokenForm";
import { TokenRow } from "../components/TokenRow";
import { useApp } from "../context/AppContext";
import "../styles/pages/tokens.css";

export function TokensPage() {
  const { t } = useTranslation();
  const { tokens, info } = useApp();
  // Which tokens' secrets this machine holds: asked again when tokens come or go, after an add (it may join one) and after a forget.
  const [here, setHere] = useState<Set<string> | null>(null);
  const [added, setAdded] = useState(0);
  const ids = tokens.map((t) => t.id).join(",");
  useEffect(() => {
    let live = true;
    backend.tokensHere().then(
      (ids) => live && setHere(new Set(ids)),
      () => live && setHere(null),
    );
    return () => {
      live = false;
    };
  }, [ids, added]);
  return (
    <div className="page page-tokens">
      <div className="page-head">
        <h1>{t("tokens.title")}</h1>
        <p className="lede">{t("tokens.lede")}</p>
      </div>
      {info?.demo && <p className="notice notice-info">{t("tokens.demoNotice")}</p>}
      <section className="card">
        <h2>{t("tokens.add")}</h2>
        <AddTokenForm onAdded={() => setAdded((n) => n + 1)} />
      </section>
      <section className="card">
        <h2>
          {t("tokens.yours")} <span className="muted">({tokens.length})</span>
        </h2>
        {tokens.length === 0 ? <p className="muted">{t("tokens.none")}</p> : <ul className="tokens">{tokens.map((t) => <TokenRow key={t.id} token={t} here={here === null || here.has(t.id)} onForgotten={() => setAdded((n) => n + 1)} />)}</ul>}
      </section>
    </div>
  );
}
