// Create: prompt, model, the model's settings, number of images. Ctrl+Enter creates.
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { backend, toBackendError, type BackendError } from "../backend";
import type { Generation, ModelPreset } from "../bindings";
import { ErrorNotice } from "../components/ErrorNotice";
import { FALLBACK_PRESETS, MODEL_PATTERN, ModelPicker } from "../components/ModelPicker";
import { SettingsForm } from "../components/SettingsForm";
import { useGenerations } from "../context/GenerationsContext";
import { defaultsOf, settingsFields, toInput, validate, type FormValues } from "../lib/schemaValues";
import { useModelForm } from "../lib/useModelForm";

export const MAX_COUNT = 10;

export function CreatePage() {
  const { addGeneration } = useGenerations();
  const [presets, setPresets] = useState<ModelPreset[]>(FALLBACK_PRESETS);
  const [model, setModel] = useState(FALLBACK_PRESETS[0].model);
  const [prompt, setPrompt] = useState("");
  const [count, setCount] = useState(1);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [promptError, setPromptError] = useState<string | null>(null);
  const [submitError, setSubmitError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState<Generation[] | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    backend.listPresets().then(
      (list) => list.length > 0 && setPresets(list),
      (error: unknown) => console.error("list_presets failed", error),
    );
  }, []);

  const isPreset = presets.some((p) => p.model === model);
  const schema = useModelForm(model, isPreset ? 0 : 500);
  const fields = useMemo(() => settingsFields(schema.form?.form.fields ?? []), [schema.form]);

  useEffect(() => {
    setValues(defaultsOf(fields));
    setErrors({});
  }, [fields]);

  const modelError = model === "" ? null : !MODEL_PATTERN.test(model) ? "Write the model as owner/name, e.g. stability-ai/sdxl." : schema.error?.message ?? null;

  const submit = async () => {
    if (busy) return;
    const fieldErrors = validate(fields, values);
    const noPrompt = prompt.trim() === "" ? "Describe the image you want." : null;
    setErrors(fieldErrors);
    setPromptError(noPrompt);
    setSubmitError(null);
    if (noPrompt || Object.keys(fieldErrors).length > 0 || !MODEL_PATTERN.test(model)) {
      formRef.current?.querySelector<HTMLElement>(".field-invalid input, .field-invalid textarea, .field-invalid select")?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await backend.createGeneration({ model, prompt: prompt.trim(), input: toInput(fields, values), count });
      addGeneration(created);
      setQueued(created);
    } catch (error) {
      setSubmitError(toBackendError(error));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };

  return (
    <div className="page page-create">
      <div className="page-head">
        <h1>Create</h1>
        <p className="lede">Describe an image and press Create. It runs in the background; the ⟳ counter above shows what is new.</p>
      </div>
      <form
        ref={formRef}
        className="card create-form"
        onSubmit={onSubmit}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void submit();
          }
        }}
        noValidate
      >
        <div className={`field field-wide${promptError ? " field-invalid" : ""}`}>
          <label htmlFor="prompt" className="field-label">
            Prompt
          </label>
          <textarea
            id="prompt"
            className="input prompt-input"
            rows={4}
            autoFocus
            placeholder="A lighthouse on a cliff at dusk, warm light, mist over the sea…"
            aria-describedby="prompt-help"
            value={prompt}
            onChange={(e) => {
              setPrompt(e.target.value);
              if (promptError) setPromptError(null);
            }}
          />
          <div id="prompt-help" className="field-help">
            {promptError ? <span className="field-error">{promptError}</span> : "Ctrl+Enter creates from anywhere in this form."}
          </div>
        </div>

        <ModelPicker presets={presets} model={model} error={modelError} onChange={setModel} />

        <section className="settings" aria-labelledby="settings-title">
          <div className="section-head">
            <h2 id="settings-title">Settings</h2>
            {fields.length > 0 && (
              <button type="button" className="btn btn-link btn-sm" onClick={() => setValues(defaultsOf(fields))}>
                Reset to defaults
              </button>
            )}
          </div>
          {schema.form?.description && <p className="muted model-description">{schema.form.description}</p>}
          {schema.loading ? (
            <div className="settings-loading" aria-live="polite">
              <span className="spinner" aria-hidden="true" /> Reading the model’s settings…
            </div>
          ) : schema.form ? (
            <SettingsForm fields={fields} values={values} errors={errors} onChange={(name, v) => setValues((old) => ({ ...old, [name]: v }))} />
          ) : (
            <p className="muted">{schema.error ? "The settings appear once the model is found." : "Pick a model to see its settings."}</p>
          )}
        </section>

        <ErrorNotice error={submitError} onDismiss={() => setSubmitError(null)} />
        {queued && !submitError && (
          <div className="notice notice-ok" role="status">
            <span>
              Queued {queued.length === 1 ? "1 generation" : `${queued.length} generations`}.
            </span>
            <Link className="notice-action" to={`/result/${queued[0].id}`}>
              Open
            </Link>
          </div>
        )}
        <div className="create-footer">
          <div className="count">
            <label htmlFor="count" className="field-label">
              Number of images
            </label>
            <div className="stepper">
              <button type="button" className="btn btn-icon" aria-label="One image fewer" disabled={count <= 1} onClick={() => setCount((c) => Math.max(1, c - 1))}>
                −
              </button>
              <input
                id="count"
                className="input input-number"
                type="number"
                min={1}
                max={MAX_COUNT}
                value={count}
                onChange={(e) => setCount(Math.max(1, Math.min(MAX_COUNT, Math.round(Number(e.target.value) || 1))))}
              />
              <button type="button" className="btn btn-icon" aria-label="One image more" disabled={count >= MAX_COUNT} onClick={() => setCount((c) => Math.min(MAX_COUNT, c + 1))}>
                +
              </button>
            </div>
          </div>
          <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
            {busy ? "Queuing…" : count > 1 ? `Create ${count}` : "Create"}
            <kbd className="kbd">Ctrl ↵</kbd>
          </button>
        </div>
      </form>
    </div>
  );
}
