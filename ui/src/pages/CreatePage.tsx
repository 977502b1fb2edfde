// Create: prompt (or several prompts, one a line: a batch), model, the model's
// settings, number of images. Ctrl+Enter creates.
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { backend, toBackendError, type BackendError } from "../backend";
import { MAX_BATCH, MAX_COUNT, type GenerationSummary, type ModelPreset } from "../bindings";
import { CostEstimate } from "../components/CostEstimate";
import { ErrorNotice } from "../components/ErrorNotice";
import { FALLBACK_PRESETS, MODEL_PATTERN, ModelPicker } from "../components/ModelPicker";
import { DeadlineFields, deadlinesOf, type DeadlineTexts } from "../components/DeadlineFields";
import { SettingsForm } from "../components/SettingsForm";
import { useApp } from "../context/AppContext";
import { useGenerationActions } from "../context/GenerationsContext";
import { useSettings } from "../context/SettingsContext";
import { defaultsOf, fieldProblems, settingsFields, toInput, validate, type FormValues } from "../lib/schemaValues";
import { useModelForm } from "../lib/useModelForm";
import { onCarriedInput, takeCarriedForm, takeCarriedInput } from "../lib/carriedInput";
import { fileShape, previewUrl } from "../components/FileField";
import "../styles/pages/create.css";

type Mode = "one" | "many";

/** The prompts of the several-prompts box: one a line, blank lines dropped. */
export function promptLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

export function CreatePage() {
  const { t } = useTranslation();
  const [presets, setPresets] = useState<ModelPreset[]>(FALLBACK_PRESETS);
  // "Fix in the form" from a refused generation: its model, prompt, settings and problems.
  const [refused, setRefused] = useState(() => takeCarriedForm());
  const [model, setModel] = useState(refused?.model ?? FALLBACK_PRESETS[0].model);
  const [mode, setMode] = useState<Mode>("one");
  const [prompt, setPrompt] = useState(refused?.prompt ?? "");
  const [promptsText, setPromptsText] = useState("");
  const [count, setCount] = useState(1);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [promptError, setPromptError] = useState<string | null>(refused?.problems.prompt ?? null);
  const [submitError, setSubmitError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);
  const [deadlineTexts, setDeadlineTexts] = useState<DeadlineTexts>({ start: "", run: "" });
  const [deadlineErrors, setDeadlineErrors] = useState<{ start?: true; run?: true }>({});
  const { settings } = useSettings();
  const { noteCreated } = useGenerationActions();
  const { info } = useApp();
  const [queued, setQueued] = useState<GenerationSummary[] | null>(null);
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

  // "Use as input" from a result: it fills the first file input of the model.
  const [carried, setCarried] = useState<string | null>(() => takeCarriedInput());
  useEffect(() => {
    const values = defaultsOf(fields);
    const target = fields.find((f) => fileShape(f) !== null);
    if (carried && target) {
      values[target.name] = fileShape(target) === "list" ? [carried] : carried;
      setCarried(null);
    }
    if (refused && schema.form) {
      // The refused settings come back as they were sent, each problem on its field.
      for (const f of fields) {
        if (!(f.name in refused.settings)) continue;
        const v = refused.settings[f.name];
        values[f.name] = f.kind.type === "other" && typeof v !== "string" ? JSON.stringify(v) : v;
      }
      setValues(values);
      setErrors(Object.fromEntries(Object.entries(refused.problems).filter(([name]) => fields.some((f) => f.name === name))));
      setRefused(null);
      return;
    }
    setValues(values);
    setErrors({});
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the form changes
  }, [fields]);
  // Carried while this page is open (from the dropdown): fill the field now.
  useEffect(
    () =>
      onCarriedInput(() => {
        const source = takeCarriedInput();
        if (!source) return;
        const target = fields.find((f) => fileShape(f) !== null);
        if (!target) return setCarried(source);
        setValues((old) => ({ ...old, [target.name]: fileShape(target) === "list" ? [source] : source }));
        setCarried(null);
      }),
    [fields],
  );

  const lines = useMemo(() => promptLines(promptsText), [promptsText]);
  const total = mode === "many" ? lines.length * count : count;
  // On a team's database a member may hold none of the pool's tokens: the settings cannot be read here, yet Create queues the prompt.
  const noTokenHere = schema.error?.code === "no_token" && (info?.own_member ?? null) !== null;
  const modelError = model === "" ? null : !MODEL_PATTERN.test(model) ? t("model.badFormat") : noTokenHere ? null : schema.error?.message ?? null;

  const submit = async () => {
    if (busy) return;
    const fieldErrors = validate(fields, values);
    const noPrompt =
      mode === "one" ? (prompt.trim() === "" ? t("create.needPrompt") : null) : lines.length === 0 ? t("create.needPrompts") : total > MAX_BATCH ? t("create.tooMany", { max: MAX_BATCH }) : null;
    const { deadlines, errors: badDeadlines } = deadlinesOf(deadlineTexts);
    setErrors(fieldErrors);
    setPromptError(noPrompt);
    setDeadlineErrors(badDeadlines);
    setSubmitError(null);
    if (noPrompt || Object.keys(fieldErrors).length > 0 || Object.keys(badDeadlines).length > 0 || !MODEL_PATTERN.test(model)) {
      formRef.current?.querySelector<HTMLElement>(".field-invalid input, .field-invalid textarea, .field-invalid select")?.focus();
      return;
    }
    setBusy(true);
    try {
      const input = toInput(fields, values);
      const created =
        mode === "one"
          ? await backend.createGeneration({ model, prompt: prompt.trim(), input, count, deadlines })
          : await backend.createGeneration({ model, prompt: lines[0], prompts: lines, input, count, deadlines });
      noteCreated(created);
      setQueued(created);
    } catch (error) {
      const e = toBackendError(error);
      setSubmitError(e);
      // A refused input names its fields: show each problem on its field.
      if (e.code === "invalid_input") setErrors(fieldProblems(e.message, fields));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit();
  };

  const switchMode = (next: Mode) => {
    if (next === mode) return;
    // Carry what was typed over: the one prompt becomes the first line, and back.
    if (next === "many" && promptsText.trim() === "" && prompt.trim() !== "") setPromptsText(prompt.trim());
    if (next === "one" && prompt.trim() === "" && lines.length > 0) setPrompt(lines[0]);
    setMode(next);
    setPromptError(null);
  };

  const batchOf = queued && queued.length > 1 ? queued[0].batch_id : null;

  return (
    <div className="page page-create">
      <div className="page-head">
        <h1>{t("create.title")}</h1>
        <p className="lede">{t("create.lede")}</p>
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
        <div className="segmented" role="radiogroup" aria-label={t("create.mode")}>
          {(["one", "many"] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={mode === m}
              tabIndex={mode === m ? 0 : -1}
              className="segment"
              onClick={() => switchMode(m)}
              onKeyDown={(e) => {
                if (e.key === "ArrowRight" || e.key === "ArrowLeft" || e.key === "ArrowDown" || e.key === "ArrowUp") {
                  e.preventDefault();
                  const other = m === "one" ? "many" : "one";
                  switchMode(other);
                  (e.currentTarget.parentElement?.querySelector(`[data-mode="${other}"]`) as HTMLElement | null)?.focus();
                }
              }}
              data-mode={m}
            >
              {m === "one" ? t("create.modeOne") : t("create.modeMany")}
            </button>
          ))}
        </div>

        {mode === "one" ? (
          <div className={`field field-wide${promptError ? " field-invalid" : ""}`}>
            <label htmlFor="prompt" className="field-label">
              {t("create.prompt")}
            </label>
            <textarea
              id="prompt"
              className="input prompt-input"
              rows={4}
              autoFocus
              placeholder={t("create.promptPlaceholder")}
              aria-describedby="prompt-help"
              value={prompt}
              onChange={(e) => {
                setPrompt(e.target.value);
                if (promptError) setPromptError(null);
              }}
            />
            <div id="prompt-help" className="field-help">
              {promptError ? <span className="field-error">{promptError}</span> : t("create.promptHelp")}
            </div>
          </div>
        ) : (
          <div className={`field field-wide${promptError ? " field-invalid" : ""}`}>
            <div className="field-label-row">
              <label htmlFor="prompts" className="field-label">
                {t("create.prompts")}
              </label>
              <span className="field-default" data-testid="batch-size">
                {t("common.prompts", { count: lines.length })} · {t("common.generations", { count: total })}
              </span>
            </div>
            <textarea
              id="prompts"
              className="input prompt-input prompts-input"
              rows={6}
              autoFocus
              placeholder={t("create.promptsPlaceholder")}
              aria-describedby="prompts-help"
              value={promptsText}
              onChange={(e) => {
                setPromptsText(e.target.value);
                if (promptError) setPromptError(null);
              }}
            />
            <div id="prompts-help" className="field-help">
              {promptError ? <span className="field-error">{promptError}</span> : t("create.promptsHelp")}
            </div>
          </div>
        )}

        <ModelPicker presets={presets} model={model} error={modelError} onChange={setModel} />

        <section className="settings" aria-labelledby="settings-title">
          <div className="section-head">
            <h2 id="settings-title">{t("create.settings")}</h2>
            {fields.length > 0 && (
              <button type="button" className="btn btn-link btn-sm" onClick={() => setValues(defaultsOf(fields))}>
                {t("create.resetDefaults")}
              </button>
            )}
          </div>
          {schema.form?.description && <p className="muted model-description">{schema.form.description}</p>}
          {schema.loading ? (
            <div className="settings-loading" aria-live="polite">
              <span className="spinner" aria-hidden="true" /> {t("create.readingSettings")}
            </div>
          ) : schema.form ? (
            <>
              {carried && (
                <div className="notice carried-input" role="status">
                  {previewUrl(carried) && <img src={previewUrl(carried) ?? undefined} alt="" />}
                  <span>{t("file.carried")}</span>
                  <button type="button" className="btn btn-sm" onClick={() => setCarried(null)}>
                    {t("file.drop_it")}
                  </button>
                </div>
              )}
              <SettingsForm fields={fields} values={values} errors={errors} onChange={(name, v) => setValues((old) => ({ ...old, [name]: v }))} />
            </>
          ) : (
            <p className={noTokenHere ? "notice notice-info" : "muted"} data-no-token-here={noTokenHere || undefined}>
              {noTokenHere ? t("create.noTokenHere") : schema.error ? t("create.settingsWhenFound") : t("create.pickModel")}
            </p>
          )}
        </section>

        <DeadlineFields
          texts={deadlineTexts}
          errors={deadlineErrors}
          settingMinutes={settings.start_deadline_minutes}
          onChange={(next) => {
            setDeadlineTexts(next);
            setDeadlineErrors({});
          }}
        />

        <div className="create-footer">
          {/* In the sticky footer, so the outcome of Create is seen without scrolling. */}
          <div className="create-footer-notices">
            <ErrorNotice error={submitError} onDismiss={() => setSubmitError(null)} />
            {queued && !submitError && (
              <div className="notice notice-ok" role="status">
                <span>{batchOf ? t("create.queuedBatch", { count: queued.length }) : t("create.queued", { count: queued.length })}</span>
                <Link className="notice-action" to={`/result/${queued[0].id}`}>
                  {t("create.open")}
                </Link>
              </div>
            )}
          </div>
          <div className="count">
            <label htmlFor="count" className="field-label">
              {mode === "one" ? t("create.count") : t("create.variants")}
            </label>
            <div className="stepper">
              <button type="button" className="btn btn-icon" aria-label={t("create.fewer")} disabled={count <= 1} onClick={() => setCount((c) => Math.max(1, c - 1))}>
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
              <button type="button" className="btn btn-icon" aria-label={t("create.more")} disabled={count >= MAX_COUNT} onClick={() => setCount((c) => Math.min(MAX_COUNT, c + 1))}>
                +
              </button>
            </div>
          </div>
          <CostEstimate model={model} input={toInput(fields, values)} generations={total} />
          <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
            {busy ? t("create.queuing") : total > 1 ? t("create.createN", { count: total }) : t("create.create")}
            <kbd className="kbd">Ctrl ↵</kbd>
          </button>
        </div>
      </form>
    </div>
  );
}
