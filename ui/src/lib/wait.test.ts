// The user's zone is Tokyo (UTC+9) for this file: a wait's time is stored in
// UTC and must read in local time.
process.env.TZ = "Asia/Tokyo";

import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { formatWait } from "./wait";

describe("formatWait", () => {
  it("shows a wait's time in the user's time zone and language", async () => {
    await i18n.changeLanguage("en");
    const w = { code: "unreachable", until: "2026-05-01T12:00:05Z", detail: "connection refused" } as const;
    expect(formatWait(w)).toBe("Cannot reach Replicate (connection refused); next try at 9:00:05 PM");
    await i18n.changeLanguage("ru");
    expect(formatWait(w)).toBe("Нет связи с Replicate (connection refused); следующая попытка в 21:00:05");
    await i18n.changeLanguage("en");
  });

  it("reads a reason stored as text by an older version as it is", () => {
    expect(formatWait({ code: "other", until: null, detail: "Every token is cooling down; next try at 14:02:10" })).toBe(
      "Every token is cooling down; next try at 14:02:10",
    );
    expect(formatWait({ code: "all_busy", until: null, detail: null })).toContain("waiting for one to finish");
  });
});

describe("budget holds", () => {
  it("say the limit and when the queue resumes, not a next try", () => {
    const until = "2026-05-15T00:00:00Z";
    expect(formatWait({ code: "daily_budget", until, detail: "$5.00" })).toBe("Daily budget $5.00 reached; it resumes tomorrow or when you raise the limit");
    expect(formatWait({ code: "monthly_budget", until, detail: "$50.00" })).toBe("Monthly budget $50.00 reached; it resumes next month or when you raise the limit");
  });
});
