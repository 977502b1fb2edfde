// The model browser: search Replicate's public models, browse collections,
// favourites and recent models; a model's description, run count, example
// and input fields before choosing it, its version pinned on request.
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Collection, CollectionSummary, ModelCard, ModelForm } from "../bindings";
import { favouriteModels, toggleFavourite } from "../lib/favourites";
import { ErrorNotice } from "./ErrorNotice";
import { CloseIcon, SearchIcon } from "./icons";
import { StarIcon } from "./mediaIcons";

type Tab = "favourites" | "recent" | "collections";

function ExampleOutput({ card }: { card: ModelCard }) {
  const { t } = useTranslation();
  const out = card.example_output;
  if (Array.isArray(out) && out.length > 0 && out.every((x) => typeof x === "string" && !/^(https?|data):/i.test(x))) {
    return <p className="browser-example-text">{(out as string[]).join("")}</p>;
  }
  if (typeof out === "string" && !/^(https?|data):/i.test(out)) return <p className="browser-example-text">{out}</p>;
  return card.cover_image_url ? <img className="browser-cover" src={card.cover_image_url} alt={t("browser.cover", { model: card.model })} /> : null;
}

function Details({ card, onChoose }: { card: ModelCard; onChoose: (model: string) => void }) {
  const { t, i18n } = useTranslation();
  const [form, setForm] = useState<ModelForm | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [pin, setPin] = useState(false);
  useEffect(() => {
    let live = true;
    setForm(null);
    setError(null);
    setPin(false);
    backend.getModelForm(card.model).then(
      (f) => live && setForm(f),
      (e: unknown) => live && setError(toBackendError(e)),
    );
    return () => {
      live = false;
    };
  }, [card.model]);
  const chosen = pin && card.latest_version ? `${card.model}:${card.latest_version}` : card.model;
  return (
    <section className="browser-details" aria-label={card.model}>
      <h3 className="mono">{card.model}</h3>
      {card.description && <p>{card.description}</p>}
      <p className="small muted">
        {card.run_count !== null ? t("browser.runs", { count: card.run_count, formatted: card.run_count.toLocaleString(i18n.language) }) : null}
        {card.is_official ? ` · ${t("browser.official")}` : ""}
      </p>
      <ExampleOutput card={card} />
      {card.example_prompt && <p className="small muted">{t("browser.examplePrompt", { prompt: card.example_prompt })}</p>}
      <h4>{t("browser.inputs")}</h4>
      {error && <ErrorNotice error={error} />}
      {!form && !error && <span className="spinner" aria-hidden="true" />}
      {form && (
        <ul className="browser-fields" data-testid="browser-fields">
          {form.form.fields.map((f) => (
            <li key={f.name}>
              <span className="mono">{f.name}</span>
              {f.required && <span className="small muted"> · {t("field.required")}</span>}
              {f.description && <span className="small muted"> — {f.description}</span>}
            </li>
          ))}
        </ul>
      )}
      {card.latest_version && !card.is_official && (
        <label className="check">
          <input type="checkbox" checked={pin} onChange={(e) => setPin(e.target.checked)} /> {t("browser.pin", { version: card.latest_version.slice(0, 12) })}
        </label>
      )}
      <button type="button" className="btn btn-primary" onClick={() => onChoose(chosen)}>
        {t("browser.use")}
      </button>
    </section>
  );
}

function CardList({ cards, selected, favourites, onSelect, onFavourite }: { cards: ModelCard[]; selected: string | null; favourites: string[]; onSelect: (c: ModelCard) => void; onFavourite: (model: string) => void }) {
  const { t } = useTranslation();
  return (
    <ul className="browser-list" data-testid="browser-results">
      {cards.map((c) => (
        <li key={c.model} className={`browser-card${selected === c.model ? " browser-card-selected" : ""}`}>
          <button type="button" className="browser-card-main" onClick={() => onSelect(c)} aria-pressed={selected === c.model}>
            {c.cover_image_url ? <img src={c.cover_image_url} alt="" loading="lazy" /> : <span className="browser-cover-none" />}
            <span className="browser-card-text">
              <span className="mono">{c.model}</span>
              <span className="small muted">{c.description ?? ""}</span>
            </span>
          </button>
          <button type="button" className="btn btn-ghost btn-sm" aria-pressed={favourites.includes(c.model)} aria-label={t("browser.favourite", { model: c.model })} onClick={() => onFavourite(c.model)}>
            <StarIcon filled={favourites.includes(c.model)} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A bare card for a model known only by name (favourites, recent). */
const bareCard = (model: string): ModelCard => ({ model, description: null, run_count: null, cover_image_url: null, is_official: false, latest_version: null, example_prompt: null, example_output: null, tags: [] });

export function ModelBrowser({ onChoose, onClose }: { onChoose: (model: string) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<ModelCard[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [selected, setSelected] = useState<ModelCard | null>(null);
  const [tab, setTab] = useState<Tab>("favourites");
  const [favourites, setFavourites] = useState<string[]>(favouriteModels);
  const [recent, setRecent] = useState<string[]>([]);
  const [collections, setCollections] = useState<CollectionSummary[] | null>(null);
  const [collection, setCollection] = useState<Collection | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    searchRef.current?.focus();
    backend.historyModels().then(setRecent, () => setRecent([]));
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  useEffect(() => {
    const q = query.trim();
    if (q === "") {
      setResults(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      setBusy(true);
      setError(null);
      backend
        .searchModels(q)
        .then(
          (found) => live && setResults(found.models),
          (e: unknown) => live && setError(toBackendError(e)),
        )
        .finally(() => live && setBusy(false));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  useEffect(() => {
    if (tab !== "collections" || collections) return;
    backend.listCollections().then(setCollections, (e: unknown) => setError(toBackendError(e)));
  }, [tab, collections]);

  const favourite = (model: string) => setFavourites(toggleFavourite(model));
  const openCollection = (slug: string) => {
    setError(null);
    backend.getCollection(slug).then(setCollection, (e: unknown) => setError(toBackendError(e)));
  };

  let cards: ModelCard[] | null = null;
  if (results) cards = results;
  else if (tab === "favourites") cards = favourites.map(bareCard);
  else if (tab === "recent") cards = recent.map(bareCard);
  else if (collection) cards = collection.models;

  return createPortal(
    <div className="browser-backdrop" onClick={onClose}>
      <div className="browser" role="dialog" aria-modal="true" aria-label={t("browser.title")} onClick={(e) => e.stopPropagation()}>
        <header className="browser-head">
          <h2>{t("browser.title")}</h2>
          <button type="button" className="btn btn-ghost btn-sm" aria-label={t("browser.close")} onClick={onClose}>
            <CloseIcon />
          </button>
        </header>
        <div className="browser-search">
          <SearchIcon />
          <input ref={searchRef} className="input" type="search" aria-label={t("browser.search")} placeholder={t("browser.searchPlaceholder")} value={query} onChange={(e) => setQuery(e.target.value)} />
          {busy && <span className="spinner" aria-hidden="true" />}
        </div>
        {!results && (
          <div className="chips" role="tablist">
            {(["favourites", "recent", "collections"] as Tab[]).map((k) => (
              <button key={k} type="button" role="tab" className="chip" aria-selected={tab === k} aria-pressed={tab === k} onClick={() => { setTab(k); setCollection(null); }}>
                {t(`browser.tab.${k}`)}
              </button>
            ))}
          </div>
        )}
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        <div className="browser-body">
          <div className="browser-left">
            {!results && tab === "collections" && !collection && (
              <ul className="browser-list">
                {(collections ?? []).map((c) => (
                  <li key={c.slug}>
                    <button type="button" className="browser-card-main" onClick={() => openCollection(c.slug)}>
                      <span className="browser-card-text">
                        <span>{c.name}</span>
                        <span className="small muted">{c.description ?? ""}</span>
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {!results && tab === "collections" && collection && (
              <button type="button" className="btn btn-link btn-sm" onClick={() => setCollection(null)}>
                ← {collection.name}
              </button>
            )}
            {cards && cards.length === 0 && <p className="muted small">{results ? t("browser.none") : t(`browser.empty.${tab}`)}</p>}
            {cards && cards.length > 0 && <CardList cards={cards} selected={selected?.model ?? null} favourites={favourites} onSelect={setSelected} onFavourite={favourite} />}
          </div>
          <div className="browser-right">{selected ? <Details card={selected} onChoose={onChoose} /> : <p className="muted small">{t("browser.pick")}</p>}</div>
        </div>
      </div>
    </div>,
    document.body,
  );
}
