import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { formatFailure } from "./failure";

describe("formatFailure", () => {
  it("names what failed in the user's language and keeps the cause's own words", async () => {
    const g = { error_kind: "model_failed", error: "CUDA out of memory" } as const;
    await i18n.changeLanguage("en");
    expect(formatFailure(g)).toBe("The model failed: CUDA out of memory");
    await i18n.changeLanguage("ru");
    expect(formatFailure(g)).toBe("Модель завершилась с ошибкой: CUDA out of memory");
    expect(formatFailure({ error_kind: "aborted", error: null })).toBe("Прервано до запуска");
    // A deadline's length goes inside the sentence.
    expect(formatFailure({ error_kind: "start_timeout", error: "15 min" })).toBe(
      "Свободный GPU не нашёлся за 15 min; отменено, без оплаты",
    );
    await i18n.changeLanguage("en");
  });

  it("shows a failure recorded before codes existed as it was written", () => {
    expect(formatFailure({ error_kind: "other", error: "Replicate has no model a/b (404)" })).toBe(
      "Replicate has no model a/b (404)",
    );
    expect(formatFailure({ error_kind: null, error: null })).toBe("Failed");
  });
});
