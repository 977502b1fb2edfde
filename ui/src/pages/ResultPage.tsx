// Result /result/:id — the images, the prompt, the model and settings, the
// status (and the reason of a failure), the times, and what can be done next.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { backend, toBackendError, type BackendError } from "../backend";
import { BatchPanel } from "../components/BatchPanel";
import { ErrorNotice } from "../components/ErrorNotice";
import { CostFact } from "../components/CostFact";
import { SettingsList, StatusPanel, TimesList } from "../components/GenerationFacts";
import { CopyIcon, FolderIcon, RetryIcon, StopIcon, TrashIcon } from "../components/icons";
import { OutputImages } from "../components/OutputImages";
import { useGenerationActions } from "../context/GenerationsContext";
import { carryForm } from "../lib/carriedInput";
import { UseAsInputButton } from "../components/UseAsInput";
import { rejectedFields } from "../lib/schemaValues";
import { isActive } from "../lib/generation";
import { useGeneration } from "../lib/useGeneration";
import "../styles/pages/result.css";

export function ResultPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const { noteCreated, markAsViewed } = useGenerationActions();
  const { generation: g, error: loadError, replace } = useGeneration(id);
  const [error, setError] = useState<BackendError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const unviewed = g !== null && !g.viewed;
  useEffect(() => {
    if (unviewed) markAsViewed(id).catch((e: unknown) => console.error("mark_viewed failed", e));
  }, [unviewed, id, markAsViewed]);

  useEffect(() => {
    setError(null);
    setNote(null);
    setConfirmDelete(false);
  }, [id]);

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    setNote(null);
    try {
      await what();
    } catch (e) {
      setError(toBackendError(e));
    }
  };

  if (loadError) {
    return (
      <div className="page">
        <h1>{t("result.generation")}</h1>
        <ErrorNotice error={loadError.code === "not_found" ? { code: loadError.code, message: t("errors.notFound") } : loadError} />
        <Link to="/history">{t("result.back")}</Link>
      </div>
    );
  }
  if (!g) {
    return (
      <div className="page page-loading" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> {t("app.loading")}
      </div>
    );
  }

  // Replicate's 422 named the inputs at fault: shown on their settings, and
  // "Fix in the form" opens the create form with them marked.
  const problems = g.error_kind === "input_rejected" ? rejectedFields(g.error) : {};
  const refused = Object.keys(problems).length > 0;

  const save = (index: number) =>
    act(async () => {
      const path = await backend.saveOutputAs(g.id, index);
      if (path) setNote(t("result.savedTo", { path }));
    });

  return (
    <div className="page page-result">
      <div className="result-main">
        <OutputImages generation={g} onSave={save} />
      </div>
      <aside className="result-side">
        <div className="result-title">
          <h1>{g.model_name}</h1>
          {g.model.version && <span className="mono small muted" title={g.model.version}>{g.model.version.slice(0, 12)}</span>}
        </div>
        <StatusPanel generation={g} />

        <div className="actions" role="group" aria-label={t("result.actions")}>
          {isActive(g.status) && (
            <button type="button" className="btn" onClick={() => act(async () => replace(await backend.cancelGeneration(g.id)))}>
              <StopIcon /> {t("result.cancel")}
            </button>
          )}
          {!isActive(g.status) && (
            <button
              type="button"
              className="btn"
              onClick={() =>
                act(async () => {
                  const again = await backend.retryGeneration(g.id);
                  noteCreated(again);
                  navigate(`/result/${again.id}`);
                })
              }
            >
              <RetryIcon /> {g.status === "completed" ? t("result.runAgain") : t("result.retry")}
            </button>
          )}
          {refused && (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="fix-in-form"
              onClick={() => {
                carryForm({ model: modelOf(g), prompt: g.prompt, settings: g.settings, problems });
                navigate("/");
              }}
            >
              {t("media.fixInForm")}
            </button>
          )}
          {g.output_files.length > 0 && (
            <button type="button" className="btn" onClick={() => act(() => backend.openOutputFolder(g.id))}>
              <FolderIcon /> {t("result.openFolder")}
            </button>
          )}
          <UseAsInputButton files={g.output_files} />
          {g.output_files.length > 0 && (
            <button type="button" className="btn" onClick={() => void save(0)}>
              {t("result.saveAs")}
            </button>
          )}
        </div>
        {g.batch_id && <BatchPanel batchId={g.batch_id} currentId={g.id} />}
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        {note && (
          <div className="notice notice-ok" role="status">
            {note}
          </div>
        )}

        <section className="side-section">
          <div className="section-head">
            <h2>{t("result.prompt")}</h2>
            <button
              type="button"
              className="btn btn-link btn-sm"
              onClick={() =>
                act(async () => {
                  await navigator.clipboard.writeText(g.prompt);
                  setNote(t("result.copied"));
                })
              }
            >
              <CopyIcon /> {t("result.copyPrompt")}
            </button>
          </div>
          <p className="prompt-text">{g.prompt}</p>
        </section>
        <section className="side-section">
          <h2>{t("result.settings")}</h2>
          {refused && <p className="small muted">{t("media.fixHint")}</p>}
          <SettingsList generation={g} problems={problems} />
        </section>
        <section className="side-section">
          <h2>{t("result.times")}</h2>
          <TimesList generation={g} />
          <CostFact generation={g} />
        </section>
        {!isActive(g.status) && (
          <div className="danger-zone">
            {confirmDelete ? (
              <>
                <span>{t("result.deleteAsk")}</span>
                <button
                  type="button"
                  className="btn btn-danger btn-sm"
                  onClick={() =>
                    act(async () => {
                      await backend.deleteGeneration(g.id);
                      navigate("/history");
                    })
                  }
                >
                  {t("common.delete")}
                </button>
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirmDelete(false)}>
                  {t("common.keep")}
                </button>
              </>
            ) : (
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirmDelete(true)}>
                <TrashIcon /> {t("result.deleteBtn")}
              </button>
            )}
          </div>
        )}
      </aside>
    </div>
  );
}

/** The model as the create form takes it: `owner/name`, or `owner/name:version` when pinned. */
function modelOf(g: { model_name: string; model: { version: string | null } }): string {
  return g.model.version ? `${g.model_name}:${g.model.version}` : g.model_name;
}
