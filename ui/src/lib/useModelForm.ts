import { useEffect, useState } from "react";
import { backend, toBackendError, type BackendError, type ModelForm } from "../backend";
import { MODEL_PATTERN } from "../components/ModelPicker";

export type ModelFormState = { form: ModelForm | null; loading: boolean; error: BackendError | null };

/**
 * The settings schema of `model`, read after typing settles (`delayMs`).
 * Only `model`'s own form is ever returned: while another model's form is
 * still held (the new one loading), `form` is null, so a create sent then
 * carries no settings of the previous model.
 */
export function useModelForm(model: string, delayMs: number): ModelFormState {
  const [state, setState] = useState<ModelFormState & { of: string | null }>({ form: null, loading: false, error: null, of: null });
  useEffect(() => {
    if (!MODEL_PATTERN.test(model)) {
      setState({ form: null, loading: false, error: null, of: null });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    const timer = setTimeout(() => {
      backend.getModelForm(model).then(
        (form) => live && setState({ form, loading: false, error: null, of: model }),
        (error: unknown) => live && setState({ form: null, loading: false, error: toBackendError(error), of: model }),
      );
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [model, delayMs]);
  const { of, ...rest } = state;
  return of === model ? rest : { ...rest, form: null };
}
