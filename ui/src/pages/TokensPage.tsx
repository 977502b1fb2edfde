// Tokens /tokens: the pool of Replicate API tokens the queue spreads work over.
import { AddTokenForm } from "../components/AddTokenForm";
import { TokenRow } from "../components/TokenRow";
import { useApp } from "../context/AppContext";

export function TokensPage() {
  const { tokens, info } = useApp();
  return (
    <div className="page page-tokens">
      <div className="page-head">
        <h1>Tokens</h1>
        <p className="lede">
          Generations are spread over these Replicate API tokens: the least used healthy one goes next. A token that Replicate refuses is disabled with the reason; a
          rate-limited one rests, then comes back.
        </p>
      </div>
      {info?.demo && <p className="notice notice-info">Demo mode: these tokens belong to the offline simulator, not to a Replicate account.</p>}
      <section className="card">
        <h2>Add a token</h2>
        <AddTokenForm />
      </section>
      <section className="card">
        <h2>
          Your tokens <span className="muted">({tokens.length})</span>
        </h2>
        {tokens.length === 0 ? <p className="muted">No tokens yet.</p> : <ul className="tokens">{tokens.map((t) => <TokenRow key={t.id} token={t} />)}</ul>}
      </section>
    </div>
  );
}
