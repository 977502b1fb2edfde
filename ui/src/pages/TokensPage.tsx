// Tokens /tokens: the pool of Replicate API tokens the queue spreads work over.
import { useTranslation } from "react-i18next";
import { AddTokenForm } from "../components/AddTokenForm";
import { TokenRow } from "../components/TokenRow";
import { useApp } from "../context/AppContext";
import "../styles/pages/tokens.css";

export function TokensPage() {
  const { t } = useTranslation();
  const { tokens, info } = useApp();
  return (
    <div className="page page-tokens">
      <div className="page-head">
        <h1>{t("tokens.title")}</h1>
        <p className="lede">{t("tokens.lede")}</p>
      </div>
      {info?.demo && <p className="notice notice-info">{t("tokens.demoNotice")}</p>}
      <section className="card">
        <h2>{t("tokens.add")}</h2>
        <AddTokenForm />
      </section>
      <section className="card">
        <h2>
          {t("tokens.yours")} <span className="muted">({tokens.length})</span>
        </h2>
        {tokens.length === 0 ? <p className="muted">{t("tokens.none")}</p> : <ul className="tokens">{tokens.map((t) => <TokenRow key={t.id} token={t} />)}</ul>}
      </section>
    </div>
  );
}
