import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { MODEL_FORMS } from "../../mock/modelForms";
import type { InputField } from "../bindings";
import { defaultsOf, settingsFields, toInput, validate, type FormValues } from "../lib/schemaValues";
import { SettingsForm } from "./SettingsForm";

const fields = settingsFields(MODEL_FORMS["black-forest-labs/flux-dev"].fields);

function Harness({ onValues }: { onValues: (v: FormValues) => void }) {
  const [values, setValues] = useState<FormValues>(defaultsOf(fields));
  onValues(values);
  return <SettingsForm fields={fields} values={values} errors={validate(fields, values)} onChange={(n, v) => setValues((o) => ({ ...o, [n]: v }))} />;
}

describe("SettingsForm (from a model's input schema)", () => {
  let values: FormValues = {};
  const mount = () => render(<Harness onValues={(v) => (values = v)} />);

  it("leaves the prompt to the page and keeps the schema order", () => {
    mount();
    const names = Array.from(document.querySelectorAll("[data-field]")).map((e) => e.getAttribute("data-field"));
    expect(names[0]).toBe("aspect_ratio");
    expect(names).not.toContain("prompt");
  });

  it("enum → select with the default chosen", () => {
    mount();
    const select = screen.getByLabelText("Aspect Ratio") as HTMLSelectElement;
    expect(select.tagName).toBe("SELECT");
    expect(select.selectedOptions[0].textContent).toBe("1:1");
    fireEvent.change(select, { target: { value: "1" } });
    expect(values.aspect_ratio).toBe("16:9");
  });

  it("bounded number → slider and number field, kept in step", () => {
    mount();
    const number = screen.getByLabelText("Num Inference Steps") as HTMLInputElement;
    const slider = screen.getByLabelText("Num Inference Steps slider") as HTMLInputElement;
    expect(slider.type).toBe("range");
    expect(slider.min).toBe("1");
    expect(slider.max).toBe("50");
    expect(number.value).toBe("28");
    fireEvent.change(slider, { target: { value: "40" } });
    expect(number.value).toBe("40");
    expect(values.num_inference_steps).toBe(40);
    const guidance = screen.getByLabelText("Guidance slider") as HTMLInputElement;
    expect(guidance.step).toBe("0.1");
  });

  it("unbounded number → number field only, empty means not set", () => {
    mount();
    expect(screen.queryByLabelText("Seed slider")).toBeNull();
    const seed = screen.getByLabelText("Seed") as HTMLInputElement;
    expect(seed.value).toBe("");
    expect(seed).toHaveAttribute("placeholder", "Not set");
  });

  it("boolean → switch", () => {
    mount();
    const toggle = screen.getByRole("switch", { name: "Go Fast" });
    expect(toggle).toBeChecked();
    fireEvent.click(toggle);
    expect(values.go_fast).toBe(false);
  });

  it("a file (string, format uri) → a file picker for images with a drop zone", () => {
    mount();
    const image = screen.getByLabelText("Image") as HTMLInputElement;
    expect(image.type).toBe("file");
    expect(image.accept).toBe("image/*");
    expect(image.multiple).toBe(false);
    expect(screen.getByTestId("drop-image")).toHaveTextContent("Drop an image here");
  });

  it("shows defaults and descriptions", () => {
    mount();
    expect(screen.getByText("Default: 1:1")).toBeInTheDocument();
    expect(screen.getByText("Default: On")).toBeInTheDocument();
    expect(screen.getByText("Aspect ratio for the generated image")).toBeInTheDocument();
  });

  it("shows an inline error for a number out of bounds", () => {
    mount();
    fireEvent.change(screen.getByLabelText("Output Quality"), { target: { value: "150" } });
    expect(screen.getByText("At most 100.")).toBeInTheDocument();
  });
});

describe("schemaValues", () => {
  const f = (extra: Partial<InputField>): InputField => ({ name: "x", title: null, description: null, kind: { type: "integer" }, default: null, minimum: null, maximum: null, required: false, order: 0, ...extra });

  it("validates required fields, integers and JSON", () => {
    expect(validate([f({ required: true })], {})).toEqual({ x: "X is required." });
    expect(validate([f({})], { x: 1.5 })).toEqual({ x: "Enter a whole number." });
    expect(validate([f({ kind: { type: "other" } })], { x: "{nope" })).toEqual({ x: "Enter valid JSON." });
    expect(validate([f({ minimum: 1, maximum: 4 })], { x: 2 })).toEqual({});
  });

  it("sends set values only, JSON parsed, never the prompt", () => {
    const list = [f({ name: "a" }), f({ name: "b" }), f({ name: "c", kind: { type: "other" } }), f({ name: "prompt", kind: { type: "string", format: null } })];
    expect(toInput(list, { a: 3, b: null, c: '{"k":1}', prompt: "p" })).toEqual({ a: 3, c: { k: 1 } });
  });
});
