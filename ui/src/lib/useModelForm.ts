import { useEffect, useState } from "react";
import { backend, toBackendError, type BackendError, type ModelForm } from "../backend";
import { MODEL_PATTERN } from "../components/ModelPicker";

export type ModelFormState = { form: ModelForm | null; loading: boolean; error: BackendError | null };

/** The settings schema of `model`, read after typing settles (`delayMs`). */
export function useModelForm(model: string, delayMs: number): ModelFormState {
  const [state, setState] = useState<ModelFormState>({ form: null, loading: false, error: null });
  useEffect(() => {
    if (!MODEL_PATTERN.test(model)) {
      setState({ form: null, loading: false, error: null });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    const timer = setTimeout(() => {
      backend.getModelForm(model).then(
        (form) => live && setState({ form, loading: false, error: null }),
        (error: unknown) => live && setState({ form: null, loading: false, error: toBackendError(error) }),
      );
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [model, delayMs]);
  return state;
}
